import type {
  DecryptScheme,
  HashAlgorithm,
  KeyAlgorithmKind,
  SignFormat,
  SignScheme,
} from '../contract/algorithms.js';
import type {
  CipherCapability,
  ProviderCapabilities,
  SignCapability,
} from '../contract/capabilities.js';
import type { KeyInfo, KeyUsage } from '../contract/keys.js';

/** Every algorithm kind of the contract. */
export const ALGORITHM_KINDS: readonly KeyAlgorithmKind[] = [
  'rsa',
  'ec',
  'ed25519',
  'ed448',
  'x25519',
  'x448',
];

/** Key kinds each signature scheme is defined for. */
export const SIGN_SCHEME_KINDS: Readonly<Record<SignScheme, readonly KeyAlgorithmKind[]>> = {
  pkcs1v15: ['rsa'],
  pss: ['rsa'],
  ecdsa: ['ec'],
  eddsa: ['ed25519', 'ed448'],
};

/** Key kinds each decryption (and encryption) scheme is defined for. */
export const CIPHER_SCHEME_KINDS: Readonly<Record<DecryptScheme, readonly KeyAlgorithmKind[]>> = {
  'rsa-oaep': ['rsa'],
  'rsa-pkcs1v15': ['rsa'],
  ecdh: ['ec', 'x25519', 'x448'],
  openpgp: ALGORITHM_KINDS,
};

/** Keys whose private half the provider can use for `usage`. */
export function keysFor(keys: readonly KeyInfo[], usage: KeyUsage): KeyInfo[] {
  return keys.filter((key) => key.hasPrivateKey && key.usages.includes(usage));
}

/** The sign capabilities that apply to `key` with `format` (and `scheme`, when given). */
export function signCapabilitiesFor(
  capabilities: ProviderCapabilities,
  key: KeyInfo,
  format: SignFormat,
  scheme?: SignScheme,
): SignCapability[] {
  return capabilities.sign.filter(
    (capability) =>
      capability.algorithms.includes(key.algorithm.kind) &&
      capability.formats.includes(format) &&
      (scheme === undefined || capability.scheme === scheme),
  );
}

/** The cipher capability of `scheme` that applies to `key`, if claimed. */
export function cipherCapabilityFor<S extends string>(
  capabilities: readonly CipherCapability<S>[],
  key: KeyInfo,
  scheme: S,
): CipherCapability<S> | undefined {
  return capabilities.find(
    (capability) =>
      capability.scheme === scheme && capability.algorithms.includes(key.algorithm.kind),
  );
}

/**
 * The hashes claimed for `scheme` with `key` across every capability that applies (a router
 * may list a scheme once per member), or `undefined` when none lists hashes.
 */
export function cipherHashesFor<S extends string>(
  capabilities: readonly CipherCapability<S>[],
  key: KeyInfo,
  scheme: S,
): HashAlgorithm[] | undefined {
  const lists = capabilities
    .filter(
      (capability) =>
        capability.scheme === scheme && capability.algorithms.includes(key.algorithm.kind),
    )
    .map((capability) => capability.hashes);
  if (lists.every((list) => list === undefined)) return undefined;
  return unique(lists.flatMap((list) => list ?? []));
}

/** One per value, in first-seen order. */
export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}
