import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PublicKey } from 'openpgp';
import { systemErrorCode } from './errors.js';
import { isFingerprint } from './fingerprint.js';
import { parsePublicKeyFile, parseSecretKeyFile } from './key-file.js';
import type { ParsedKeyFile } from './key-file.js';

/** The certificate a key file yields (for a secret key file, its public part), armored too. */
export interface CachedCertificate {
  readonly certificate: PublicKey;
  readonly armored: string;
}

/** A key file that cannot be used, and why. */
export interface KeyFileProblem {
  /** `<kind>/<name>`, relative to the keystore folder. */
  readonly file: string;
  readonly reason: string;
}

interface CachedFile {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly result:
    | { readonly ok: true; readonly value: CachedCertificate }
    | { readonly ok: false; readonly reason: string };
}

const SUFFIX = '.asc';

/**
 * The parsed `<FPR>.asc` files of the keystore's folders, kept between listings: a file is read
 * and parsed again only when its inode, size or modification time changed (an atomic
 * replacement always brings a new inode). Secret key objects are not kept, only their public
 * part.
 */
export class KeyFileCache {
  readonly #files = new Map<string, CachedFile>();

  /**
   * The usable key files of `folder` by fingerprint. Names that are not `<FPR>.asc` are
   * problems; hidden files (temporary files of writers) and other extensions are ignored.
   * A folder that does not exist is empty; a file that cannot be read is a problem.
   *
   * @throws the file-system error when the folder cannot be read.
   */
  async scan(
    folder: string,
    kind: 'public' | 'secret',
    problems: KeyFileProblem[],
  ): Promise<Map<string, CachedCertificate>> {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      if (systemErrorCode(error) !== 'ENOENT') throw error;
      names = [];
    }
    const seen = new Set<string>();
    const results = new Map<string, CachedCertificate>();
    await Promise.all(
      names.map(async (name) => {
        if (name.startsWith('.') || !name.endsWith(SUFFIX)) return;
        const file = `${kind}/${name}`;
        const fingerprint = name.slice(0, -SUFFIX.length);
        if (!isFingerprint(fingerprint)) {
          problems.push({ file, reason: 'the file name is not an upper-case fingerprint' });
          return;
        }
        const cached = await this.#read(join(folder, name), file, kind, fingerprint);
        if (cached === undefined) return;
        seen.add(file);
        if (cached.result.ok) results.set(fingerprint, cached.result.value);
        else problems.push({ file, reason: cached.result.reason });
      }),
    );
    for (const file of this.#files.keys()) {
      if (file.startsWith(`${kind}/`) && !seen.has(file)) this.#files.delete(file);
    }
    return results;
  }

  /** One key file, parsed again only when it changed; undefined when it vanished meanwhile. */
  async #read(
    path: string,
    file: string,
    kind: 'public' | 'secret',
    fingerprint: string,
  ): Promise<CachedFile | undefined> {
    try {
      const { ino, size, mtimeMs } = await stat(path);
      const cached = this.#files.get(file);
      if (cached?.ino === ino && cached.size === size && cached.mtimeMs === mtimeMs) return cached;
      const text = await readFile(path, 'utf8');
      const parsed: ParsedKeyFile<PublicKey> =
        kind === 'public'
          ? await parsePublicKeyFile(text, fingerprint)
          : await parseSecretKeyFile(text, fingerprint);
      let result: CachedFile['result'];
      if (parsed.ok) {
        const certificate = parsed.key.toPublic();
        result = { ok: true, value: { certificate, armored: certificate.armor() } };
      } else {
        result = parsed;
      }
      const entry: CachedFile = { ino, size, mtimeMs, result };
      this.#files.set(file, entry);
      return entry;
    } catch (error) {
      const code = systemErrorCode(error);
      if (code === 'ENOENT') return undefined;
      // Not cached: the next listing tries again.
      return {
        ino: 0,
        size: 0,
        mtimeMs: 0,
        result: { ok: false, reason: `cannot be read (${code ?? String(error)})` },
      };
    }
  }
}
