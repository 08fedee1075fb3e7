import { createPublicKey } from 'node:crypto';
import { derBitString, derElement, unwrapOctetString } from './der.js';
import { CKK } from '../native/constants.js';

const SEQUENCE = 0x30;
const NULL = Uint8Array.of(0x05, 0x00);
const RSA_ENCRYPTION_OID = Uint8Array.of(
  0x06,
  0x09,
  0x2a,
  0x86,
  0x48,
  0x86,
  0xf7,
  0x0d,
  0x01,
  0x01,
  0x01,
);
const EC_PUBLIC_KEY_OID = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
const ED25519_OID = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x70);
const ED448_OID = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x71);
const X25519_OID = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x6e);
const X448_OID = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x6f);

/** The public-key attributes of a key object (absent ones undefined). */
export interface PublicKeyAttributes {
  /** `CKA_KEY_TYPE`. */
  readonly keyType: number;
  readonly modulus?: Buffer | undefined;
  readonly publicExponent?: Buffer | undefined;
  readonly ecParams?: Buffer | undefined;
  readonly ecPoint?: Buffer | undefined;
}

/** Edwards/Montgomery curves named by `CKA_EC_PARAMS` (an OID or a PrintableString name). */
function edwardsOrMontgomeryOid(params: Buffer): Uint8Array | undefined {
  const oids = [ED25519_OID, ED448_OID, X25519_OID, X448_OID];
  const byOid = oids.find((oid) => Buffer.from(oid).equals(params));
  if (byOid !== undefined) return byOid;
  if (params[0] !== 0x13) return undefined;
  const names: Readonly<Record<string, Uint8Array>> = {
    edwards25519: ED25519_OID,
    edwards448: ED448_OID,
    curve25519: X25519_OID,
    curve448: X448_OID,
  };
  return names[params.subarray(2).toString('latin1')];
}

function isValidSpki(spki: Uint8Array): boolean {
  try {
    createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return true;
  } catch {
    return false;
  }
}

function rsaSpki(modulus: Buffer, exponent: Buffer): Uint8Array {
  const integer = (bytes: Buffer): Uint8Array => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
    const trimmed = bytes.subarray(start);
    const positive = (trimmed[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed;
    return derElement(0x02, positive);
  };
  const rsaKey = derElement(SEQUENCE, integer(modulus), integer(exponent));
  return derElement(SEQUENCE, derElement(SEQUENCE, RSA_ENCRYPTION_OID, NULL), derBitString(rsaKey));
}

/**
 * Builds the DER SubjectPublicKeyInfo of a key object from its attributes: RSA from
 * `CKA_MODULUS`/`CKA_PUBLIC_EXPONENT`; EC from `CKA_EC_PARAMS` (the curve OID, kept as the
 * SPKI parameter) and `CKA_EC_POINT` (DER OCTET STRING per the standard, bare point from some
 * modules — whichever gives a valid key); Edwards/Montgomery keys likewise. Every result is
 * checked by node:crypto. Returns undefined when the attributes do not make a public key.
 */
export function publicKeySpkiOf(attributes: PublicKeyAttributes): Uint8Array | undefined {
  const { keyType, modulus, publicExponent, ecParams, ecPoint } = attributes;
  if (keyType === CKK.RSA) {
    if (modulus === undefined || publicExponent === undefined || modulus.length === 0) {
      return undefined;
    }
    const spki = rsaSpki(modulus, publicExponent);
    return isValidSpki(spki) ? spki : undefined;
  }
  if (ecParams === undefined || ecPoint === undefined) return undefined;
  const candidates = [unwrapOctetString(ecPoint), ecPoint];
  const build = (point: Uint8Array): Uint8Array | undefined => {
    if (keyType === CKK.EC) {
      return derElement(
        SEQUENCE,
        derElement(SEQUENCE, EC_PUBLIC_KEY_OID, ecParams),
        derBitString(point),
      );
    }
    if (keyType === CKK.EC_EDWARDS || keyType === CKK.EC_MONTGOMERY) {
      const oid = edwardsOrMontgomeryOid(ecParams);
      return oid === undefined
        ? undefined
        : derElement(SEQUENCE, derElement(SEQUENCE, oid), derBitString(point));
    }
    return undefined;
  };
  for (const point of candidates) {
    const spki = build(point);
    if (spki !== undefined && isValidSpki(spki)) return spki;
  }
  return undefined;
}
