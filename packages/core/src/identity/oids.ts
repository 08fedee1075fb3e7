/**
 * Algorithm identifiers of a SubjectPublicKeyInfo (RFC 3279, RFC 5480, RFC 8410). The EC curves'
 * OIDs are in `encoding/ec-curves.ts` with the rest of each curve.
 */
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
