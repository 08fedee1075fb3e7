import type { EcCurve } from '@keyroute/core';

/** What an OpenPGP curve OID (DER content, hex) names: a Weierstrass curve or a 25519 key. */
export type OpenPgpCurve =
  | { readonly kind: 'ec'; readonly curve: EcCurve }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'x25519' };

/** The curve OIDs of RFC 4880bis / RFC 9580 (legacy 25519 ones included), DER content in hex. */
const CURVES: Readonly<Record<string, OpenPgpCurve>> = {
  '2a8648ce3d030107': { kind: 'ec', curve: 'P-256' },
  '2b81040022': { kind: 'ec', curve: 'P-384' },
  '2b81040023': { kind: 'ec', curve: 'P-521' },
  '2b8104000a': { kind: 'ec', curve: 'secp256k1' },
  '2b2403030208010107': { kind: 'ec', curve: 'brainpoolP256r1' },
  '2b240303020801010b': { kind: 'ec', curve: 'brainpoolP384r1' },
  '2b240303020801010d': { kind: 'ec', curve: 'brainpoolP512r1' },
  // Ed25519Legacy (EdDSA, algorithm 22) and Curve25519Legacy (ECDH, algorithm 18).
  '2b06010401da470f01': { kind: 'ed25519' },
  '2b060104019755010501': { kind: 'x25519' },
};

/** The curve an OpenPGP OID names, or undefined for curves keyroute does not know. */
export function curveOfOid(oidHex: string): OpenPgpCurve | undefined {
  return CURVES[oidHex.toLowerCase()];
}
