/**
 * libgcrypt's curve names (cipher/ecc-curves.c: names, aliases and OIDs) mapped to keyroute's
 * key kinds, and the field sizes of the Weierstrass curves. Pure data.
 */
import { ErrorCode, ProviderError } from '@keyroute/core';
import type { EcCurve } from '@keyroute/core';

/** Provider name set on the `ProviderError`s of this module. */
export const SEXP_PROVIDER = 'gpg-agent';

/** What a libgcrypt curve name stands for. */
export type GcryptCurve =
  | { readonly kind: 'ec'; readonly curve: EcCurve }
  | { readonly kind: 'ed25519' | 'x25519' | 'ed448' | 'x448' };

const EC = (curve: EcCurve): GcryptCurve => ({ kind: 'ec', curve });

// libgcrypt accepts every alias below in a key's `(curve …)`; READKEY prints the first one.
const CURVES: ReadonlyMap<string, GcryptCurve> = new Map<string, GcryptCurve>([
  ...['NIST P-256', 'nistp256', 'prime256v1', 'secp256r1', '1.2.840.10045.3.1.7'].map(
    (n) => [n, EC('P-256')] as const,
  ),
  ...['NIST P-384', 'nistp384', 'secp384r1', '1.3.132.0.34'].map((n) => [n, EC('P-384')] as const),
  ...['NIST P-521', 'nistp521', 'secp521r1', '1.3.132.0.35'].map((n) => [n, EC('P-521')] as const),
  ...['secp256k1', '1.3.132.0.10'].map((n) => [n, EC('secp256k1')] as const),
  ...['brainpoolP256r1', '1.3.36.3.3.2.8.1.1.7'].map((n) => [n, EC('brainpoolP256r1')] as const),
  ...['brainpoolP384r1', '1.3.36.3.3.2.8.1.1.11'].map((n) => [n, EC('brainpoolP384r1')] as const),
  ...['brainpoolP512r1', '1.3.36.3.3.2.8.1.1.13'].map((n) => [n, EC('brainpoolP512r1')] as const),
  ...['Ed25519', '1.3.6.1.4.1.11591.15.1', '1.3.101.112'].map(
    (n) => [n, { kind: 'ed25519' }] as const,
  ),
  ...['Curve25519', 'X25519', 'cv25519', '1.3.6.1.4.1.3029.1.5.1', '1.3.101.110'].map(
    (n) => [n, { kind: 'x25519' }] as const,
  ),
  ...['Ed448', '1.3.101.113'].map((n) => [n, { kind: 'ed448' }] as const),
  ...['X448', 'Curve448', '1.3.101.111'].map((n) => [n, { kind: 'x448' }] as const),
]);

/** The curve a libgcrypt curve name (or alias, or dotted OID) denotes; undefined when unknown. */
export function curveByGcryptName(name: string): GcryptCurve | undefined {
  return CURVES.get(name);
}

/** Byte length of the field (and, for these curves, of the order): the size of r, s and x. */
export const EC_FIELD_BYTES: Readonly<Record<EcCurve, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  secp256k1: 32,
  brainpoolP256r1: 32,
  brainpoolP384r1: 48,
  brainpoolP512r1: 64,
};

/** Raw key (and EdDSA r, s) length of the Edwards and Montgomery curves, RFC 8032/7748. */
export const OKP_BYTES = { ed25519: 32, x25519: 32, ed448: 57, x448: 56 } as const;

/** A `ProviderError` with code `PROTOCOL`: gpg-agent sent something this module cannot read. */
export function protocolError(message: string, cause?: unknown): ProviderError {
  return new ProviderError(ErrorCode.PROTOCOL, message, {
    provider: SEXP_PROVIDER,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Left-pads an unsigned big-endian integer to `size` bytes after dropping its leading zeros. */
export function padUnsigned(value: Uint8Array, size: number): Uint8Array | undefined {
  let start = 0;
  while (start < value.length && value[start] === 0) start++;
  const magnitude = value.subarray(start);
  if (magnitude.length > size) return undefined;
  const out = new Uint8Array(size);
  out.set(magnitude, size - magnitude.length);
  return out;
}
