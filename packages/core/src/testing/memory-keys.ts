import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyAlgorithm } from '../contract/algorithms.js';
import type { KeyUsage } from '../contract/keys.js';

/** One key of a memory provider. */
export interface MemoryKeySpec {
  /** The key's id, unique within the provider. */
  readonly id: string;
  /** A human label. */
  readonly label?: string;
  /** The private key (RSA, EC on a contract curve, Ed25519/Ed448, X25519/X448). */
  readonly privateKey: KeyObject;
  /** What the key may do (default: everything its algorithm can). */
  readonly usages?: readonly KeyUsage[];
}

/** What a key of each algorithm kind may do unless its spec says otherwise. */
export function defaultUsages(algorithm: KeyAlgorithm): KeyUsage[] {
  switch (algorithm.kind) {
    case 'rsa':
    case 'ec':
      return ['sign', 'decrypt'];
    case 'ed25519':
    case 'ed448':
      return ['sign'];
    case 'x25519':
    case 'x448':
      return ['decrypt'];
  }
}

const generate = promisify(generateKeyPair);

/**
 * Generates fresh keys of every kind the contract knows, off the event loop: RSA-2048; ECDSA/ECDH
 * on P-256, P-384, P-521, secp256k1 and brainpoolP256r1; Ed25519 and Ed448 (sign only);
 * X25519 and X448 (decrypt only). Ids are `rsa-2048`, `ec-p256`, …, `x448`.
 */
export async function generateMemoryKeys(): Promise<MemoryKeySpec[]> {
  const ec = (namedCurve: string) => generate('ec', { namedCurve });
  const pairs = await Promise.all([
    generate('rsa', { modulusLength: 2048 }),
    ec('prime256v1'),
    ec('secp384r1'),
    ec('secp521r1'),
    ec('secp256k1'),
    ec('brainpoolP256r1'),
    generate('ed25519', {}),
    generate('ed448', {}),
    generate('x25519', {}),
    generate('x448', {}),
  ]);
  const names = [
    ['rsa-2048', 'RSA-2048'],
    ['ec-p256', 'EC P-256'],
    ['ec-p384', 'EC P-384'],
    ['ec-p521', 'EC P-521'],
    ['ec-secp256k1', 'EC secp256k1'],
    ['ec-brainpoolp256r1', 'EC brainpoolP256r1'],
    ['ed25519', 'Ed25519'],
    ['ed448', 'Ed448'],
    ['x25519', 'X25519'],
    ['x448', 'X448'],
  ] as const;
  return names.map(([id, label], index) => {
    const pair = pairs[index];
    if (pair === undefined) throw new Error(`no key pair generated for ${id}`);
    return { id, label, privateKey: pair.privateKey };
  });
}
