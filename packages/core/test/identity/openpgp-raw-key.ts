import type { EcCurve } from '../../src/contract/algorithms.js';
import type { RawPublicKey } from '../../src/identity/index.js';

/** OpenPGP public-key algorithm ids (RFC 9580 §9.1). */
const Algorithm = {
  RSA: 1,
  RSA_ENCRYPT: 2,
  RSA_SIGN: 3,
  ECDH: 18,
  ECDSA: 19,
  EDDSA_LEGACY: 22,
  X25519: 25,
  X448: 26,
  ED25519: 27,
  ED448: 28,
} as const;

/** Curve OIDs as OpenPGP writes them (DER content octets, hex; RFC 9580 §9.2). */
const WEIERSTRASS_OIDS: Readonly<Record<string, EcCurve>> = {
  '2a8648ce3d030107': 'P-256',
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
  '2b8104000a': 'secp256k1',
  '2b2403030208010107': 'brainpoolP256r1',
  '2b240303020801010b': 'brainpoolP384r1',
  '2b240303020801010d': 'brainpoolP512r1',
};
const ED25519_LEGACY_OID = '2b06010401da470f01';
const CV25519_LEGACY_OID = '2b060104019755010501';

/** The part of an openpgp.js key packet this helper reads. */
export interface OpenPgpKeyPacket {
  readonly algorithm: number;
  readonly publicParams: object;
}

/**
 * The raw public key of an OpenPGP key packet (as openpgp.js parses it), for building the
 * SPKI independently of gpg. Legacy Ed25519/cv25519 points are `0x40 ‖ key` (RFC 9580
 * §11.2.2); the cv25519 bytes are already the RFC 7748 little-endian u-coordinate.
 */
export function rawKeyFromOpenPgp(packet: OpenPgpKeyPacket): RawPublicKey {
  const params = packet.publicParams as Readonly<Record<string, unknown>>;
  switch (packet.algorithm) {
    case Algorithm.RSA:
    case Algorithm.RSA_ENCRYPT:
    case Algorithm.RSA_SIGN:
      return { kind: 'rsa', n: bytes(params['n'], 'n'), e: bytes(params['e'], 'e') };
    case Algorithm.ECDH:
    case Algorithm.ECDSA:
    case Algorithm.EDDSA_LEGACY: {
      const oid = oidHex(params['oid']);
      const q = bytes(params['Q'], 'Q');
      const curve = WEIERSTRASS_OIDS[oid];
      if (curve !== undefined) return { kind: 'ec', curve, point: q };
      if (q[0] !== 0x40 || q.length !== 33) {
        throw new Error(
          `expected a 0x40-prefixed 33-byte point for OID ${oid}, got ${q.length} bytes`,
        );
      }
      if (oid === ED25519_LEGACY_OID) return { kind: 'ed25519', publicKey: q.subarray(1) };
      if (oid === CV25519_LEGACY_OID) return { kind: 'x25519', publicKey: q.subarray(1) };
      throw new Error(`unknown OpenPGP curve OID ${oid}`);
    }
    case Algorithm.X25519:
      return { kind: 'x25519', publicKey: bytes(params['A'], 'A') };
    case Algorithm.X448:
      return { kind: 'x448', publicKey: bytes(params['A'], 'A') };
    case Algorithm.ED25519:
      return { kind: 'ed25519', publicKey: bytes(params['A'], 'A') };
    case Algorithm.ED448:
      return { kind: 'ed448', publicKey: bytes(params['A'], 'A') };
    default:
      throw new Error(`OpenPGP algorithm ${packet.algorithm} has no SPKI mapping here`);
  }
}

function bytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error(`OpenPGP key parameter ${name} is missing`);
  return value;
}

function oidHex(value: unknown): string {
  const toHex = (value as { toHex?: unknown } | undefined)?.toHex;
  if (typeof toHex !== 'function') throw new Error('OpenPGP key has no curve OID');
  return String(toHex.call(value));
}
