// The two ProviderErrors that identity and software code throw for bad keys and requests.
import { ErrorCode, ProviderError } from '../contract/errors.js';

/** A `ProviderError` with code `INVALID_INPUT`. */
export function invalidInput(message: string, cause?: unknown): ProviderError {
  return new ProviderError(ErrorCode.INVALID_INPUT, message, cause === undefined ? {} : { cause });
}

/** A `ProviderError` with code `UNSUPPORTED`. */
export function unsupported(message: string): ProviderError {
  return new ProviderError(ErrorCode.UNSUPPORTED, message);
}
