import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@keyroute/core';
import { errorCodeOfGpgError, gnupgError } from './errors.js';
import { describeFailure, runGpg } from './run-gpg.js';
import type { GpgRunResult } from './run-gpg.js';
import { statusLines } from './status.js';
import type { GnupgStatus } from './status.js';

/** Options of {@link gpgDetachSign}. */
export interface GpgDetachSignOptions {
  /** GNUPGHOME; gpg's default when absent. */
  readonly homedir?: string;
  /** Fingerprint of the signing (sub)key (40 or 64 hex digits); it is forced with a trailing `!`. */
  readonly signer: string;
  /** The data to sign (sent on stdin). */
  readonly data: Uint8Array;
  /** ASCII-armored output (`--armor`); binary by default. */
  readonly armor?: boolean;
  /** `--digest-algo`, e.g. `SHA256`, `SHA512`; gpg's choice by default. */
  readonly digestAlgo?: string;
  /** Passphrase of a protected key (fd 4, loopback pinentry); without one the agent asks its pinentry. */
  readonly passphrase?: Uint8Array | string;
  /** Kills gpg; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Result of {@link gpgVerifyDetached}. */
export interface OpenPgpVerification {
  /**
   * True only when gpg reported exactly one signature with exactly one `GOODSIG` and one
   * `VALIDSIG`, none of `BADSIG`, `ERRSIG`, `EXPKEYSIG`, `REVKEYSIG`, `EXPSIG`, and exited 0.
   */
  readonly valid: boolean;
  /** Fingerprint of the signing (sub)key (`VALIDSIG` field 1), when gpg could check the signature. */
  readonly fingerprint?: string;
  /** Fingerprint of its primary key (`VALIDSIG` field 10). */
  readonly primaryFingerprint?: string;
  /** Signature creation time (`VALIDSIG` field 3). */
  readonly createdAt?: Date;
  /** Why the signature is not valid; absent when it is. */
  readonly reason?:
    | 'bad-signature'
    | 'expired-key'
    | 'revoked-key'
    | 'expired-signature'
    | 'no-public-key'
    | 'error';
  /** gpg's status lines, for callers that need more. */
  readonly status: readonly GnupgStatus[];
}

/** Options of {@link gpgVerifyDetached}. */
export interface GpgVerifyDetachedOptions {
  /** GNUPGHOME; gpg's default when absent. */
  readonly homedir?: string;
  /** The detached signature, binary or armored. */
  readonly signature: Uint8Array;
  /** The signed data. */
  readonly data: Uint8Array;
  /** Kills gpg; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Options of {@link gpgDecrypt}. */
export interface GpgDecryptOptions {
  /** GNUPGHOME; gpg's default when absent. */
  readonly homedir?: string;
  /** The OpenPGP message, binary or armored. */
  readonly message: Uint8Array;
  /** Passphrase of a protected key (fd 4, loopback pinentry); without one the agent asks its pinentry. */
  readonly passphrase?: Uint8Array | string;
  /** Kills gpg; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

const FINGERPRINT = /^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/;
const GPG_ERR_NO_PUBKEY = 9;

/** The contract code of the first `ERROR`/`FAILURE`/`ERRSIG` gpg-error value that has one. */
function codeFromStatus(status: readonly GnupgStatus[]): ErrorCode | undefined {
  for (const line of status) {
    if (line.keyword !== 'ERROR' && line.keyword !== 'FAILURE') continue;
    const value = Number(line.args[1]);
    if (!Number.isSafeInteger(value)) continue;
    const code = errorCodeOfGpgError(value);
    if (code !== undefined) return code;
  }
  return undefined;
}

function optionsOf(
  homedir: string | undefined,
  signal: AbortSignal | undefined,
  passphrase?: Uint8Array | string,
): { homedir?: string; signal?: AbortSignal; passphrase?: Uint8Array | string } {
  return {
    ...(homedir === undefined ? {} : { homedir }),
    ...(signal === undefined ? {} : { signal }),
    ...(passphrase === undefined ? {} : { passphrase }),
  };
}

function messageFor(code: ErrorCode, what: string, result: GpgRunResult): string {
  switch (code) {
    case ErrorCode.BAD_SECRET:
      return `${what} failed: the passphrase is wrong`;
    case ErrorCode.LOCKED:
      return `${what} failed: the key is protected and no passphrase was given (pass one, or configure a pinentry for gpg-agent)`;
    case ErrorCode.CANCELLED:
      return `${what} failed: the passphrase entry was cancelled`;
    default:
      return `${what} failed: ${describeFailure('gpg', result)}`;
  }
}

/**
 * Makes a detached OpenPGP signature with `gpg --detach-sign --local-user <fpr>!` (the exact
 * (sub)key, no substitution), data on stdin.
 *
 * @returns the signature (binary, or armored text as bytes with `armor`).
 * @throws ProviderError INVALID_INPUT for a signer that is not a fingerprint; KEY_NOT_FOUND when
 *   there is no usable secret key; BAD_SECRET for a wrong passphrase; LOCKED when the key is
 *   protected and no passphrase is available; CANCELLED when pinentry was cancelled; INTERNAL for
 *   other failures or when gpg reported no `SIG_CREATED` for that key; UNAVAILABLE when gpg is
 *   missing. On abort gpg is killed and the call rejects with `signal.reason`.
 */
export async function gpgDetachSign(options: GpgDetachSignOptions): Promise<Uint8Array> {
  const { homedir, signer, data, armor, digestAlgo, passphrase, signal } = options;
  const fingerprint = signer.endsWith('!') ? signer.slice(0, -1) : signer;
  if (!FINGERPRINT.test(fingerprint)) {
    throw gnupgError(
      ErrorCode.INVALID_INPUT,
      `signer "${signer}" is not a key fingerprint (40 or 64 hex digits)`,
    );
  }
  if (digestAlgo !== undefined && !/^[A-Za-z0-9-]+$/.test(digestAlgo)) {
    throw gnupgError(ErrorCode.INVALID_INPUT, `digest algorithm "${digestAlgo}" is not valid`);
  }
  const result = await runGpg(
    [
      '--local-user',
      `${fingerprint}!`,
      ...(armor === true ? ['--armor'] : []),
      ...(digestAlgo === undefined ? [] : ['--digest-algo', digestAlgo]),
      '--output',
      '-',
      '--detach-sign',
    ],
    { ...optionsOf(homedir, signal, passphrase), input: data },
  );
  const created = statusLines(result.status, 'SIG_CREATED');
  if (result.exitCode === 0 && created.length === 1 && result.stdout.length > 0) {
    const createdBy = created[0]?.args[5] ?? '';
    if (createdBy.toUpperCase() !== fingerprint.toUpperCase()) {
      throw gnupgError(
        ErrorCode.INTERNAL,
        `gpg signed with ${createdBy} instead of the requested key ${fingerprint}`,
      );
    }
    return result.stdout;
  }
  const what = `signing with ${fingerprint}`;
  if (statusLines(result.status, 'INV_SGNR').length > 0) {
    throw gnupgError(
      ErrorCode.KEY_NOT_FOUND,
      `${what} failed: gpg has no usable secret key ${fingerprint}; check gpg --list-secret-keys`,
    );
  }
  const code = codeFromStatus(result.status) ?? ErrorCode.INTERNAL;
  throw gnupgError(code, messageFor(code, what, result));
}

/** Parses a `VALIDSIG` time: seconds since the epoch, or ISO 8601 basic. */
function parseSignatureTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return new Date(Number(value) * 1000);
  const iso = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (iso === null) return undefined;
  const [y, mo, d, h, mi, s] = iso.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** Judges a verification strictly from its status lines and exit code. */
export function judgeVerification(
  status: readonly GnupgStatus[],
  exitCode: number,
): OpenPgpVerification {
  const count = (keyword: string): number => statusLines(status, keyword).length;
  const validSigs = statusLines(status, 'VALIDSIG');
  const validSig = validSigs.length === 1 ? validSigs[0] : undefined;
  const fingerprint = validSig?.args[0];
  const primaryFingerprint = validSig?.args[9];
  const createdAt = parseSignatureTime(validSig?.args[2]);
  const details = {
    ...(fingerprint === undefined ? {} : { fingerprint }),
    ...(primaryFingerprint === undefined ? {} : { primaryFingerprint }),
    ...(createdAt === undefined ? {} : { createdAt }),
    status,
  };
  let reason: OpenPgpVerification['reason'];
  if (count('BADSIG') > 0) reason = 'bad-signature';
  else if (count('REVKEYSIG') > 0) reason = 'revoked-key';
  else if (count('EXPKEYSIG') > 0) reason = 'expired-key';
  else if (count('EXPSIG') > 0) reason = 'expired-signature';
  else if (
    count('NO_PUBKEY') > 0 ||
    statusLines(status, 'ERRSIG').some((line) => Number(line.args[5]) === GPG_ERR_NO_PUBKEY)
  ) {
    reason = 'no-public-key';
  } else if (
    count('ERRSIG') > 0 ||
    count('NEWSIG') !== 1 ||
    count('GOODSIG') !== 1 ||
    validSig === undefined ||
    exitCode !== 0
  ) {
    reason = 'error';
  }
  return reason === undefined ? { valid: true, ...details } : { valid: false, reason, ...details };
}

/**
 * Verifies a detached OpenPGP signature with `gpg --verify <sigfile> <datafile>`. Both go through
 * files that this call writes into a private temporary directory (mode 0700) under names it
 * chooses, and removes afterwards. Only gpg's status fd is read (never its human output), so user
 * IDs or file names that contain `[GNUPG:] GOODSIG` cannot spoof a result.
 *
 * @returns `valid: true` only for exactly one `GOODSIG` and one `VALIDSIG` and no `BADSIG`,
 *   `ERRSIG`, `EXPKEYSIG`, `REVKEYSIG`, `EXPSIG` (see {@link OpenPgpVerification}); an inline
 *   (not detached) signature is `valid: false, reason: 'error'`.
 * @throws ProviderError UNAVAILABLE when gpg is missing. On abort gpg is killed and the call
 *   rejects with `signal.reason`.
 */
export async function gpgVerifyDetached(
  options: GpgVerifyDetachedOptions,
): Promise<OpenPgpVerification> {
  const { homedir, signature, data, signal } = options;
  signal?.throwIfAborted();
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(join(tmpdir(), 'kr-gpgv-'));
  try {
    const signaturePath = join(dir, 'signature');
    const dataPath = join(dir, 'data');
    await writeFile(signaturePath, signature, { mode: 0o600 });
    await writeFile(dataPath, data, { mode: 0o600 });
    const result = await runGpg(
      ['--no-auto-key-retrieve', '--verify', signaturePath, dataPath],
      optionsOf(homedir, signal),
    );
    return judgeVerification(result.status, result.exitCode);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Decrypts an OpenPGP message with `gpg --decrypt` (message on stdin, plaintext on stdout).
 * The plaintext is returned only when gpg reported `DECRYPTION_OKAY` and `GOODMDC`, no
 * `DECRYPTION_FAILED` or `BADMDC`, and exited 0: gpg 2.2 writes the plaintext of a message
 * without integrity protection before it fails, and that output is discarded here.
 *
 * @returns the plaintext and gpg's status lines.
 * @throws ProviderError INVALID_INPUT for a message without integrity protection (no MDC), one
 *   that is not OpenPGP, or one that does not decrypt; KEY_NOT_FOUND when no secret key of a
 *   recipient is present; BAD_SECRET for a wrong passphrase; LOCKED when the key is protected and
 *   no passphrase is available; CANCELLED when pinentry was cancelled; UNAVAILABLE when gpg is
 *   missing. On abort gpg is killed and the call rejects with `signal.reason`.
 */
export async function gpgDecrypt(
  options: GpgDecryptOptions,
): Promise<{ plaintext: Uint8Array; status: readonly GnupgStatus[] }> {
  const { homedir, message, passphrase, signal } = options;
  const result = await runGpg(['--output', '-', '--decrypt'], {
    ...optionsOf(homedir, signal, passphrase),
    input: message,
  });
  const { status } = result;
  const has = (keyword: string): boolean => statusLines(status, keyword).length > 0;
  const unprotected =
    statusLines(status, 'DECRYPTION_INFO').some((line) => line.args[0] === '0') ||
    (has('DECRYPTION_OKAY') && !has('GOODMDC'));
  if (
    result.exitCode === 0 &&
    has('DECRYPTION_OKAY') &&
    has('GOODMDC') &&
    !has('DECRYPTION_FAILED') &&
    !has('BADMDC') &&
    !unprotected
  ) {
    return { plaintext: result.stdout, status };
  }
  const mapped = codeFromStatus(status.filter((line) => line.keyword === 'ERROR'));
  if (mapped !== undefined) throw gnupgError(mapped, messageFor(mapped, 'decrypting', result));
  if (unprotected) {
    throw gnupgError(
      ErrorCode.INVALID_INPUT,
      'decrypting failed: the message has no integrity protection (MDC) and is refused',
    );
  }
  if (has('NO_SECKEY') && !has('DECRYPTION_OKAY')) {
    throw gnupgError(
      ErrorCode.KEY_NOT_FOUND,
      'decrypting failed: no secret key of any recipient of the message is present',
    );
  }
  if (has('BADMDC')) {
    throw gnupgError(ErrorCode.INVALID_INPUT, 'decrypting failed: the message was modified');
  }
  throw gnupgError(ErrorCode.INVALID_INPUT, `decrypting failed: ${describeFailure('gpg', result)}`);
}
