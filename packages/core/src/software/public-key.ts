/**
 * Public keys as node `KeyObject`s with their contract algorithm. Parsing and building SPKI is
 * `identity`'s job; this only adds what node:crypto needs.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

import { formatAlgorithm, type EcCurve, type KeyAlgorithm } from '../contract/algorithms.js';
import { isProviderError } from '../contract/errors.js';
import { describePublicKey, publicKeyToSpki, spkiToRawPublicKey } from '../identity/index.js';
import { OKP_KEY_BYTES } from '../identity/oids.js';
import { invalidInput } from '../util/errors.js';

/** A parsed public key: node's handle and what the contract calls its algorithm. */
export interface ImportedPublicKey {
  readonly key: KeyObject;
  readonly algorithm: KeyAlgorithm;
  /** The DER SPKI it came from. */
  readonly spki: Uint8Array;
}

/**
 * Parses a DER SubjectPublicKeyInfo. Throws `INVALID_INPUT` when it is not a valid one and
 * `UNSUPPORTED` when its algorithm or curve is not one of the contract's (both from
 * `describePublicKey`).
 */
export function importPublicKey(spki: Uint8Array): ImportedPublicKey {
  const algorithm = describePublicKey(spki);
  // describePublicKey has had node parse it already, so this does not throw.
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return { key, algorithm, spki };
}

/**
 * {@link algorithmOfKeyObject}'s answers by key: a `KeyObject` is immutable, and deriving the
 * public key, exporting and parsing it costs more than an Ed25519 signature, on every sign.
 */
const ALGORITHM_OF_KEY = new WeakMap<KeyObject, KeyAlgorithm | undefined>();

/** The contract algorithm of a node key (public or private), or `undefined` if it has none. */
export function algorithmOfKeyObject(key: KeyObject): KeyAlgorithm | undefined {
  if (key.type === 'secret') return undefined;
  if (ALGORITHM_OF_KEY.has(key)) return ALGORITHM_OF_KEY.get(key);
  let algorithm: KeyAlgorithm | undefined;
  try {
    algorithm = Object.freeze(
      describePublicKey(createPublicKey(key).export({ format: 'der', type: 'spki' })),
    );
  } catch (error) {
    // DSA, DH and RSASSA-PSS-restricted keys are outside the contract.
    if (!isProviderError(error)) throw error;
    algorithm = undefined;
  }
  ALGORITHM_OF_KEY.set(key, algorithm);
  return algorithm;
}

/** The SEC 1 point of an EC public key given as DER SPKI. Throws `INVALID_INPUT` otherwise. */
export function ecPublicPoint(spki: Uint8Array, curve: EcCurve): Uint8Array {
  const raw = spkiToRawPublicKey(spki);
  if (raw.kind !== 'ec' || raw.curve !== curve) {
    throw invalidInput(`the public key is not an EC ${curve} key`);
  }
  return raw.point;
}

/**
 * Imports a key-agreement peer's public key for a private key of `algorithm`: DER SPKI, an EC
 * point (SEC 1, compressed or not) or an X25519/X448 u-coordinate. Throws `INVALID_INPUT`
 * when it is malformed or of another algorithm or curve than `algorithm`.
 */
export function importPeerPublicKey(bytes: Uint8Array, algorithm: KeyAlgorithm): ImportedPublicKey {
  let peer: ImportedPublicKey;
  try {
    let spki = bytes;
    if (algorithm.kind === 'x25519' || algorithm.kind === 'x448') {
      // A raw RFC 7748 u-coordinate, not an SPKI.
      if (bytes.length === OKP_KEY_BYTES[algorithm.kind]) {
        spki = publicKeyToSpki({ kind: algorithm.kind, publicKey: bytes });
      }
    } else if (algorithm.kind === 'ec' && bytes[0] !== 0x30) {
      // A raw point starts with 02, 03 or 04, never with a SEQUENCE tag (0x30).
      spki = publicKeyToSpki({ kind: 'ec', curve: algorithm.curve, point: bytes });
    }
    peer = importPublicKey(spki);
  } catch (error) {
    if (!isProviderError(error)) throw error;
    throw invalidInput(
      `the peer public key is not a valid ${formatAlgorithm(algorithm)} key`,
      error,
    );
  }
  if (!sameAlgorithm(peer.algorithm, algorithm)) {
    throw invalidInput(
      `the peer public key is ${formatAlgorithm(peer.algorithm)}, not ${formatAlgorithm(algorithm)}`,
    );
  }
  return peer;
}

/** True when two algorithms are the same kind with the same curve or size. */
export function sameAlgorithm(left: KeyAlgorithm, right: KeyAlgorithm): boolean {
  return formatAlgorithm(left) === formatAlgorithm(right);
}
