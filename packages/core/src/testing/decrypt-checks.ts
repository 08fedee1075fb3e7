import {
  constants,
  diffieHellman,
  generateKeyPairSync,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';
import type {
  DecryptScheme,
  EcCurve,
  HashAlgorithm,
  KeyAlgorithm,
} from '../contract/algorithms.js';
import type { KeyInfo } from '../contract/keys.js';
import type { DecryptRequest, DecryptResult } from '../contract/requests.js';
import type { SuiteContext } from './context.js';
import { exportSpki, nodeCurveName, randomInput, sameBytes, spkiKeyObject } from './node-crypto.js';
import { describeError, Problems, settle } from './problems.js';
import { cipherCapabilityFor, cipherHashesFor, keysFor } from './schemes.js';

/** The decrypt keys a claimed scheme applies to, with problems when the claim is untestable. */
async function keysForScheme(
  context: SuiteContext,
  problems: Problems,
  scheme: DecryptScheme,
  kinds: string,
): Promise<KeyInfo[]> {
  const claimed = context.capabilities.decrypt.some((capability) => capability.scheme === scheme);
  const decrypters = keysFor(context.keys, 'decrypt');
  const keys = decrypters.filter((key) =>
    cipherCapabilityFor(context.capabilities.decrypt, key, scheme),
  );
  if (!claimed) {
    const key = context.keys.find((candidate) => candidate.hasPrivateKey);
    if (key !== undefined) {
      await problems.expectCode(
        `${scheme} is not claimed, so decrypt(${scheme}) with key "${key.id}"`,
        () => context.provider.decrypt(garbageRequest(key, scheme)),
        ['UNSUPPORTED'],
      );
    }
  } else if (keys.length === 0) {
    problems.add(
      `capabilities claim ${scheme} decryption but no listed ${kinds} key has a private key and usage decrypt: give the test backend one`,
    );
  }
  return keys;
}

/** A well-typed request for `scheme` whose content is meaningless. */
export function garbageRequest(key: KeyInfo, scheme: DecryptScheme): DecryptRequest {
  const bytes = new Uint8Array(key.algorithm.kind === 'rsa' ? key.algorithm.bits / 8 : 32);
  switch (scheme) {
    case 'rsa-oaep':
    case 'rsa-pkcs1v15':
      return { key: key.id, scheme, ciphertext: bytes };
    case 'ecdh':
      return {
        key: key.id,
        scheme,
        peerPublicKey: exportSpki(generateKeyPairSync('x25519').publicKey),
      };
    case 'openpgp':
      return { key: key.id, scheme, message: bytes };
  }
}

/** Records a problem unless `result` is a plaintext equal to `expected`. */
function checkPlaintext(
  problems: Problems,
  name: string,
  result: DecryptResult,
  expected: Uint8Array,
) {
  problems.check(
    'plaintext' in result && sameBytes(result.plaintext, expected),
    `${name}: the plaintext differs from what was encrypted`,
  );
}

/**
 * RSA decryption: ciphertexts made by node:crypto `publicEncrypt` (OAEP with each hash the
 * capability lists, default sha256, and once with a label; PKCS#1 v1.5 only when claimed)
 * decrypt to the plaintext.
 *
 * @throws ConformanceError naming every failing case.
 */
export async function checkRsaDecrypt(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  for (const key of await keysForScheme(context, problems, 'rsa-oaep', 'RSA')) {
    const claimed = cipherHashesFor(context.capabilities.decrypt, key, 'rsa-oaep');
    const hashes: readonly HashAlgorithm[] = claimed ?? ['sha256'];
    for (const [index, hash] of hashes.entries()) {
      const label = index === 0 ? randomInput(16) : undefined;
      for (const withLabel of label === undefined ? [undefined] : [undefined, label]) {
        const plaintext = randomInput(32);
        const ciphertext = publicEncrypt(
          {
            key: spkiKeyObject(key.publicKey),
            padding: constants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: hash,
            ...(withLabel === undefined ? {} : { oaepLabel: withLabel }),
          },
          plaintext,
        );
        const request = {
          key: key.id,
          scheme: 'rsa-oaep',
          ciphertext: new Uint8Array(ciphertext),
          hash,
          ...(withLabel === undefined ? {} : { label: withLabel }),
        } as const;
        const name = `key "${key.id}" rsa-oaep ${hash}${withLabel === undefined ? '' : ' with label'}`;
        await decryptAndCompare(context, problems, name, request, plaintext);
      }
    }
  }
  const pkcs1 = context.capabilities.decrypt.some(
    (capability) => capability.scheme === 'rsa-pkcs1v15',
  );
  for (const key of pkcs1 ? await keysForScheme(context, problems, 'rsa-pkcs1v15', 'RSA') : []) {
    const plaintext = randomInput(32);
    const ciphertext = publicEncrypt(
      { key: spkiKeyObject(key.publicKey), padding: constants.RSA_PKCS1_PADDING },
      plaintext,
    );
    const request = {
      key: key.id,
      scheme: 'rsa-pkcs1v15',
      ciphertext: new Uint8Array(ciphertext),
    } as const;
    await decryptAndCompare(context, problems, `key "${key.id}" rsa-pkcs1v15`, request, plaintext);
  }
  problems.throwIfAny('RSA decryption');
}

async function decryptAndCompare(
  context: SuiteContext,
  problems: Problems,
  name: string,
  request: DecryptRequest,
  plaintext: Uint8Array,
): Promise<void> {
  const outcome = await settle(() => context.provider.decrypt(request));
  if (outcome.rejected)
    problems.check(false, `${name}: decrypt rejected with ${describeError(outcome.error)}`);
  else checkPlaintext(problems, name, outcome.value, plaintext);
}

/** A fresh node key pair on the same curve (or of the same Montgomery kind) as `key`. */
export function ephemeralFor(key: KeyInfo): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (key.algorithm.kind) {
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: nodeCurveName(key.algorithm.curve) });
    case 'x25519':
      return generateKeyPairSync('x25519');
    case 'x448':
      return generateKeyPairSync('x448');
    default:
      throw new Error(`key "${key.id}" is not an ECDH key`);
  }
}

/** Field size in bytes of each curve: an uncompressed point is `04‖x‖y`, 1 + 2·size bytes. */
const FIELD_BYTES: Readonly<Record<EcCurve, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  secp256k1: 32,
  brainpoolP256r1: 32,
  brainpoolP384r1: 48,
  brainpoolP512r1: 64,
};

/**
 * The raw form of a public key of `algorithm` given as DER SPKI: the uncompressed point or the
 * u-coordinate, which is the tail of the SPKI's subjectPublicKey BIT STRING (its last element).
 */
export function rawPublicKey(spki: Uint8Array, algorithm: KeyAlgorithm): Uint8Array {
  const length =
    algorithm.kind === 'ec'
      ? 1 + 2 * FIELD_BYTES[algorithm.curve]
      : algorithm.kind === 'x448'
        ? 56
        : 32;
  return spki.slice(spki.length - length);
}

/**
 * ECDH: with an ephemeral node:crypto key on the same curve, `decrypt({ scheme: 'ecdh' })` with
 * the ephemeral public key as DER SPKI and as a raw point yields node's `diffieHellman` secret.
 *
 * @throws ConformanceError naming every failing case.
 */
export async function checkEcdh(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  for (const key of await keysForScheme(context, problems, 'ecdh', 'EC, X25519 or X448')) {
    const ephemeral = ephemeralFor(key);
    const expected = diffieHellman({
      privateKey: ephemeral.privateKey,
      publicKey: spkiKeyObject(key.publicKey),
    });
    const forms = [
      ['SPKI', exportSpki(ephemeral.publicKey)],
      ['raw point', rawPublicKey(exportSpki(ephemeral.publicKey), key.algorithm)],
    ] as const;
    for (const [form, peerPublicKey] of forms) {
      const name = `key "${key.id}" ecdh with a ${form} peer key`;
      const outcome = await settle(() =>
        context.provider.decrypt({ key: key.id, scheme: 'ecdh', peerPublicKey }),
      );
      if (outcome.rejected) {
        problems.check(false, `${name}: decrypt rejected with ${describeError(outcome.error)}`);
        continue;
      }
      const result = outcome.value;
      problems.check(
        result.scheme === 'ecdh' &&
          'sharedSecret' in result &&
          sameBytes(result.sharedSecret, expected),
        `${name}: the shared secret differs from node:crypto diffieHellman`,
      );
    }
  }
  problems.throwIfAny('ECDH');
}
