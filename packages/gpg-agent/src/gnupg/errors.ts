import { ErrorCode, ProviderError } from '@keyroute/core';

/** Name used as `ProviderError.provider` by everything under `src/gnupg`. */
export const GNUPG_PROVIDER = 'gpg-agent';

/** gpg-error codes (low 16 bits) this module maps, named as in libgpg-error. */
export const GPG_ERR = {
  NO_PUBKEY: 9,
  BAD_PASSPHRASE: 11,
  NO_SECKEY: 17,
  NOT_FOUND: 27,
  INV_PASSPHRASE: 31,
  INV_USER_ID: 37,
  UNUSABLE_PUBKEY: 53,
  UNUSABLE_SECKEY: 54,
  BAD_CERT_CHAIN: 56,
  MISSING_CERT: 57,
  NO_PIN_ENTRY: 85,
  PIN_ENTRY: 86,
  BAD_PIN: 87,
  CERT_REVOKED: 94,
  NOT_TRUSTED: 98,
  CANCELED: 99,
  CERT_EXPIRED: 101,
  AMBIGUOUS_NAME: 107,
  NO_POLICY_MATCH: 116,
  PIN_BLOCKED: 130,
  NO_PASSPHRASE: 177,
  NO_PIN: 178,
  FULLY_CANCELED: 198,
} as const;

/** Creates a {@link ProviderError} of this provider. */
export function gnupgError(code: ErrorCode, message: string, cause?: unknown): ProviderError {
  return new ProviderError(code, message, {
    provider: GNUPG_PROVIDER,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Maps a gpg-error code (the low 16 bits of a `FAILURE`/`ERRSIG`/`ERR` value) to a contract code;
 * undefined for codes without a specific meaning here.
 */
export function errorCodeOfGpgError(gpgErrorCode: number): ErrorCode | undefined {
  switch (gpgErrorCode & 0xffff) {
    case GPG_ERR.BAD_PASSPHRASE:
    case GPG_ERR.INV_PASSPHRASE:
    case GPG_ERR.BAD_PIN:
    case GPG_ERR.PIN_BLOCKED:
      return ErrorCode.BAD_SECRET;
    case GPG_ERR.NO_PIN_ENTRY:
    case GPG_ERR.PIN_ENTRY:
    case GPG_ERR.NO_PASSPHRASE:
    case GPG_ERR.NO_PIN:
      return ErrorCode.LOCKED;
    case GPG_ERR.CANCELED:
    case GPG_ERR.FULLY_CANCELED:
      return ErrorCode.CANCELLED;
    case GPG_ERR.NO_SECKEY:
    case GPG_ERR.UNUSABLE_SECKEY:
    case GPG_ERR.NO_PUBKEY:
    case GPG_ERR.NOT_FOUND:
    case GPG_ERR.INV_USER_ID:
      return ErrorCode.KEY_NOT_FOUND;
    case GPG_ERR.AMBIGUOUS_NAME:
      return ErrorCode.INVALID_INPUT;
    case GPG_ERR.UNUSABLE_PUBKEY:
    case GPG_ERR.BAD_CERT_CHAIN:
    case GPG_ERR.MISSING_CERT:
    case GPG_ERR.CERT_REVOKED:
    case GPG_ERR.NOT_TRUSTED:
    case GPG_ERR.CERT_EXPIRED:
    case GPG_ERR.NO_POLICY_MATCH:
      return ErrorCode.DENIED;
    default:
      return undefined;
  }
}

/** The last `maxChars` characters of a tool's stderr, for an error message. */
export function stderrTail(stderr: string, maxChars = 2000): string {
  const trimmed = stderr.trim();
  return trimmed.length <= maxChars ? trimmed : `…${trimmed.slice(-maxChars)}`;
}
