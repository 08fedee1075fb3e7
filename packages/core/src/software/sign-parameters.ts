import {
  HASH_ALGORITHMS,
  HASH_LENGTHS,
  SIGN_SCHEMES,
  defaultSignScheme,
  formatAlgorithm,
  schemeFitsAlgorithm,
  type EcdsaSignatureEncoding,
  type HashAlgorithm,
  type KeyAlgorithm,
  type SignScheme,
} from '../contract/algorithms.js';
import { digestInfoLength } from './digest-info.js';
import { invalidInput, unsupported } from '../util/errors.js';
import { isHashAlgorithm, isSignScheme, isSignatureEncoding } from './guards.js';
import { maxPssSaltLength } from './pss-encoding.js';

/** The signing fields of a `SignRequest` / `VerifyRequest`, which those types satisfy. */
export interface SignParametersRequest {
  /** The whole message (exactly one of `data` and `digest`). */
  readonly data?: Uint8Array;
  /** A digest already computed with `hash`. */
  readonly digest?: Uint8Array;
  readonly scheme?: SignScheme;
  readonly hash?: HashAlgorithm;
  readonly saltLength?: number;
  readonly signatureEncoding?: EcdsaSignatureEncoding;
}

/** A sign/verify request with every default filled in and every field checked against the key. */
export interface ResolvedSignParameters {
  readonly scheme: SignScheme;
  /** The hash; `undefined` only for pure EdDSA over data. */
  readonly hash: HashAlgorithm | undefined;
  /** PSS salt length in bytes (default: the hash length); `undefined` for other schemes. */
  readonly saltLength: number | undefined;
  /** ECDSA signature encoding (default `p1363`); carried but meaningless for other schemes. */
  readonly signatureEncoding: EcdsaSignatureEncoding;
  readonly input:
    | { readonly kind: 'data'; readonly data: Uint8Array }
    | { readonly kind: 'digest'; readonly digest: Uint8Array };
}

/**
 * Fills in a sign or verify request's defaults for a key of `algorithm` and checks it:
 * scheme = the key's natural one, hash = `sha256` (none for EdDSA, which ignores `hash`),
 * PSS salt length = the hash length, ECDSA encoding = `p1363`. `sha1` is accepted.
 *
 * Throws `UNSUPPORTED` for X25519/X448 keys (they cannot sign), a scheme that does not fit the
 * key, an unknown hash, EdDSA over a digest (no prehashed EdDSA), or an RSA key too small for
 * the hash. Throws `INVALID_INPUT` when both or neither of `data` and `digest` are given, a
 * digest comes without `hash` or has the wrong length, the salt length is not an integer in
 * [0, emLen − hLen − 2], or the signature encoding is unknown. Synchronous; takes no signal.
 */
export function resolveSignParameters(
  algorithm: KeyAlgorithm,
  request: SignParametersRequest,
): ResolvedSignParameters {
  const keyName = formatAlgorithm(algorithm);
  if (algorithm.kind === 'x25519' || algorithm.kind === 'x448') {
    throw unsupported(`${keyName} keys are for key agreement and cannot sign`);
  }
  const scheme = request.scheme ?? defaultSignScheme(algorithm);
  if (!isSignScheme(scheme)) {
    throw unsupported(`unknown signature scheme ${String(scheme)}; use ${SIGN_SCHEMES.join(', ')}`);
  }
  if (!schemeFitsAlgorithm(scheme, algorithm)) {
    throw unsupported(`scheme ${scheme} does not apply to ${keyName} keys`);
  }

  const { data, digest } = request;
  const input = toInput(data, digest);
  const signatureEncoding: unknown = request.signatureEncoding ?? 'p1363';
  if (!isSignatureEncoding(signatureEncoding)) {
    throw invalidInput(`unknown signature encoding ${String(signatureEncoding)}; use p1363 or der`);
  }

  if (scheme === 'eddsa') {
    if (digest !== undefined) {
      throw unsupported(`${keyName} signs whole messages only (pure EdDSA); pass data, not digest`);
    }
    return { scheme, hash: undefined, saltLength: undefined, signatureEncoding, input };
  }

  if (request.hash !== undefined && !isHashAlgorithm(request.hash)) {
    throw unsupported(
      `unknown hash ${String(request.hash)}; use one of ${HASH_ALGORITHMS.join(', ')}`,
    );
  }
  if (digest !== undefined && request.hash === undefined) {
    throw invalidInput('a digest needs hash to say which algorithm computed it');
  }
  const hash = request.hash ?? 'sha256';
  const hashLength = HASH_LENGTHS[hash];
  if (digest !== undefined && digest.length !== hashLength) {
    throw invalidInput(`a ${hash} digest is ${hashLength} bytes; got ${digest.length} bytes`);
  }

  let saltLength: number | undefined;
  if (algorithm.kind === 'rsa') {
    if (scheme === 'pss') {
      const max = maxPssSaltLength(hash, algorithm.bits);
      if (max < 0) throw unsupported(`${keyName} is too small for PSS with ${hash}`);
      saltLength = request.saltLength ?? hashLength;
      if (!Number.isSafeInteger(saltLength) || saltLength < 0 || saltLength > max) {
        throw invalidInput(
          `PSS salt length must be an integer from 0 to ${max} for ${keyName} with ${hash}; got ${String(saltLength)}`,
        );
      }
    } else if (Math.ceil(algorithm.bits / 8) < digestInfoLength(hash, hashLength) + 11) {
      // RFC 8017 §9.2 step 3: emLen ≥ tLen + 11.
      throw unsupported(`${keyName} is too small for PKCS #1 v1.5 signatures with ${hash}`);
    }
  }
  return { scheme, hash, saltLength, signatureEncoding, input };
}

function toInput(
  data: Uint8Array | undefined,
  digest: Uint8Array | undefined,
): ResolvedSignParameters['input'] {
  if ((data === undefined) === (digest === undefined)) {
    throw invalidInput('give exactly one of data and digest to sign or verify');
  }
  if (data instanceof Uint8Array) return { kind: 'data', data };
  if (digest instanceof Uint8Array) return { kind: 'digest', digest };
  throw invalidInput('data and digest must be Uint8Arrays');
}
