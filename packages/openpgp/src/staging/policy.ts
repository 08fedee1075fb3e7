import { config, enums } from 'openpgp';
import type { Config } from 'openpgp';

/** What a certificate's algorithms and key sizes must meet to be accepted. */
export interface ValidationPolicy {
  /** Smallest RSA modulus, in bits; 2048 by default. */
  readonly minRsaBits: number;
  /**
   * Public-key algorithms allowed for the primary key and subkeys, as openpgp.js
   * `enums.publicKey` names; by default RSA, ECDSA, ECDH, EdDSA (legacy and RFC 9580), X25519,
   * X448, Ed448 — not DSA or ElGamal.
   */
  readonly allowedAlgorithms?: readonly string[];
}

/** The algorithms {@link ValidationPolicy.allowedAlgorithms} allows when it is not given. */
export const DEFAULT_ALLOWED_ALGORITHMS: readonly enums.publicKeyNames[] = Object.freeze([
  'rsaEncryptSign',
  'rsaEncrypt',
  'rsaSign',
  'ecdsa',
  'ecdh',
  'eddsaLegacy',
  'ed25519',
  'x25519',
  'ed448',
  'x448',
]);

/** The policy used when none is given: RSA of 2048 bits or more, no DSA or ElGamal. */
export const DEFAULT_VALIDATION_POLICY: ValidationPolicy = Object.freeze({
  minRsaBits: 2048,
  allowedAlgorithms: DEFAULT_ALLOWED_ALGORITHMS,
});

/** The algorithms a policy allows. */
export function allowedAlgorithmsOf(policy: ValidationPolicy): ReadonlySet<string> {
  return new Set(policy.allowedAlgorithms ?? DEFAULT_ALLOWED_ALGORITHMS);
}

/**
 * An openpgp.js configuration that enforces `policy` when openpgp.js picks an encryption or
 * signing key: RSA below `minRsaBits` and algorithms outside the allowed list are rejected.
 */
export function openPgpConfigFor(policy: ValidationPolicy): Config {
  const allowed = allowedAlgorithmsOf(policy);
  const rejected = new Set<enums.publicKey>();
  for (const [name, value] of Object.entries(enums.publicKey)) {
    if (typeof value === 'number' && !allowed.has(name)) rejected.add(value);
  }
  return { ...config, minRSABits: policy.minRsaBits, rejectPublicKeyAlgorithms: rejected };
}
