import type { EncryptScheme } from '../contract/algorithms.js';
import type { KeyInfo } from '../contract/keys.js';
import type { DecryptRequest, EncryptRequest, EncryptResult } from '../contract/requests.js';
import type { SuiteContext } from './context.js';
import {
  nodeKeyAlgorithm,
  randomInput,
  sameAlgorithm,
  sameBytes,
  spkiKeyObject,
} from './node-crypto.js';
import { describeError, Problems, settle } from './problems.js';
import { cipherCapabilityFor, cipherHashesFor, keysFor } from './schemes.js';

/** The request pair of one round trip, and what the decryption must give back. */
interface RoundTrip {
  readonly encrypt: EncryptRequest;
  /** Builds the decryption from the encryption's result. */
  readonly decrypt: (result: EncryptResult) => DecryptRequest | string;
  /** What must come back: the plaintext, or the secret `encrypt` agreed. */
  readonly expected: (result: EncryptResult) => Uint8Array | undefined;
}

function roundTrip(context: SuiteContext, key: KeyInfo, scheme: EncryptScheme): RoundTrip {
  const plaintext = randomInput(32);
  switch (scheme) {
    case 'rsa-oaep': {
      const encryptHashes = cipherHashesFor(context.capabilities.encrypt, key, scheme) ?? [
        'sha256',
      ];
      const decryptHashes = cipherHashesFor(context.capabilities.decrypt, key, scheme) ?? [
        'sha256',
      ];
      const hash = encryptHashes.find((candidate) => decryptHashes.includes(candidate)) ?? 'sha256';
      return {
        encrypt: { key: key.id, scheme, plaintext, hash },
        decrypt: (result) =>
          'ciphertext' in result
            ? { key: key.id, scheme, ciphertext: result.ciphertext, hash }
            : 'no ciphertext',
        expected: () => plaintext,
      };
    }
    case 'ecdh':
      return {
        encrypt: { key: key.id, scheme },
        decrypt: (result) => {
          if (!('ephemeralPublicKey' in result)) return 'no ephemeralPublicKey';
          const ephemeral = nodeKeyAlgorithm(spkiKeyObject(result.ephemeralPublicKey));
          if (typeof ephemeral === 'string' || !sameAlgorithm(ephemeral, key.algorithm)) {
            return `the ephemeral public key is not a ${key.algorithm.kind} SPKI like the key's`;
          }
          return { key: key.id, scheme, peerPublicKey: result.ephemeralPublicKey };
        },
        expected: (result) => ('sharedSecret' in result ? result.sharedSecret : undefined),
      };
    case 'openpgp':
      return {
        encrypt: { key: key.id, scheme, plaintext, armor: false },
        decrypt: (result) =>
          'ciphertext' in result
            ? { key: key.id, scheme, message: result.ciphertext }
            : 'no ciphertext',
        expected: () => plaintext,
      };
  }
}

/**
 * `encrypt` then `decrypt` through the provider gives back the plaintext (or, for ECDH, the
 * secret `encrypt` agreed), for every key that may decrypt and every scheme claimed for both.
 * When no encryption is claimed, `encrypt` is `UNSUPPORTED`.
 *
 * @throws ConformanceError naming every failing case.
 */
export async function checkEncryptRoundTrip(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  const { capabilities, provider } = context;
  for (const key of keysFor(context.keys, 'decrypt')) {
    for (const { scheme } of capabilities.encrypt) {
      if (!cipherCapabilityFor(capabilities.encrypt, key, scheme)) continue;
      if (!cipherCapabilityFor(capabilities.decrypt, key, scheme)) continue;
      const name = `key "${key.id}" ${scheme} encrypt → decrypt`;
      const trip = roundTrip(context, key, scheme);
      const encrypted = await settle(() => provider.encrypt(trip.encrypt));
      if (encrypted.rejected) {
        problems.check(false, `${name}: encrypt rejected with ${describeError(encrypted.error)}`);
        continue;
      }
      if (encrypted.value.scheme !== scheme || encrypted.value.key.id !== key.id) {
        problems.add(
          `${name}: encrypt answered scheme ${encrypted.value.scheme} for key "${encrypted.value.key.id}"`,
        );
      }
      const request = trip.decrypt(encrypted.value);
      if (typeof request === 'string') {
        problems.check(false, `${name}: ${request}`);
        continue;
      }
      const decrypted = await settle(() => provider.decrypt(request));
      const expected = trip.expected(encrypted.value);
      if (decrypted.rejected) {
        problems.check(false, `${name}: decrypt rejected with ${describeError(decrypted.error)}`);
      } else {
        const result = decrypted.value;
        const got = 'plaintext' in result ? result.plaintext : result.sharedSecret;
        problems.check(
          expected !== undefined && sameBytes(got, expected),
          `${name}: decrypt gave back other bytes`,
        );
      }
    }
  }
  if (problems.cases === 0) await noRoundTrip(context, problems);
  problems.throwIfAny('encrypt → decrypt round trips');
}

/** No round trip ran: either nothing is claimed (then encrypt must refuse) or no key fits. */
async function noRoundTrip(context: SuiteContext, problems: Problems): Promise<void> {
  const [claimed] = context.capabilities.encrypt;
  const key = context.keys[0];
  if (claimed === undefined && key !== undefined) {
    await problems.expectCode(
      `encryption is not claimed, so encrypt(rsa-oaep) to key "${key.id}"`,
      () =>
        context.provider.encrypt({
          key: key.id,
          scheme: 'rsa-oaep',
          plaintext: new Uint8Array(16),
        }),
      ['UNSUPPORTED'],
    );
  } else if (claimed !== undefined && context.capabilities.decrypt.length > 0) {
    problems.add(
      'encryption and decryption are claimed but no listed key with usage decrypt fits a scheme claimed for both: give the test backend one',
    );
  }
}
