/**
 * The suite's independent view of keys and signatures: everything here is computed with
 * node:crypto directly, never with keyroute's own identity or software modules, so that a bug
 * there cannot hide a bug in a provider.
 */
import {
  constants,
  createHash,
  createPublicKey,
  randomBytes,
  verify,
  type KeyObject,
} from 'node:crypto';
import type {
  EcCurve,
  EcdsaSignatureEncoding,
  HashAlgorithm,
  KeyAlgorithm,
  SignScheme,
} from '../contract/algorithms.js';

/** OpenSSL's curve names (as `asymmetricKeyDetails.namedCurve` reports them) → the contract's. */
const NODE_CURVES: Readonly<Record<string, EcCurve>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  secp256k1: 'secp256k1',
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
};

/** The OpenSSL name of a contract curve, for `generateKeyPair('ec', { namedCurve })`. */
export function nodeCurveName(curve: EcCurve): string {
  const entry = Object.entries(NODE_CURVES).find(([, value]) => value === curve);
  if (entry === undefined) throw new Error(`no OpenSSL name for curve ${curve}`);
  return entry[0];
}

/** Parses DER SPKI with node:crypto; throws what node says when it is not a public key. */
export function spkiKeyObject(spki: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

/** The DER SPKI of a node key. */
export function exportSpki(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}

/** Lower-case hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The digest of `data` with `hash`, as a plain `Uint8Array`. */
export function digestOf(hash: HashAlgorithm, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

/**
 * `length` random bytes as a plain `Uint8Array` (not a `Buffer`), so that a provider relying on
 * `Buffer` methods of its inputs fails here rather than in an application.
 */
export function randomInput(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

/** True when two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** What node:crypto says the key's algorithm is, or a description of what it found instead. */
export function nodeKeyAlgorithm(key: KeyObject): KeyAlgorithm | string {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'rsa':
    case 'rsa-pss':
      return details.modulusLength === undefined
        ? 'an RSA key without a modulus length'
        : { kind: 'rsa', bits: details.modulusLength };
    case 'ec': {
      const curve = details.namedCurve === undefined ? undefined : NODE_CURVES[details.namedCurve];
      return curve === undefined
        ? `an EC key on a curve the contract does not know (${details.namedCurve ?? 'unnamed'})`
        : { kind: 'ec', curve };
    }
    case 'ed25519':
    case 'ed448':
    case 'x25519':
    case 'x448':
      return { kind: type };
    default:
      return `a ${type ?? 'non-asymmetric'} key, which the contract has no algorithm for`;
  }
}

/** True when two algorithms are the same (kind and its parameter). */
export function sameAlgorithm(a: KeyAlgorithm, b: KeyAlgorithm): boolean {
  if (a.kind === 'rsa' && b.kind === 'rsa') return a.bits === b.bits;
  if (a.kind === 'ec' && b.kind === 'ec') return a.curve === b.curve;
  return a.kind === b.kind;
}

/** The parameters a raw signature was made with, for {@link verifyWithNode}. */
export interface RawSignatureParameters {
  readonly publicKey: Uint8Array;
  readonly scheme: SignScheme;
  /** The hash (absent for pure EdDSA). */
  readonly hash?: HashAlgorithm | undefined;
  /** ECDSA encoding (default `p1363`). */
  readonly encoding?: EcdsaSignatureEncoding | undefined;
}

/**
 * Verifies a raw signature with node:crypto over `message` (the data; for a digest signature
 * the data it is the hash of, except EdDSA, which signs the digest bytes as its message).
 * PSS is checked with a salt as long as the hash, the contract's default.
 */
export function verifyWithNode(
  parameters: RawSignatureParameters,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = spkiKeyObject(parameters.publicKey);
  const hash = parameters.hash ?? 'sha256';
  try {
    switch (parameters.scheme) {
      case 'pkcs1v15':
        return verify(hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'pss':
        return verify(
          hash,
          message,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hashLength(hash) },
          signature,
        );
      case 'ecdsa': {
        const dsaEncoding = parameters.encoding === 'der' ? 'der' : 'ieee-p1363';
        return verify(hash, message, { key, dsaEncoding }, signature);
      }
      case 'eddsa':
        return verify(null, message, key, signature);
    }
  } catch {
    // OpenSSL throws on signatures it cannot even parse (bad DER, wrong length): not valid.
    return false;
  }
}

function hashLength(hash: HashAlgorithm): number {
  return createHash(hash).digest().length;
}
