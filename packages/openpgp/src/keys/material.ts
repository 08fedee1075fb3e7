import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ProviderError, publicKeyToSpki, type RawPublicKey } from '@keyroute/core';
import { curveOfOid } from './curves.js';

/** openpgp.js public-key algorithm numbers (RFC 9580 §9.1). */
export const PUBLIC_KEY_ALGORITHM = {
  rsaEncryptSign: 1,
  rsaEncrypt: 2,
  rsaSign: 3,
  ecdh: 18,
  ecdsa: 19,
  eddsaLegacy: 22,
  x25519: 25,
  x448: 26,
  ed25519: 27,
  ed448: 28,
} as const;

/** The parts of an openpgp.js key packet keyroute reads (its params are untyped there). */
export interface KeyPacketMaterial {
  readonly algorithm: number;
  readonly publicParams: Readonly<Record<string, unknown>>;
  readonly privateParams?: Readonly<Record<string, unknown>> | null;
}

function bytes(
  params: Readonly<Record<string, unknown>> | null | undefined,
  name: string,
): Uint8Array {
  const value = params?.[name];
  if (value instanceof Uint8Array) return value;
  throw new ProviderError('UNSUPPORTED', `the OpenPGP key has no ${name} parameter`);
}

function oidHex(params: Readonly<Record<string, unknown>>): string {
  const oid = params['oid'] as { toHex?: () => string } | undefined;
  if (typeof oid?.toHex !== 'function') {
    throw new ProviderError('UNSUPPORTED', 'the OpenPGP key has no curve OID');
  }
  return oid.toHex();
}

/** A 25519 point in OpenPGP's legacy form: 0x40 ‖ 32 bytes. */
function native25519(q: Uint8Array): Uint8Array {
  if (q.length !== 33 || q[0] !== 0x40) {
    throw new ProviderError(
      'UNSUPPORTED',
      'a legacy 25519 point must be 0x40 followed by 32 bytes',
    );
  }
  return q.subarray(1);
}

/**
 * The raw public key of an OpenPGP key packet: RSA, ECDSA/ECDH on NIST, brainpool and
 * secp256k1 curves, legacy EdDSA/ECDH on 25519 (`0x40 ‖ point`), and the RFC 9580 Ed25519,
 * X25519, Ed448, X448 keys.
 *
 * @throws ProviderError `UNSUPPORTED` for other algorithms (ElGamal, DSA) and unknown curves.
 */
export function rawPublicKeyOf(packet: KeyPacketMaterial): RawPublicKey {
  const params = packet.publicParams;
  switch (packet.algorithm) {
    case PUBLIC_KEY_ALGORITHM.rsaEncryptSign:
    case PUBLIC_KEY_ALGORITHM.rsaEncrypt:
    case PUBLIC_KEY_ALGORITHM.rsaSign:
      return { kind: 'rsa', n: bytes(params, 'n'), e: bytes(params, 'e') };
    case PUBLIC_KEY_ALGORITHM.ecdsa:
    case PUBLIC_KEY_ALGORITHM.ecdh:
    case PUBLIC_KEY_ALGORITHM.eddsaLegacy: {
      const curve = curveOfOid(oidHex(params));
      const q = bytes(params, 'Q');
      if (curve === undefined) throw new ProviderError('UNSUPPORTED', 'unknown OpenPGP curve');
      if (curve.kind === 'ec') return { kind: 'ec', curve: curve.curve, point: q };
      return { kind: curve.kind, publicKey: native25519(q) };
    }
    case PUBLIC_KEY_ALGORITHM.ed25519:
      return { kind: 'ed25519', publicKey: bytes(params, 'A') };
    case PUBLIC_KEY_ALGORITHM.x25519:
      return { kind: 'x25519', publicKey: bytes(params, 'A') };
    case PUBLIC_KEY_ALGORITHM.ed448:
      return { kind: 'ed448', publicKey: bytes(params, 'A') };
    case PUBLIC_KEY_ALGORITHM.x448:
      return { kind: 'x448', publicKey: bytes(params, 'A') };
    default:
      throw new ProviderError(
        'UNSUPPORTED',
        `OpenPGP public-key algorithm ${packet.algorithm} is not supported`,
      );
  }
}

/** The DER SubjectPublicKeyInfo of an OpenPGP key packet. */
export function spkiOf(packet: KeyPacketMaterial): Uint8Array {
  return publicKeyToSpki(rawPublicKeyOf(packet));
}

const b64 = (value: Uint8Array): string => Buffer.from(value).toString('base64url');

function stripZeros(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  return value.subarray(start);
}

function toBigInt(value: Uint8Array): bigint {
  return value.length === 0 ? 0n : BigInt(`0x${Buffer.from(value).toString('hex')}`);
}

function fromBigInt(value: bigint): Uint8Array {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

const FIELD_BYTES: Readonly<Record<string, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  secp256k1: 32,
};

const JWK_CURVES: Readonly<Record<string, string>> = {
  'P-256': 'P-256',
  'P-384': 'P-384',
  'P-521': 'P-521',
  secp256k1: 'secp256k1',
};

/**
 * The node:crypto private key of a decrypted OpenPGP key packet, so that core's software
 * sign/decrypt can use it: RSA (OpenPGP's p, q, u = p⁻¹ mod q become JWK q, p, qi), NIST and
 * secp256k1 ECDSA/ECDH, Ed25519 (legacy seed or RFC 9580), X25519 (the legacy scalar is stored
 * big-endian and is reversed here; RFC 9580's is native).
 *
 * @throws ProviderError `UNSUPPORTED` for other algorithms or curves node's JWK import lacks
 *   (brainpool); `LOCKED` when the packet is still encrypted.
 */
export function privateKeyObjectOf(packet: KeyPacketMaterial): KeyObject {
  const secret = packet.privateParams;
  if (secret === undefined || secret === null) {
    throw new ProviderError('LOCKED', 'the OpenPGP secret key is still encrypted');
  }
  const raw = rawPublicKeyOf(packet);
  switch (raw.kind) {
    case 'rsa': {
      const d = toBigInt(bytes(secret, 'd'));
      const p = toBigInt(bytes(secret, 'p'));
      const q = toBigInt(bytes(secret, 'q'));
      return createPrivateKey({
        format: 'jwk',
        key: {
          kty: 'RSA',
          n: b64(stripZeros(raw.n)),
          e: b64(stripZeros(raw.e)),
          d: b64(fromBigInt(d)),
          // JWK's p is OpenPGP's q and the reverse, so that JWK qi = OpenPGP u.
          p: b64(fromBigInt(q)),
          q: b64(fromBigInt(p)),
          dp: b64(fromBigInt(d % (q - 1n))),
          dq: b64(fromBigInt(d % (p - 1n))),
          qi: b64(stripZeros(bytes(secret, 'u'))),
        },
      });
    }
    case 'ec': {
      const size = FIELD_BYTES[raw.curve];
      const crv = JWK_CURVES[raw.curve];
      if (size === undefined || crv === undefined) {
        throw new ProviderError(
          'UNSUPPORTED',
          `raw operations with ${raw.curve} OpenPGP keys are not supported`,
        );
      }
      const d = Buffer.alloc(size);
      const scalar = stripZeros(bytes(secret, 'd'));
      d.set(scalar, size - scalar.length);
      return createPrivateKey({
        format: 'jwk',
        key: {
          kty: 'EC',
          crv,
          d: b64(d),
          x: b64(raw.point.subarray(1, 1 + size)),
          y: b64(raw.point.subarray(1 + size)),
        },
      });
    }
    case 'ed25519': {
      const seed = bytes(secret, 'seed');
      return createPrivateKey({
        format: 'jwk',
        key: { kty: 'OKP', crv: 'Ed25519', d: b64(seed), x: b64(raw.publicKey) },
      });
    }
    case 'x25519': {
      const legacy = packet.algorithm === PUBLIC_KEY_ALGORITHM.ecdh;
      const scalar = legacy ? Uint8Array.from(bytes(secret, 'd')).reverse() : bytes(secret, 'k');
      return createPrivateKey({
        format: 'jwk',
        key: { kty: 'OKP', crv: 'X25519', d: b64(scalar), x: b64(raw.publicKey) },
      });
    }
    default:
      throw new ProviderError(
        'UNSUPPORTED',
        `raw operations with ${raw.kind} OpenPGP keys are not supported`,
      );
  }
}
