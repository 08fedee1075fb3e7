import { ProviderError, isProviderError, type ErrorCode } from '@keyroute/core';
import { pkcs11FailureOf } from './native/pkcs11-error.js';
import { CKR, TOKEN_GONE_CODES, returnCodeName } from './native/return-codes.js';

/** Where a PKCS#11 failure happened, for the message. Never holds a secret. */
export interface FailureContext {
  /** The provider's id. */
  readonly provider: string;
  /** What keyroute was doing: `sign with key "01"`, `log in to token "keyroute"`. */
  readonly operation: string;
  /** The key reference concerned, if any. */
  readonly key?: string;
}

const CODE_OF_RETURN_VALUE = new Map<number, ErrorCode>([
  [CKR.PIN_INCORRECT, 'BAD_SECRET'],
  [CKR.PIN_INVALID, 'BAD_SECRET'],
  [CKR.PIN_LEN_RANGE, 'BAD_SECRET'],
  [CKR.PIN_EXPIRED, 'BAD_SECRET'],
  [CKR.PIN_LOCKED, 'BAD_SECRET'],
  [CKR.USER_PIN_NOT_INITIALIZED, 'LOCKED'],
  [CKR.USER_NOT_LOGGED_IN, 'LOCKED'],
  [CKR.DEVICE_ERROR, 'UNAVAILABLE'],
  [CKR.DEVICE_MEMORY, 'UNAVAILABLE'],
  [CKR.HOST_MEMORY, 'UNAVAILABLE'],
  [CKR.SESSION_COUNT, 'UNAVAILABLE'],
  [CKR.CRYPTOKI_NOT_INITIALIZED, 'UNAVAILABLE'],
  [CKR.MECHANISM_INVALID, 'UNSUPPORTED'],
  [CKR.MECHANISM_PARAM_INVALID, 'UNSUPPORTED'],
  [CKR.KEY_TYPE_INCONSISTENT, 'UNSUPPORTED'],
  [CKR.KEY_SIZE_RANGE, 'UNSUPPORTED'],
  [CKR.FUNCTION_NOT_SUPPORTED, 'UNSUPPORTED'],
  [CKR.KEY_FUNCTION_NOT_PERMITTED, 'DENIED'],
  [CKR.FUNCTION_REJECTED, 'DENIED'],
  [CKR.DATA_INVALID, 'INVALID_INPUT'],
  [CKR.DATA_LEN_RANGE, 'INVALID_INPUT'],
  [CKR.ENCRYPTED_DATA_INVALID, 'INVALID_INPUT'],
  [CKR.ENCRYPTED_DATA_LEN_RANGE, 'INVALID_INPUT'],
  [CKR.ARGUMENTS_BAD, 'INVALID_INPUT'],
  [CKR.CANCEL, 'CANCELLED'],
  [CKR.FUNCTION_CANCELED, 'CANCELLED'],
]);

const HINTS = new Map<number, string>([
  [
    CKR.PIN_INCORRECT,
    'the PIN is wrong; keyroute will not retry it (a token locks after a few wrong PINs)',
  ],
  [CKR.PIN_LOCKED, 'the user PIN is locked; unlock it with the security officer PIN'],
  [CKR.PIN_EXPIRED, 'the user PIN has expired; change it with the token tools'],
  [CKR.USER_NOT_LOGGED_IN, 'the token needs a login and no PIN was available'],
  [CKR.SESSION_COUNT, 'the token has no free session; lower poolSize or close other applications'],
  [CKR.KEY_FUNCTION_NOT_PERMITTED, "the key's attributes do not allow this operation"],
]);

/** The contract's error code for a `CKR_*` value. */
export function errorCodeOfReturnValue(code: number): ErrorCode {
  if (TOKEN_GONE_CODES.has(code)) return 'UNAVAILABLE';
  return CODE_OF_RETURN_VALUE.get(code) ?? 'INTERNAL';
}

/**
 * The one place PKCS#11 failures become `ProviderError`s: the code comes from the `CKR_*`
 * value (never from message text), the message names the operation, the return value's name
 * and what to do. A `ProviderError` passes through unchanged; other errors become `INTERNAL`.
 */
export function toProviderError(error: unknown, context: FailureContext): ProviderError {
  if (isProviderError(error)) return error;
  const options = {
    cause: error,
    provider: context.provider,
    ...(context.key === undefined ? {} : { key: context.key }),
  };
  const failure = pkcs11FailureOf(error);
  if (failure === undefined) {
    const reason = error instanceof Error ? error.message : String(error);
    return new ProviderError('INTERNAL', `${context.operation} failed: ${reason}`, options);
  }
  const name = returnCodeName(failure.code);
  const where = failure.method === undefined ? '' : ` in ${failure.method}`;
  const hint = HINTS.get(failure.code);
  return new ProviderError(
    errorCodeOfReturnValue(failure.code),
    `${context.operation} failed: ${name}${where}${hint === undefined ? '' : ` (${hint})`}`,
    options,
  );
}

/** True when `error` is a PKCS#11 failure with one of `codes`. */
export function failedWith(error: unknown, codes: ReadonlySet<number> | number): boolean {
  const failure = pkcs11FailureOf(error);
  if (failure === undefined) return false;
  return typeof codes === 'number' ? failure.code === codes : codes.has(failure.code);
}

/** A rejected promise with `error` as it is (an abort reason, a ProviderError, …). */
export function rejectWith(error: unknown): Promise<never> {
  // The reason is passed on unchanged, whatever its type.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return Promise.reject(error);
}
