import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ProviderError } from '@keyroute/core';
import type { PublicKey } from 'openpgp';
import { fetchCertificate } from '../hkp/key-source.js';
import type { KeySourceOptions } from '../hkp/key-source.js';
import { syncDirectory, writeFileAtomic } from '../keystore/atomic-write.js';
import { fileSystemError, systemErrorCode } from '../keystore/errors.js';
import { fingerprintOf, isFingerprint, normalizeFingerprint } from '../keystore/fingerprint.js';
import { parsePublicKeyFile } from '../keystore/key-file.js';
import type { Keystore, KeystoreEntry, KeystoreProblem } from '../keystore/keystore.js';
import { parseCertificateUpload } from './parse-upload.js';
import { DEFAULT_VALIDATION_POLICY, validateCertificate } from './validate.js';
import type { ValidationPolicy, ValidationReport } from './validate.js';

/** A certificate waiting in the staging area, with its validation report. */
export interface StagedCertificate {
  /** Primary key fingerprint, upper-case hex. */
  readonly fingerprint: string;
  /** The certificate, armored. */
  readonly armored: string;
  /** Validation at the time of the call (not of staging: keys expire meanwhile). */
  readonly report: ValidationReport;
  /** When it was staged (the staged file's modification time). */
  readonly stagedAt: Date;
}

/** Options of a {@link Staging} area. */
export interface StagingOptions {
  /** {@link DEFAULT_VALIDATION_POLICY} by default. */
  readonly policy?: ValidationPolicy;
  /** The clock validation uses; `new Date()` by default. */
  readonly now?: () => Date;
  /** Largest upload accepted, in bytes; 1 MiB by default. */
  readonly maxBytes?: number;
}

/** Options of {@link Staging.accept}. */
export interface AcceptOptions {
  /** Accepts a certificate whose report has failed `error` checks; false by default. */
  readonly force?: boolean;
}

const SUFFIX = '.asc';

/**
 * The staging area of a keystore (`<dir>/staging/<FPR>.asc`, mode 0600): an uploaded
 * certificate lands here first, with a validation report, and reaches the keystore only when
 * accepted. Every change runs under the keystore's writer lock.
 */
export class Staging {
  readonly #keystore: Keystore;
  readonly #policy: ValidationPolicy;
  readonly #now: () => Date;
  readonly #maxBytes: number | undefined;
  #problems: readonly KeystoreProblem[] = [];

  constructor(keystore: Keystore, options: StagingOptions = {}) {
    this.#keystore = keystore;
    this.#policy = options.policy ?? DEFAULT_VALIDATION_POLICY;
    this.#now = options.now ?? ((): Date => new Date());
    this.#maxBytes = options.maxBytes;
  }

  /** The staging folder. */
  get dir(): string {
    return this.#keystore.paths.staging;
  }

  /**
   * Parses an upload (armored or binary; exactly one public certificate), validates it and
   * writes it to the staging area atomically, replacing an earlier upload of the same key.
   * A failed `encryption-subkey` check is only a warning here.
   *
   * @throws ProviderError `INVALID_INPUT` for an upload that is not exactly one public
   *   certificate (a secret key, several keys, garbage, too large).
   */
  async stage(input: string | Uint8Array): Promise<StagedCertificate> {
    const key = await parseCertificateUpload(input, {
      provider: this.#keystore.provider,
      ...(this.#maxBytes === undefined ? {} : { maxBytes: this.#maxBytes }),
    });
    const report = await validateCertificate(key, { now: this.#now(), policy: this.#policy });
    const armored = key.armor();
    const fingerprint = fingerprintOf(key);
    const stagedAt = await this.#keystore.exclusive(async () => {
      try {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await writeFileAtomic(this.#path(fingerprint), armored, { mode: 0o600 });
        return (await stat(this.#path(fingerprint))).mtime;
      } catch (error) {
        throw this.#fileError(error, `stage ${fingerprint}`, fingerprint);
      }
    });
    return { fingerprint, armored, report, stagedAt };
  }

  /**
   * Fetches the certificate matching `search` from a keyserver or a file (see
   * `fetchCertificate`) and stages it.
   */
  async stageFromSource(search: string, source: KeySourceOptions): Promise<StagedCertificate> {
    return this.stage(await fetchCertificate(search, source));
  }

  /**
   * The staged certificates, oldest first, each validated now. Unusable files are skipped and
   * reported by {@link problems}.
   */
  async list(): Promise<readonly StagedCertificate[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (systemErrorCode(error) !== 'ENOENT') throw this.#fileError(error, 'list staging/');
      names = [];
    }
    const problems: KeystoreProblem[] = [];
    const staged: StagedCertificate[] = [];
    await Promise.all(
      names.map(async (name) => {
        if (name.startsWith('.') || !name.endsWith(SUFFIX)) return;
        const fingerprint = name.slice(0, -SUFFIX.length);
        if (!isFingerprint(fingerprint)) {
          problems.push({
            file: `staging/${name}`,
            reason: 'the file name is not an upper-case fingerprint',
          });
          return;
        }
        const read = await this.#read(fingerprint);
        if (read === undefined) return;
        if (!read.ok) {
          problems.push({ file: `staging/${name}`, reason: read.reason });
          return;
        }
        staged.push(await this.#describe(read.key, read.stagedAt));
      }),
    );
    this.#problems = problems.sort((a, b) => a.file.localeCompare(b.file));
    return staged.sort(
      (a, b) =>
        a.stagedAt.getTime() - b.stagedAt.getTime() || a.fingerprint.localeCompare(b.fingerprint),
    );
  }

  /** The staging files the last {@link list} skipped, and why. */
  problems(): readonly KeystoreProblem[] {
    return this.#problems;
  }

  /** The staged certificate of one fingerprint, validated now, or undefined. */
  async get(fingerprint: string): Promise<StagedCertificate | undefined> {
    const wanted = normalizeFingerprint(fingerprint, this.#keystore.provider);
    const read = await this.#read(wanted);
    if (read === undefined) return undefined;
    if (!read.ok) throw this.#corrupt(wanted, read.reason);
    return this.#describe(read.key, read.stagedAt);
  }

  /**
   * Moves a staged certificate into the keystore, merged with a stored certificate of the same
   * fingerprint (openpgp.js `update`: new signatures, user IDs and subkeys are added), and
   * removes it from the staging area. It is validated again first, at the current time.
   *
   * @throws ProviderError `KEY_NOT_FOUND` when nothing is staged under that fingerprint;
   *   `INVALID_INPUT` listing the failed checks when the report has a failed `error` check and
   *   `force` is not set.
   */
  async accept(fingerprint: string, options: AcceptOptions = {}): Promise<KeystoreEntry> {
    const wanted = normalizeFingerprint(fingerprint, this.#keystore.provider);
    return this.#keystore.exclusive(async () => {
      const read = await this.#read(wanted);
      if (read === undefined) throw this.#notStaged(wanted);
      if (!read.ok) throw this.#corrupt(wanted, read.reason);
      const now = this.#now();
      const report = await validateCertificate(read.key, { now, policy: this.#policy });
      if (!report.valid && options.force !== true) {
        const failures = report.checks
          .filter((check) => !check.ok && check.severity === 'error')
          .map((check) => `${check.id}: ${check.message}`);
        throw new ProviderError(
          'INVALID_INPUT',
          `the staged certificate ${wanted} fails validation (${failures.join('; ')}); reject it, or accept it with force`,
          { provider: this.#keystore.provider, key: wanted },
        );
      }
      const entry = await this.#keystore.mergeCertificate(read.key, now);
      await this.#remove(wanted);
      return entry;
    });
  }

  /**
   * Removes a staged certificate without accepting it.
   *
   * @throws ProviderError `KEY_NOT_FOUND` when nothing is staged under that fingerprint.
   */
  async reject(fingerprint: string): Promise<void> {
    const wanted = normalizeFingerprint(fingerprint, this.#keystore.provider);
    await this.#keystore.exclusive(async () => {
      if (!(await this.#remove(wanted))) throw this.#notStaged(wanted);
    });
  }

  /** Removes everything staged; resolves to how many certificates were removed. */
  async flush(): Promise<number> {
    return this.#keystore.exclusive(async () => {
      let names: string[];
      try {
        names = await readdir(this.dir);
      } catch (error) {
        if (systemErrorCode(error) === 'ENOENT') return 0;
        throw this.#fileError(error, 'list staging/');
      }
      let removed = 0;
      for (const name of names) {
        if (name.startsWith('.') || !name.endsWith(SUFFIX)) continue;
        try {
          await rm(join(this.dir, name));
          removed += 1;
        } catch (error) {
          if (systemErrorCode(error) !== 'ENOENT') {
            throw this.#fileError(error, `remove staging/${name}`);
          }
        }
      }
      await syncDirectory(this.dir).catch(() => undefined);
      return removed;
    });
  }

  #path(fingerprint: string): string {
    return join(this.dir, `${fingerprint}${SUFFIX}`);
  }

  async #describe(key: PublicKey, stagedAt: Date): Promise<StagedCertificate> {
    const report = await validateCertificate(key, { now: this.#now(), policy: this.#policy });
    return { fingerprint: fingerprintOf(key), armored: key.armor(), report, stagedAt };
  }

  /** A staged file, parsed; undefined when there is none. */
  async #read(
    fingerprint: string,
  ): Promise<
    { ok: true; key: PublicKey; stagedAt: Date } | { ok: false; reason: string } | undefined
  > {
    const path = this.#path(fingerprint);
    let text: string;
    let stagedAt: Date;
    try {
      ({ mtime: stagedAt } = await stat(path));
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return undefined;
      throw this.#fileError(error, `read staging/${fingerprint}${SUFFIX}`, fingerprint);
    }
    const parsed = await parsePublicKeyFile(text, fingerprint);
    return parsed.ok ? { ok: true, key: parsed.key, stagedAt } : parsed;
  }

  async #remove(fingerprint: string): Promise<boolean> {
    try {
      await rm(this.#path(fingerprint));
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return false;
      throw this.#fileError(error, `remove staging/${fingerprint}${SUFFIX}`, fingerprint);
    }
    await syncDirectory(this.dir).catch(() => undefined);
    return true;
  }

  #notStaged(fingerprint: string): ProviderError {
    return new ProviderError('KEY_NOT_FOUND', `no certificate ${fingerprint} is staged`, {
      provider: this.#keystore.provider,
      key: fingerprint,
    });
  }

  #corrupt(fingerprint: string, reason: string): ProviderError {
    return new ProviderError('PROTOCOL', `staging/${fingerprint}${SUFFIX} ${reason}`, {
      provider: this.#keystore.provider,
      key: fingerprint,
    });
  }

  #fileError(error: unknown, operation: string, key?: string): ProviderError {
    return fileSystemError(error, {
      provider: this.#keystore.provider,
      operation,
      ...(key === undefined ? {} : { key }),
    });
  }
}
