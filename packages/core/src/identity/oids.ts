import type { EcCurve } from '../contract/algorithms.js';

/** Algorithm identifiers of a SubjectPublicKeyInfo (RFC 3279, RFC 5480, RFC 8410). */
export const SpkiOid = {
  /** rsaEncryption, RFC 3279 §2.3.1; parameters NULL. */
  RSA: '1.2.840.113549.1.1.1',
  /** id-ecPublicKey, RFC 5480 §2.1.1; parameters a namedCurve OID. */
  EC_PUBLIC_KEY: '1.2.840.10045.2.1',
  /** id-X25519, RFC 8410 §3; parameters absent. */
  X25519: '1.3.101.110',
  /** id-X448, RFC 8410 §3. */
  X448: '1.3.101.111',
  /** id-Ed25519, RFC 8410 §3. */
  ED25519: '1.3.101.112',
  /** id-Ed448, RFC 8410 §3. */
  ED448: '1.3.101.113',
} as const;

/** What the contract, DER and OpenSSL each call a Weierstrass curve. */
export interface EcCurveInfo {
  readonly curve: EcCurve;
  /** namedCurve OID (RFC 5480 §2.1.1.1, RFC 5639 §4.1, SEC 2 §A.2). */
  readonly oid: string;
  /** OpenSSL's short name, as `crypto.ECDH` expects it. */
  readonly opensslName: string;
  /** Bytes of one field element: an uncompressed point is `04 ‖ x ‖ y` of this size each. */
  readonly fieldBytes: number;
}

/** Every curve of {@link EcCurve}, in the contract's order. */
export const EC_CURVE_INFO: Readonly<Record<EcCurve, EcCurveInfo>> = {
  'P-256': {
    curve: 'P-256',
    oid: '1.2.840.10045.3.1.7',
    opensslName: 'prime256v1',
    fieldBytes: 32,
  },
  'P-384': { curve: 'P-384', oid: '1.3.132.0.34', opensslName: 'secp384r1', fieldBytes: 48 },
  'P-521': { curve: 'P-521', oid: '1.3.132.0.35', opensslName: 'secp521r1', fieldBytes: 66 },
  secp256k1: { curve: 'secp256k1', oid: '1.3.132.0.10', opensslName: 'secp256k1', fieldBytes: 32 },
  brainpoolP256r1: {
    curve: 'brainpoolP256r1',
    oid: '1.3.36.3.3.2.8.1.1.7',
    opensslName: 'brainpoolP256r1',
    fieldBytes: 32,
  },
  brainpoolP384r1: {
    curve: 'brainpoolP384r1',
    oid: '1.3.36.3.3.2.8.1.1.11',
    opensslName: 'brainpoolP384r1',
    fieldBytes: 48,
  },
  brainpoolP512r1: {
    curve: 'brainpoolP512r1',
    oid: '1.3.36.3.3.2.8.1.1.13',
    opensslName: 'brainpoolP512r1',
    fieldBytes: 64,
  },
};

/** Looks a curve up by its namedCurve OID. */
export function curveByOid(oid: string): EcCurveInfo | undefined {
  return Object.values(EC_CURVE_INFO).find((info) => info.oid === oid);
}

/** Raw public key sizes of the RFC 8410 algorithms (RFC 7748 §5, RFC 8032 §5.1.5/§5.2.5). */
export const OKP_KEY_BYTES = { ed25519: 32, x25519: 32, ed448: 57, x448: 56 } as const;

/** An RFC 8410 algorithm: a raw public key under a parameterless OID. */
export type OkpKind = keyof typeof OKP_KEY_BYTES;

/** The SPKI algorithm OID of each {@link OkpKind}. */
export const OKP_OID: Readonly<Record<OkpKind, string>> = {
  ed25519: SpkiOid.ED25519,
  x25519: SpkiOid.X25519,
  ed448: SpkiOid.ED448,
  x448: SpkiOid.X448,
};
