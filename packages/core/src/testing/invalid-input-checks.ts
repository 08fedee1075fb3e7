import { generateKeyPairSync } from 'node:crypto';
import { HASH_LENGTHS } from '../contract/algorithms.js';
import type { KeyInfo } from '../contract/keys.js';
import type { SignRequest } from '../contract/requests.js';
import type { SuiteContext } from './context.js';
import { exportSpki, randomInput } from './node-crypto.js';
import { Problems } from './problems.js';
import { cipherCapabilityFor, keysFor } from './schemes.js';

/** An ECDH peer key on another curve than the key's. */
function foreignPeer(key: KeyInfo): Uint8Array {
  const pair =
    key.algorithm.kind === 'ec'
      ? generateKeyPairSync('x25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return exportSpki(pair.publicKey);
}

/**
 * Malformed requests are `INVALID_INPUT`: a digest of the wrong length, data over
 * `maxDataLength`, a sign request with neither data nor digest, an OAEP ciphertext that is
 * noise, an ECDH peer key on another curve, an OpenPGP message that is noise.
 *
 * @throws ConformanceError naming every call that answered otherwise, or when no claim lets
 *   the suite build a malformed request.
 */
export async function checkInvalidInput(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  const { provider, capabilities } = context;
  const invalid = ['INVALID_INPUT'] as const;
  const signers = keysFor(context.keys, 'sign');
  for (const capability of capabilities.sign.filter((c) => c.formats.includes('raw'))) {
    const key = signers.find((candidate) =>
      capability.algorithms.includes(candidate.algorithm.kind),
    );
    if (key === undefined) continue;
    const [hash] = capability.hashes;
    const hashed = capability.scheme === 'eddsa' || hash === undefined ? {} : { hash };
    const base = { key: key.id, scheme: capability.scheme, ...hashed };
    if (capability.inputs.includes('digest') && hash !== undefined) {
      const digest = randomInput(HASH_LENGTHS[hash] - 1);
      const short = { ...base, hash, digest };
      await problems.expectCode(
        `sign(${capability.scheme}) with a ${digest.length}-byte ${hash} digest`,
        () => provider.sign(short),
        invalid,
      );
    }
    if (capability.maxDataLength !== undefined) {
      const data = randomInput(capability.maxDataLength + 1);
      await problems.expectCode(
        `sign(${capability.scheme}) with data over maxDataLength`,
        () => provider.sign({ ...base, data }),
        invalid,
      );
    }
    const neither = { ...base } as unknown as SignRequest;
    await problems.expectCode(
      `sign(${capability.scheme}) with neither data nor digest`,
      () => provider.sign(neither),
      invalid,
    );
  }
  for (const key of keysFor(context.keys, 'decrypt')) {
    if (
      cipherCapabilityFor(capabilities.decrypt, key, 'rsa-oaep') &&
      key.algorithm.kind === 'rsa'
    ) {
      const ciphertext = randomInput(key.algorithm.bits / 8);
      ciphertext[0] = 0; // below the modulus, so only the OAEP padding check can fail
      await problems.expectCode(
        `decrypt(rsa-oaep) of noise with key "${key.id}"`,
        () => provider.decrypt({ key: key.id, scheme: 'rsa-oaep', ciphertext }),
        invalid,
      );
    }
    if (cipherCapabilityFor(capabilities.decrypt, key, 'ecdh')) {
      const peerPublicKey = foreignPeer(key);
      await problems.expectCode(
        `decrypt(ecdh) with key "${key.id}" and a peer key on another curve`,
        () => provider.decrypt({ key: key.id, scheme: 'ecdh', peerPublicKey }),
        invalid,
      );
    }
    if (cipherCapabilityFor(capabilities.decrypt, key, 'openpgp')) {
      const message = randomInput(64);
      await problems.expectCode(
        `decrypt(openpgp) of noise with key "${key.id}"`,
        () => provider.decrypt({ key: key.id, scheme: 'openpgp', message }),
        invalid,
      );
    }
  }
  if (problems.cases === 0) {
    problems.add(
      'no claimed capability applies to a listed key, so no malformed request could be checked',
    );
  }
  problems.throwIfAny('malformed requests must be INVALID_INPUT');
}
