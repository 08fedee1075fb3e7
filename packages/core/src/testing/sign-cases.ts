import type { EcdsaSignatureEncoding, HashAlgorithm, SignScheme } from '../contract/algorithms.js';
import type { ProviderCapabilities, SignCapability } from '../contract/capabilities.js';
import type { KeyInfo } from '../contract/keys.js';
import type { SignRequest } from '../contract/requests.js';
import { digestOf } from './node-crypto.js';
import { keysFor, signCapabilitiesFor } from './schemes.js';

/** Default length of the data signed, where the capability sets no `maxDataLength`. */
export const DEFAULT_DATA_LENGTH = 1000;

/** One raw signature the suite asks for and checks. */
export interface SignCase {
  /** Names the case in failure messages: `key "ec-p256" ecdsa sha384 digest der`. */
  readonly name: string;
  readonly key: KeyInfo;
  readonly scheme: SignScheme;
  readonly input: 'data' | 'digest';
  /** Absent only for pure EdDSA over data. */
  readonly hash: HashAlgorithm | undefined;
  /** ECDSA only. */
  readonly encoding: EcdsaSignatureEncoding | undefined;
  /** How many bytes of data to sign (the capability's `maxDataLength` when it has one). */
  readonly dataLength: number;
}

/**
 * The hashes to exercise for a capability: `wanted` ∩ `capability.hashes`, or the capability's
 * first hash when none of `wanted` is listed (so every capability is exercised).
 */
export function hashesToExercise(
  capability: SignCapability,
  wanted: readonly HashAlgorithm[],
): HashAlgorithm[] {
  const common = wanted.filter((hash) => capability.hashes.includes(hash));
  if (common.length > 0) return common;
  return capability.hashes.slice(0, 1);
}

/**
 * Every raw signature case the capabilities claim for the keys that may sign: each scheme,
 * input, hash and ECDSA encoding. Cases claimed twice (by overlapping capabilities) appear once.
 */
export function signCases(
  keys: readonly KeyInfo[],
  capabilities: ProviderCapabilities,
  hashes: readonly HashAlgorithm[],
): SignCase[] {
  const cases = new Map<string, SignCase>();
  for (const key of keysFor(keys, 'sign')) {
    for (const capability of signCapabilitiesFor(capabilities, key, 'raw')) {
      for (const signCase of casesOf(key, capability, hashes)) cases.set(signCase.name, signCase);
    }
  }
  return [...cases.values()];
}

function casesOf(
  key: KeyInfo,
  capability: SignCapability,
  wanted: readonly HashAlgorithm[],
): SignCase[] {
  const { scheme } = capability;
  const encodings: readonly (EcdsaSignatureEncoding | undefined)[] =
    scheme === 'ecdsa' ? (capability.signatureEncodings ?? ['p1363']) : [undefined];
  const dataLength = capability.maxDataLength ?? DEFAULT_DATA_LENGTH;
  const cases: SignCase[] = [];
  for (const input of capability.inputs) {
    const hashes: readonly (HashAlgorithm | undefined)[] =
      scheme === 'eddsa' && input === 'data' ? [undefined] : hashesToExercise(capability, wanted);
    for (const hash of hashes) {
      for (const encoding of encodings) {
        const name = [`key "${key.id}"`, scheme, hash, input, encoding]
          .filter((part) => part !== undefined)
          .join(' ');
        cases.push({ name, key, scheme, input, hash, encoding, dataLength });
      }
    }
  }
  return cases;
}

/** The request for a case over `data` (hashed here with node:crypto for a digest case). */
export function signRequestFor(signCase: SignCase, data: Uint8Array): SignRequest {
  const { key, scheme, hash, encoding } = signCase;
  const common = {
    key: key.id,
    scheme,
    ...(hash === undefined ? {} : { hash }),
    ...(encoding === undefined ? {} : { signatureEncoding: encoding }),
  };
  if (signCase.input === 'data') return { ...common, data };
  return { ...common, digest: digestOf(hash ?? 'sha256', data) };
}

/**
 * What node:crypto verifies a case's signature over: the data itself (for a digest signature,
 * the data it is the hash of), except EdDSA over a digest, whose message is the digest bytes.
 */
export function messageFor(signCase: SignCase, data: Uint8Array): Uint8Array {
  if (signCase.scheme === 'eddsa' && signCase.input === 'digest') {
    return digestOf(signCase.hash ?? 'sha256', data);
  }
  return data;
}
