/**
 * Splits a gpg-error value into its source (bits 24–30) and code (bits 0–15), as libgpg-error's
 * `gpg_err_source()` / `gpg_err_code()` do (`GPG_ERR_SOURCE_SHIFT` 24, `GPG_ERR_SOURCE_MASK`
 * 0x7f, `GPG_ERR_CODE_MASK` 0xffff in `gpg-error.h`).
 */
export function splitGpgError(value: number): { source: number; code: number } {
  return { source: (value >>> 24) & 0x7f, code: value & 0xffff };
}

/**
 * Combines a gpg-error source and code into the value sent on the wire, like libgpg-error's
 * `gpg_err_make()`: code 0 (`GPG_ERR_NO_ERROR`) gives 0 whatever the source.
 */
export function makeGpgError(source: number, code: number): number {
  if ((code & 0xffff) === 0) return 0;
  return ((source & 0x7f) << 24) | (code & 0xffff);
}

/**
 * The peer answered `ERR`: carries the gpg-error value, split into source and code.
 * Branch on `code` (and `source`), never on `message`.
 */
export class AssuanError extends Error {
  override readonly name = 'AssuanError';
  /** The whole gpg-error value, `(source << 24) | code`. */
  readonly gpgError: number;
  /** gpg-error source (4 = gpg-agent, 3 = gpgsm, 15 = libassuan, …). */
  readonly source: number;
  /** gpg-error code (17 = no secret key, 99 = canceled, …). */
  readonly code: number;
  /** The peer's description, as sent. */
  readonly description: string;

  constructor(gpgError: number, description: string, options?: { command?: string }) {
    const { source, code } = splitGpgError(gpgError);
    const what = options?.command === undefined ? '' : `${options.command}: `;
    super(
      `${what}${description === '' ? 'error' : description} (gpg-error ${code}, source ${source})`,
    );
    this.gpgError = gpgError;
    this.source = source;
    this.code = code;
    this.description = description;
  }
}

/** Why traffic was rejected as malformed. */
export type AssuanProtocolErrorReason =
  | 'line-too-long'
  | 'bad-escape'
  | 'unknown-line'
  | 'bad-err-line'
  | 'unexpected-message'
  | 'incomplete-line'
  | 'data-limit'
  | 'invalid-argument'
  | 'connection-closed';

/**
 * Malformed traffic, or a request that cannot be encoded (control bytes, over-long lines).
 * A parser that threw one is dead: every later `push` throws the same error.
 */
export class AssuanProtocolError extends Error {
  override readonly name = 'AssuanProtocolError';
  /** Machine-readable reason. */
  readonly reason: AssuanProtocolErrorReason;

  constructor(reason: AssuanProtocolErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}
