/**
 * The stable error codes of the contract. Applications branch on these, never on messages.
 */
export const ErrorCode = {
  /** No key matches the reference. */
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  /**
   * The provider or the key cannot do what was asked: a scheme that does not fit the key
   * (EdDSA with an RSA key), or a scheme, hash, input kind, encoding or format that the
   * provider's capabilities do not list.
   */
  UNSUPPORTED: 'UNSUPPORTED',
  /** A PIN or passphrase is needed and no secret source could supply one. */
  LOCKED: 'LOCKED',
  /** The PIN or passphrase supplied was wrong (or the PIN is locked). */
  BAD_SECRET: 'BAD_SECRET',
  /** Policy or the backend refused the operation. */
  DENIED: 'DENIED',
  /** The backend (daemon, token, gateway) cannot be reached or is not installed. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The backend did not answer in time. */
  TIMEOUT: 'TIMEOUT',
  /** The operation was cancelled by the backend or the user (not by the caller's signal). */
  CANCELLED: 'CANCELLED',
  /**
   * The request is malformed: a digest whose length does not match its hash, a ciphertext that
   * does not decrypt, an ECDH peer key on another curve, a body too large, an ambiguous key
   * reference, …
   */
  INVALID_INPUT: 'INVALID_INPUT',
  /** The backend answered something the protocol does not allow. */
  PROTOCOL: 'PROTOCOL',
  /** A bug or an unexpected failure inside keyroute or the backend. */
  INTERNAL: 'INTERNAL',
} as const;

/** One of {@link ErrorCode}'s values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const brand = Symbol.for('@keyroute/core/ProviderError');

/** Extra context of a {@link ProviderError}. */
export interface ProviderErrorOptions {
  /** The underlying error (an `AssuanError`, a `Pkcs11Error`, a system error, …). */
  readonly cause?: unknown;
  /** The provider that failed. */
  readonly provider?: string;
  /** The key reference concerned, when there is one. Never a secret. */
  readonly key?: string;
}

/**
 * The one error type of the contract. Check it with {@link isProviderError} (a brand that works
 * across copies of this package), then branch on `code`.
 *
 * Messages say what failed and what to do; they never contain PINs, passphrases, plaintext
 * or private key material.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** The provider that failed, if known. */
  readonly provider: string | undefined;
  /** The key reference concerned, if any. */
  readonly key: string | undefined;

  constructor(code: ErrorCode, message: string, options: ProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.provider = options.provider;
    this.key = options.key;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True when `value` is a {@link ProviderError} (from any copy of `@keyroute/core`). */
export function isProviderError(value: unknown): value is ProviderError {
  return typeof value === 'object' && value !== null && brand in value;
}

/** True when `value` is a {@link ProviderError} with the given code. */
export function hasErrorCode(value: unknown, code: ErrorCode): value is ProviderError {
  return isProviderError(value) && value.code === code;
}
