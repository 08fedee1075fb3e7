import type { EcCurve, KeyAlgorithm } from '@keyroute/core';

/** Byte length of a field element (and of r and s) of each curve. */
const FIELD_BYTES: Readonly<Record<EcCurve, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  secp256k1: 32,
  brainpoolP256r1: 32,
  brainpoolP384r1: 48,
  brainpoolP512r1: 64,
};

/** OpenSSL's name of each curve, as node:crypto's ECDH takes it. */
export const NODE_CURVE_NAMES: Readonly<Record<EcCurve, string>> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
  secp256k1: 'secp256k1',
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
};

/** Field size in bytes of an EC curve. */
export function fieldBytes(curve: EcCurve): number {
  return FIELD_BYTES[curve];
}

/** The length of a raw signature by a key: RSA modulus bytes, ECDSA r‖s, EdDSA R‖S. */
export function signatureLength(algorithm: KeyAlgorithm): number {
  switch (algorithm.kind) {
    case 'rsa':
      return Math.ceil(algorithm.bits / 8);
    case 'ec':
      return 2 * FIELD_BYTES[algorithm.curve];
    case 'ed25519':
      return 64;
    case 'ed448':
      return 114;
    default:
      return 0;
  }
}
