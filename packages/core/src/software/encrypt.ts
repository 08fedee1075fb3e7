import {
  constants,
  diffieHellman,
  generateKeyPair,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';

import { formatAlgorithm, type HashAlgorithm, type KeyAlgorithm } from '../contract/algorithms.js';
import type { CallOptions } from '../contract/call-options.js';
import { ErrorCode, ProviderError } from '../contract/errors.js';
import { raceAbort } from '../util/abort.js';
import { invalidInput, unsupported } from '../util/errors.js';
import { EC_CURVE_PARAMETERS } from '../encoding/ec-curves.js';
import { maxOaepPlaintextLength, oaepHash } from './oaep.js';
import { importPublicKey } from './public-key.js';

/**
 * What {@link encryptToPublicKey} does. The `openpgp` variant exists so an `EncryptRequest` can
 * be passed as it is; it is refused.
 */
export type EncryptToPublicKeyRequest =
  | {
      readonly scheme: 'rsa-oaep';
      readonly plaintext: Uint8Array;
      /** OAEP and MGF1 hash (default `sha256`). */
      readonly hash?: HashAlgorithm;
      /** OAEP label (default empty). */
      readonly label?: Uint8Array;
    }
  | { readonly scheme: 'ecdh' }
  | { readonly scheme: 'openpgp' };

/** The result of {@link encryptToPublicKey}. */
export type EncryptToPublicKeyResult =
  | { readonly scheme: 'rsa-oaep'; readonly ciphertext: Uint8Array }
  | {
      readonly scheme: 'ecdh';
      /** The ephemeral public key to send to the recipient, DER SPKI. */
      readonly ephemeralPublicKey: Uint8Array;
      /** The raw ECDH output (x-coordinate / X25519 or X448 output); derive keys from it with a KDF. */
      readonly sharedSecret: Uint8Array;
    };

/**
 * Encrypts to, or agrees a secret with, a public key (DER SPKI) in software:
 *
 * - `rsa-oaep`: RSAES-OAEP with `hash` for OAEP and MGF1 (default `sha256`) and `label`;
 * - `ecdh`: generates an ephemeral key pair on the recipient's curve (NIST, secp256k1, Brainpool,
 *   X25519, X448) off the event loop and returns its public key with the shared secret.
 *
 * Throws `INVALID_INPUT` for a malformed public key or a plaintext longer than the key takes (the
 * message says the maximum); `UNSUPPORTED` for `openpgp` (not core's job), an unknown scheme or
 * hash, a key of the wrong type for the scheme, or an RSA key too small for the OAEP hash.
 * An aborted `signal` rejects with `signal.reason`, before any work or during key generation.
 */
export async function encryptToPublicKey(
  publicKey: Uint8Array,
  request: EncryptToPublicKeyRequest,
  options?: CallOptions,
): Promise<EncryptToPublicKeyResult> {
  const signal = options?.signal;
  signal?.throwIfAborted();
  const { key, algorithm } = importPublicKey(publicKey);
  const name = formatAlgorithm(algorithm);
  switch (request.scheme) {
    case 'rsa-oaep': {
      if (algorithm.kind !== 'rsa') throw unsupported(`rsa-oaep needs an RSA key, not ${name}`);
      const hash = oaepHash(request.hash);
      const max = maxOaepPlaintextLength(hash, algorithm.bits);
      if (max < 0) throw unsupported(`${name} is too small for OAEP with ${hash}`);
      if (!(request.plaintext instanceof Uint8Array)) {
        throw invalidInput('the plaintext must be a Uint8Array');
      }
      if (request.plaintext.length > max) {
        throw invalidInput(
          `the plaintext is ${request.plaintext.length} bytes; ${name} with OAEP-${hash} takes at most ${max}`,
        );
      }
      const ciphertext = publicEncrypt(
        {
          key,
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: hash,
          ...(request.label === undefined ? {} : { oaepLabel: request.label }),
        },
        request.plaintext,
      );
      return { scheme: 'rsa-oaep', ciphertext: Uint8Array.from(ciphertext) };
    }
    case 'ecdh': {
      if (algorithm.kind !== 'ec' && algorithm.kind !== 'x25519' && algorithm.kind !== 'x448') {
        throw unsupported(`ecdh needs an EC, X25519 or X448 key, not ${name}`);
      }
      const ephemeral = await raceAbort(generateEphemeral(algorithm), signal);
      const sharedSecret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: key });
      const spki = ephemeral.publicKey.export({ format: 'der', type: 'spki' });
      return {
        scheme: 'ecdh',
        ephemeralPublicKey: Uint8Array.from(spki),
        sharedSecret: Uint8Array.from(sharedSecret),
      };
    }
    case 'openpgp':
      throw unsupported('openpgp encryption is done by an OpenPGP provider, not by core');
    default: {
      const scheme: unknown = (request as { scheme: unknown }).scheme;
      throw unsupported(`unknown encryption scheme ${String(scheme)}; use rsa-oaep or ecdh`);
    }
  }
}

interface KeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

function generateEphemeral(
  algorithm: Extract<KeyAlgorithm, { kind: 'ec' | 'x25519' | 'x448' }>,
): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) {
        reject(
          new ProviderError(
            ErrorCode.INTERNAL,
            `generating an ephemeral ${formatAlgorithm(algorithm)} key failed`,
            {
              cause: error,
            },
          ),
        );
      } else resolve({ publicKey, privateKey });
    };
    if (algorithm.kind === 'ec') {
      generateKeyPair('ec', { namedCurve: EC_CURVE_PARAMETERS[algorithm.curve].opensslName }, done);
    } else if (algorithm.kind === 'x25519') {
      generateKeyPair('x25519', {}, done);
    } else {
      generateKeyPair('x448', {}, done);
    }
  });
}
