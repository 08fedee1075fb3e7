// Runtime checks of names that the types already constrain: they guard against JavaScript
// callers and deserialised requests (the gateway), so they take `unknown`.
import {
  HASH_ALGORITHMS,
  SIGN_SCHEMES,
  type EcdsaSignatureEncoding,
  type HashAlgorithm,
  type SignScheme,
} from '../contract/algorithms.js';

/** True when `value` is one of the contract's hash names. */
export function isHashAlgorithm(value: unknown): value is HashAlgorithm {
  return (HASH_ALGORITHMS as readonly unknown[]).includes(value);
}

/** True when `value` is one of the contract's signature schemes. */
export function isSignScheme(value: unknown): value is SignScheme {
  return (SIGN_SCHEMES as readonly unknown[]).includes(value);
}

/** True when `value` is `p1363` or `der`. */
export function isSignatureEncoding(value: unknown): value is EcdsaSignatureEncoding {
  return value === 'p1363' || value === 'der';
}
