import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ProviderError } from '@keyroute/core';
import type { PrivateKey, PublicKey } from 'openpgp';
import { syncDirectory, writeFileAtomic } from './atomic-write.js';
import { DEFAULT_PROVIDER_ID, fileSystemError, systemErrorCode } from './errors.js';
import { fingerprintOf, normalizeFingerprint } from './fingerprint.js';
import { parsePublicKeyFile, parseSecretKeyFile } from './key-file.js';
import { KeyFileCache } from './key-file-cache.js';
import type { CachedCertificate } from './key-file-cache.js';
import { withFileLock } from './lock.js';
import { hasUnencryptedSecretMaterial } from './secret-material.js';
import { removeOrphanTempFiles } from './temp-files.js';

/** One key of the keystore: its certificate, and whether its secret key is there too. */
export interface KeystoreEntry {
  /** Primary key fingerprint, upper-case hex (the file stem). */
  readonly fingerprint: string;
  /** The certificate (public key), from `public/<FPR>.asc` or derived from the secret key. */
  readonly certificate: PublicKey;
  /** The certificate, armored. */
  readonly armoredCertificate: string;
  /** True when `secret/<FPR>.asc` exists and parses. */
  readonly hasSecretKey: boolean;
}

/** Options of {@link Keystore.open}. */
export interface KeystoreOptions {
  /**
   * Creates the folder when missing (`mkdir -p`) with `public/` (0755), `secret/` (0700) and
   * `staging/` (0700); true by default. When false the folder must exist; a missing subfolder
   * reads as empty and is created by the first write into it.
   */
  readonly create?: boolean;
  /** Longest wait for the writer lock, in milliseconds; 10 s by default. */
  readonly lockTimeoutMs?: number;
  /** Provider id put in errors; `openpgp` by default. */
  readonly provider?: string;
}

/** The folders of a keystore (absolute paths). */
export interface KeystorePaths {
  /** Certificates: `public/<FPR>.asc`. */
  readonly public: string;
  /** Secret keys, encrypted at rest: `secret/<FPR>.asc` (mode 0600). */
  readonly secret: string;
  /** Uploaded certificates awaiting acceptance: `staging/<FPR>.asc`. */
  readonly staging: string;
  /** The writer lock file. */
  readonly lock: string;
}

/** A file of the keystore that {@link Keystore.list} skipped, and why. */
export interface KeystoreProblem {
  /** Path relative to the keystore folder, e.g. `public/0123….asc`. */
  readonly file: string;
  readonly reason: string;
}

/** Options of {@link Keystore.writeSecretKey}. */
export interface WriteSecretKeyOptions {
  /** Stores a secret key whose material is not passphrase-protected; false by default. */
  readonly allowUnencrypted?: boolean;
}

type Kind = 'public' | 'secret';

const FILE_MODE: Readonly<Record<Kind, number>> = { public: 0o644, secret: 0o600 };
const SUFFIX = '.asc';

/**
 * The keystore folder: one armored file per key, `public/<FPR>.asc` for certificates and
 * `secret/<FPR>.asc` for secret keys (kept encrypted with their passphrase), the layout of
 * `createOpenPgpKeyFolder`. Files are replaced atomically (temporary file, fsync, rename), and
 * every change runs under a cross-process writer lock, so two processes may write at once.
 * Readers take no lock: they see whole files, old or new.
 */
export class Keystore {
  /** The keystore folder, absolute. */
  readonly dir: string;
  /** Its subfolders and lock file. */
  readonly paths: KeystorePaths;
  /** Provider id put in errors. */
  readonly provider: string;
  readonly #lockTimeoutMs: number | undefined;
  readonly #cache = new KeyFileCache();
  #problems: readonly KeystoreProblem[] = [];

  private constructor(dir: string, options: KeystoreOptions) {
    this.dir = dir;
    this.paths = {
      public: join(dir, 'public'),
      secret: join(dir, 'secret'),
      staging: join(dir, 'staging'),
      lock: join(dir, '.lock'),
    };
    this.provider = options.provider ?? DEFAULT_PROVIDER_ID;
    this.#lockTimeoutMs = options.lockTimeoutMs;
  }

  /**
   * Opens (by default creating) the keystore at `dir`, and removes temporary files left by
   * writers that were killed mid-write.
   *
   * @throws ProviderError `UNAVAILABLE` when `dir` is missing and `create` is false, `DENIED`
   *   when it cannot be created or read.
   */
  static async open(dir: string, options: KeystoreOptions = {}): Promise<Keystore> {
    const keystore = new Keystore(resolve(dir), options);
    const { paths } = keystore;
    const fail = (error: unknown): ProviderError =>
      fileSystemError(error, {
        provider: keystore.provider,
        operation: `open the keystore ${keystore.dir}`,
      });
    try {
      if (options.create ?? true) {
        await mkdir(keystore.dir, { recursive: true, mode: 0o755 });
        await mkdir(paths.public, { recursive: true, mode: 0o755 });
        await mkdir(paths.secret, { recursive: true, mode: 0o700 });
        await mkdir(paths.staging, { recursive: true, mode: 0o700 });
      } else if (!(await stat(keystore.dir)).isDirectory()) {
        throw new ProviderError('UNAVAILABLE', `the keystore ${keystore.dir} is not a folder`, {
          provider: keystore.provider,
        });
      }
    } catch (error) {
      throw fail(error);
    }
    await Promise.all(
      [paths.public, paths.secret, paths.staging].map((folder) => removeOrphanTempFiles(folder)),
    );
    return keystore;
  }

  /**
   * Runs `work` under the keystore's cross-process writer lock. Re-entrant: the keystore's own
   * writing methods may be called inside.
   *
   * @throws ProviderError `TIMEOUT` when another writer holds the lock too long.
   */
  exclusive<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withFileLock(this.paths.lock, work, {
      provider: this.provider,
      ...(this.#lockTimeoutMs === undefined ? {} : { timeoutMs: this.#lockTimeoutMs }),
      ...(signal === undefined ? {} : { signal }),
    });
  }

  /**
   * All certificates: `public/*.asc`, and a `secret/<FPR>.asc` without a public file counts too
   * (its public part is derived). Sorted by fingerprint. Parsed files are cached and read again
   * when their inode, size or mtime changes (another process wrote). Unusable files are skipped
   * and reported by {@link problems}.
   */
  async list(): Promise<readonly KeystoreEntry[]> {
    const problems: KeystoreProblem[] = [];
    const scan = (kind: Kind): Promise<Map<string, CachedCertificate>> =>
      this.#cache.scan(this.paths[kind], kind, problems).catch((error: unknown) => {
        throw fileSystemError(error, { provider: this.provider, operation: `list ${kind}/` });
      });
    const [publicFiles, secretFiles] = await Promise.all([
      scan('public'),
      scan('secret'),
      this.#checkSecretFolderMode(problems),
    ]);
    const entries: KeystoreEntry[] = [];
    const fingerprints = new Set([...publicFiles.keys(), ...secretFiles.keys()]);
    for (const fingerprint of [...fingerprints].sort()) {
      const fromSecret = secretFiles.get(fingerprint);
      const source = publicFiles.get(fingerprint) ?? fromSecret;
      if (source === undefined) continue;
      entries.push({
        fingerprint,
        certificate: source.certificate,
        armoredCertificate: source.armored,
        hasSecretKey: fromSecret !== undefined,
      });
    }
    this.#problems = problems.sort((a, b) => a.file.localeCompare(b.file));
    return entries;
  }

  /** The files the last {@link list} skipped, and why. */
  problems(): readonly KeystoreProblem[] {
    return this.#problems;
  }

  /** The entry of one fingerprint (any spelling {@link normalizeFingerprint} takes), or undefined. */
  async get(fingerprint: string): Promise<KeystoreEntry | undefined> {
    const wanted = normalizeFingerprint(fingerprint, this.provider);
    return (await this.list()).find((entry) => entry.fingerprint === wanted);
  }

  /**
   * The secret key as stored (still encrypted when it was), or undefined when there is none.
   *
   * @throws ProviderError `INVALID_INPUT` for a malformed fingerprint, `PROTOCOL` when the file
   *   is not a usable secret key, `DENIED`/`UNAVAILABLE` when it cannot be read.
   */
  async readSecretKey(fingerprint: string): Promise<PrivateKey | undefined> {
    const wanted = normalizeFingerprint(fingerprint, this.provider);
    const text = await this.#readIfExists('secret', wanted);
    if (text === undefined) return undefined;
    const parsed = await parseSecretKeyFile(text, wanted);
    if (!parsed.ok) {
      throw new ProviderError('PROTOCOL', `secret/${wanted}${SUFFIX} ${parsed.reason}`, {
        provider: this.provider,
        key: wanted,
      });
    }
    return parsed.key;
  }

  /** Writes `public/<FPR>.asc` atomically (armored; the public part of a secret key). */
  async writeCertificate(key: PublicKey | PrivateKey): Promise<KeystoreEntry> {
    const certificate = key.toPublic();
    const fingerprint = fingerprintOf(certificate);
    return this.exclusive(async () => {
      const armored = certificate.armor();
      await this.#write('public', fingerprint, armored);
      return {
        fingerprint,
        certificate,
        armoredCertificate: armored,
        hasSecretKey: await this.#exists('secret', fingerprint),
      };
    });
  }

  /**
   * Writes `secret/<FPR>.asc` atomically (mode 0600) and then `public/<FPR>.asc`.
   *
   * @throws ProviderError `INVALID_INPUT` when `key` holds no secret material, or holds some
   *   that is not encrypted and `allowUnencrypted` is not set.
   */
  async writeSecretKey(
    key: PrivateKey,
    options: WriteSecretKeyOptions = {},
  ): Promise<KeystoreEntry> {
    const fingerprint = fingerprintOf(key);
    if (!key.isPrivate()) {
      throw new ProviderError('INVALID_INPUT', `key ${fingerprint} holds no secret key`, {
        provider: this.provider,
        key: fingerprint,
      });
    }
    if (options.allowUnencrypted !== true && hasUnencryptedSecretMaterial(key)) {
      throw new ProviderError(
        'INVALID_INPUT',
        `the secret key ${fingerprint} is not encrypted; protect it with a passphrase before storing it (or allow unencrypted keys explicitly)`,
        { provider: this.provider, key: fingerprint },
      );
    }
    const certificate = key.toPublic();
    return this.exclusive(async () => {
      const armored = certificate.armor();
      await this.#write('secret', fingerprint, key.armor());
      await this.#write('public', fingerprint, armored);
      return { fingerprint, certificate, armoredCertificate: armored, hasSecretKey: true };
    });
  }

  /**
   * Adds `key`'s certificate, merged with the one stored under its fingerprint (openpgp.js
   * `update`: new user IDs, subkeys and signatures — revocations included — are added, the
   * newest binding signatures kept). A stored secret key gets the same merge, so a revocation
   * reaches it too. Runs under the writer lock, so concurrent merges lose nothing.
   *
   * @param date - signatures not valid at this date are not merged; now by default.
   */
  async mergeCertificate(
    key: PublicKey | PrivateKey,
    date: Date = new Date(),
  ): Promise<KeystoreEntry> {
    const incoming = key.toPublic();
    const fingerprint = fingerprintOf(incoming);
    return this.exclusive(async () => {
      const publicText = await this.#readIfExists('public', fingerprint);
      const secretText = await this.#readIfExists('secret', fingerprint);
      const stored =
        publicText === undefined ? undefined : await parsePublicKeyFile(publicText, fingerprint);
      const secret =
        secretText === undefined ? undefined : await parseSecretKeyFile(secretText, fingerprint);
      const base =
        stored?.ok === true ? stored.key : secret?.ok === true ? secret.key.toPublic() : undefined;
      const certificate = base === undefined ? incoming : await this.#merge(base, incoming, date);
      const armored = certificate.armor();
      if (secret?.ok === true) {
        const mergedSecret = await this.#merge(secret.key, incoming, date);
        await this.#write('secret', fingerprint, mergedSecret.armor());
      }
      await this.#write('public', fingerprint, armored);
      return {
        fingerprint,
        certificate,
        armoredCertificate: armored,
        hasSecretKey: secret?.ok === true,
      };
    });
  }

  /**
   * Deletes `public/<FPR>.asc` and `secret/<FPR>.asc`.
   *
   * @throws ProviderError `KEY_NOT_FOUND` when neither exists.
   */
  async delete(fingerprint: string): Promise<void> {
    const wanted = normalizeFingerprint(fingerprint, this.provider);
    await this.exclusive(async () => {
      const removed = [await this.#remove('secret', wanted), await this.#remove('public', wanted)];
      if (!removed.includes(true)) {
        throw new ProviderError('KEY_NOT_FOUND', `the keystore holds no key ${wanted}`, {
          provider: this.provider,
          key: wanted,
        });
      }
    });
  }

  async #merge<K extends PublicKey>(base: K, incoming: PublicKey, date: Date): Promise<K> {
    try {
      return (await base.update(incoming, date)) as K;
    } catch (error) {
      const fingerprint = fingerprintOf(base);
      throw new ProviderError(
        'INVALID_INPUT',
        `the certificate ${fingerprint} cannot be merged with the stored one: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, provider: this.provider, key: fingerprint },
      );
    }
  }

  #path(kind: Kind, fingerprint: string): string {
    return join(this.paths[kind], `${fingerprint}${SUFFIX}`);
  }

  async #write(kind: Kind, fingerprint: string, armored: string): Promise<void> {
    const path = this.#path(kind, fingerprint);
    try {
      await mkdir(this.paths[kind], { recursive: true, mode: kind === 'secret' ? 0o700 : 0o755 });
      await writeFileAtomic(path, armored, { mode: FILE_MODE[kind] });
    } catch (error) {
      throw fileSystemError(error, {
        provider: this.provider,
        operation: `write ${kind}/${fingerprint}${SUFFIX}`,
        key: fingerprint,
      });
    }
  }

  async #remove(kind: Kind, fingerprint: string): Promise<boolean> {
    try {
      await rm(this.#path(kind, fingerprint));
      await syncDirectory(this.paths[kind]);
      return true;
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return false;
      throw fileSystemError(error, {
        provider: this.provider,
        operation: `delete ${kind}/${fingerprint}${SUFFIX}`,
        key: fingerprint,
      });
    }
  }

  async #exists(kind: Kind, fingerprint: string): Promise<boolean> {
    try {
      await stat(this.#path(kind, fingerprint));
      return true;
    } catch {
      return false;
    }
  }

  async #readIfExists(kind: Kind, fingerprint: string): Promise<string | undefined> {
    try {
      return await readFile(this.#path(kind, fingerprint), 'utf8');
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return undefined;
      throw fileSystemError(error, {
        provider: this.provider,
        operation: `read ${kind}/${fingerprint}${SUFFIX}`,
        key: fingerprint,
      });
    }
  }

  async #checkSecretFolderMode(problems: KeystoreProblem[]): Promise<void> {
    try {
      const { mode } = await stat(this.paths.secret);
      if ((mode & 0o077) !== 0) {
        problems.push({
          file: 'secret/',
          reason: `is open to other users (mode ${(mode & 0o777).toString(8)}); chmod 700 it`,
        });
      }
    } catch {
      // No secret folder: nothing to protect.
    }
  }
}
