import type { Duplex } from 'node:stream';
import { AssuanError, spawnAssuanServer } from '@keyroute/assuan';
import type { AssuanServerProcess, TransactResult } from '@keyroute/assuan';
import { ErrorCode, isProviderError } from '@keyroute/core';
import { errorCodeOfGpgError, gnupgError, stderrTail } from './errors.js';
import type { GnupgStatus } from './status.js';
import { statusLines } from './status.js';

/** Options of {@link gpgsmSign}. */
export interface GpgsmSignOptions {
  /** GNUPGHOME; gpgsm's default when absent. */
  readonly homedir?: string;
  /** SHA-1 fingerprint of the signing certificate (40 hex digits). */
  readonly signer: string;
  /** The data to sign. */
  readonly data: Uint8Array;
  /** Stops gpgsm; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Options of {@link gpgsmVerify}. */
export interface GpgsmVerifyOptions {
  /** GNUPGHOME; gpgsm's default when absent. */
  readonly homedir?: string;
  /** The detached CMS signature (DER). */
  readonly signature: Uint8Array;
  /** The signed data. */
  readonly data: Uint8Array;
  /** Stops gpgsm; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Result of {@link gpgsmVerify}. */
export interface GpgsmVerification {
  /**
   * True only for exactly one `GOODSIG` and one `VALIDSIG`, a `TRUST_FULLY` or `TRUST_ULTIMATE`
   * (the chain validated), and none of `BADSIG`, `ERRSIG`, `EXPSIG`, `EXPKEYSIG`, `REVKEYSIG`,
   * `TRUST_NEVER`, `TRUST_UNDEFINED`.
   */
  readonly valid: boolean;
  /** Fingerprint of the signer's certificate (`VALIDSIG` field 1). */
  readonly fingerprint?: string;
  /** gpgsm's status lines of the VERIFY command. */
  readonly status: readonly GnupgStatus[];
}

/** fds of the extra pipes: what the server reads (`INPUT`, `MESSAGE`) or writes (`OUTPUT`). */
const FIRST_FD = 3;
const SECOND_FD = 4;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const FINGERPRINT = /^[0-9A-Fa-f]{40}$/;
const BAD_VERIFY = [
  'BADSIG',
  'ERRSIG',
  'EXPSIG',
  'EXPKEYSIG',
  'REVKEYSIG',
  'TRUST_NEVER',
  'TRUST_UNDEFINED',
];

async function startGpgsm(
  homedir: string | undefined,
  signal: AbortSignal | undefined,
): Promise<AssuanServerProcess> {
  try {
    return await spawnAssuanServer(
      'gpgsm',
      [
        ...(homedir === undefined ? [] : ['--homedir', homedir]),
        // No network from a signing or verification call.
        '--disable-crl-checks',
        '--disable-dirmngr',
        '--server',
      ],
      {
        extraPipes: 2,
        env: { LC_ALL: 'C', LANGUAGE: 'C' },
        ...(signal === undefined ? {} : { signal }),
      },
    );
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (code === 'ENOENT') {
      throw gnupgError(
        ErrorCode.UNAVAILABLE,
        'gpgsm not found: install the Debian package "gpgsm" (apt-get install -y gpgsm)',
        error,
      );
    }
    throw gnupgError(ErrorCode.UNAVAILABLE, 'gpgsm --server could not be started', error);
  }
}

function writeAll(pipe: Duplex | undefined, data: Uint8Array): void {
  pipe?.end(data);
}

function readAll(pipe: Duplex | undefined): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    if (pipe === undefined) {
      reject(new Error('gpgsm has no output pipe'));
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    pipe.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes > MAX_OUTPUT_BYTES) {
        pipe.destroy(new Error('gpgsm output exceeded its size limit'));
        return;
      }
      chunks.push(chunk);
    });
    pipe.once('end', () => {
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    pipe.once('close', () => {
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    pipe.once('error', reject);
  });
}

function toStatus(result: TransactResult): GnupgStatus[] {
  return result.status.map((line) => ({
    keyword: line.keyword,
    args: line.args === '' ? [] : line.args.split(' '),
  }));
}

function mapError(error: unknown, what: string, gpgsm: AssuanServerProcess | undefined): unknown {
  if (isProviderError(error)) return error;
  if (error instanceof AssuanError) {
    const code = errorCodeOfGpgError(error.code) ?? ErrorCode.INTERNAL;
    return gnupgError(code, `${what} failed: gpgsm answered "${error.description}"`, error);
  }
  const tail = gpgsm === undefined ? '' : stderrTail(gpgsm.stderr);
  return gnupgError(
    ErrorCode.INTERNAL,
    `${what} failed${tail === '' ? '' : `; gpgsm stderr: ${tail}`}`,
    error,
  );
}

/** Runs `body` against a fresh `gpgsm --server`, mapping errors and disposing the process. */
async function withGpgsm<T>(
  homedir: string | undefined,
  signal: AbortSignal | undefined,
  what: string,
  body: (gpgsm: AssuanServerProcess) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const gpgsm = await startGpgsm(homedir, signal);
  try {
    return await body(gpgsm);
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw mapError(error, what, gpgsm);
  } finally {
    await gpgsm.dispose();
  }
}

/**
 * Makes a detached CMS signature (DER) with `gpgsm --server`: `OPTION include-certs=1` (the
 * signer's certificate goes into the CMS), `SIGNER <fpr>`, `INPUT FD=3` (the data), `OUTPUT
 * FD=4`, `SIGN --detached`. CRL checks and dirmngr are off; the signer's chain must be trusted
 * (`trustlist.txt`).
 *
 * @returns the DER-encoded CMS `SignedData` without content.
 * @throws ProviderError INVALID_INPUT for a signer that is not a 40-hex-digit fingerprint;
 *   KEY_NOT_FOUND when the certificate or its secret key is missing; DENIED for an untrusted,
 *   expired or revoked chain; BAD_SECRET / LOCKED / CANCELLED for passphrase failures;
 *   UNAVAILABLE when gpgsm is missing (naming the Debian package `gpgsm`); INTERNAL otherwise or
 *   when gpgsm reported no `SIG_CREATED`. On abort gpgsm is killed and the call rejects with
 *   `signal.reason`.
 */
export async function gpgsmSign(options: GpgsmSignOptions): Promise<Uint8Array> {
  const { homedir, signer, data, signal } = options;
  if (!FINGERPRINT.test(signer)) {
    throw gnupgError(
      ErrorCode.INVALID_INPUT,
      `signer "${signer}" is not a certificate fingerprint (40 hex digits)`,
    );
  }
  const what = `CMS signing with ${signer}`;
  return withGpgsm(homedir, signal, what, async (gpgsm) => {
    const { connection, pipes } = gpgsm;
    const transactOptions = signal === undefined ? {} : { signal };
    await connection.transact('OPTION', 'include-certs=1', transactOptions);
    await connection.transact('SIGNER', signer, transactOptions);
    await connection.transact('INPUT', `FD=${FIRST_FD}`, transactOptions);
    await connection.transact('OUTPUT', `FD=${SECOND_FD}`, transactOptions);
    const output = readAll(pipes[SECOND_FD]);
    // An unread output would otherwise reject unhandled when the command fails.
    output.catch(() => undefined);
    writeAll(pipes[FIRST_FD], data);
    const result = await connection.transact('SIGN', '--detached', transactOptions);
    const signature = await output;
    if (statusLines(toStatus(result), 'SIG_CREATED').length !== 1 || signature.length === 0) {
      throw gnupgError(ErrorCode.INTERNAL, `${what} failed: gpgsm reported no SIG_CREATED`);
    }
    return signature;
  });
}

/**
 * Verifies a detached CMS signature with `gpgsm --server`: `INPUT FD=3` (the signature), `MESSAGE
 * FD=4` (the data), `VERIFY`. Judged from the status lines only (see {@link GpgsmVerification});
 * a signature gpgsm rejects with `ERR` (not CMS, …) is `valid: false`.
 *
 * @throws ProviderError UNAVAILABLE when gpgsm is missing (naming the Debian package `gpgsm`);
 *   INTERNAL when gpgsm fails in another way. On abort gpgsm is killed and the call rejects with
 *   `signal.reason`.
 */
export async function gpgsmVerify(options: GpgsmVerifyOptions): Promise<GpgsmVerification> {
  const { homedir, signature, data, signal } = options;
  return withGpgsm(homedir, signal, 'CMS verification', async (gpgsm) => {
    const { connection, pipes } = gpgsm;
    const transactOptions = signal === undefined ? {} : { signal };
    await connection.transact('INPUT', `FD=${FIRST_FD}`, transactOptions);
    await connection.transact('MESSAGE', `FD=${SECOND_FD}`, transactOptions);
    writeAll(pipes[FIRST_FD], signature);
    writeAll(pipes[SECOND_FD], data);
    const collected: GnupgStatus[] = [];
    try {
      await connection.transact('VERIFY', undefined, {
        ...transactOptions,
        onStatus: (keyword, args) => {
          collected.push({ keyword, args: args === '' ? [] : args.split(' ') });
        },
      });
    } catch (error) {
      if (!(error instanceof AssuanError)) throw error;
      return { valid: false, status: collected };
    }
    const count = (keyword: string): number => statusLines(collected, keyword).length;
    const validSigs = statusLines(collected, 'VALIDSIG');
    const fingerprint = validSigs.length === 1 ? validSigs[0]?.args[0] : undefined;
    const valid =
      count('NEWSIG') <= 1 &&
      count('GOODSIG') === 1 &&
      validSigs.length === 1 &&
      count('TRUST_FULLY') + count('TRUST_ULTIMATE') === 1 &&
      BAD_VERIFY.every((keyword) => count(keyword) === 0);
    return { valid, ...(fingerprint === undefined ? {} : { fingerprint }), status: collected };
  });
}
