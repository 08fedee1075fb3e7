import { constants, diffieHellman, privateDecrypt, type KeyObject } from 'node:crypto';

import { formatAlgorithm, type HashAlgorithm } from '../contract/algorithms.js';
import type { CallOptions } from '../contract/call-options.js';
import { invalidInput, unsupported } from '../util/errors.js';
import { oaepHash } from './oaep.js';
import { algorithmOfKeyObject, importPeerPublicKey } from './public-key.js';

/**
 * What {@link decryptWithPrivateKey} does. The `rsa-pkcs1v15` and `openpgp` variants exist so a
 * `DecryptRequest` can be passed as it is; both are refused.
 */
export type DecryptWithPrivateKeyRequest =
  | {
      readonly scheme: 'rsa-oaep';
      readonly ciphertext: Uint8Array;
      /** OAEP and MGF1 hash (default `sha256`). */
      readonly hash?: HashAlgorithm;
      /** OAEP label (default empty). */
      readonly label?: Uint8Array;
    }
  | {
      readonly scheme: 'ecdh';
      /** The peer's (ephemeral) public key: DER SPKI, an EC point, or an X25519/X448 u-coordinate. */
      readonly peerPublicKey: Uint8Array;
    }
  | { readonly scheme: 'rsa-pkcs1v15' }
  | { readonly scheme: 'openpgp' };

/** The result of {@link decryptWithPrivateKey}. */
export type DecryptWithPrivateKeyResult =
  | { readonly scheme: 'rsa-oaep'; readonly plaintext: Uint8Array }
  | { readonly scheme: 'ecdh'; readonly sharedSecret: Uint8Array };

// One message for every OAEP failure, so callers cannot tell padding errors apart (RFC 8017 §7.1.2 note).
const OAEP_FAILED =
  'RSA-OAEP decryption failed: the ciphertext, hash or label does not match this key';

/**
 * Decrypts or completes a key agreement with a private node `KeyObject`:
 *
 * - `rsa-oaep`: RSAES-OAEP with `hash` for OAEP and MGF1 (default `sha256`) and `label`;
 * - `ecdh`: node's `diffieHellman` with the peer's public key on the same curve.
 *
 * Throws `INVALID_INPUT` for every OAEP failure with one and the same message, and for a peer key
 * that is malformed, on another curve, or yields no shared secret (X25519/X448 low-order points);
 * `UNSUPPORTED` for `rsa-pkcs1v15` (padding-oracle risk; Node 20 refuses it too), `openpgp`,
 * an unknown scheme or hash, or a key of the wrong type for the scheme. Synchronous work only:
 * an already aborted `signal` rejects with `signal.reason`.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so every failure is a rejection
export async function decryptWithPrivateKey(
  privateKey: KeyObject,
  request: DecryptWithPrivateKeyRequest,
  options?: CallOptions,
): Promise<DecryptWithPrivateKeyResult> {
  options?.signal?.throwIfAborted();
  const algorithm = privateKey.type === 'private' ? algorithmOfKeyObject(privateKey) : undefined;
  if (algorithm === undefined) {
    throw invalidInput(
      `decryptWithPrivateKey needs an RSA, EC, X25519 or X448 private key; got a ${privateKey.type} ${privateKey.asymmetricKeyType ?? 'secret'} key`,
    );
  }
  const name = formatAlgorithm(algorithm);
  switch (request.scheme) {
    case 'rsa-oaep': {
      if (algorithm.kind !== 'rsa') throw unsupported(`rsa-oaep needs an RSA key, not ${name}`);
      const hash = oaepHash(request.hash);
      try {
        const plaintext = privateDecrypt(
          {
            key: privateKey,
            padding: constants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: hash,
            ...(request.label === undefined ? {} : { oaepLabel: request.label }),
          },
          request.ciphertext,
        );
        return { scheme: 'rsa-oaep', plaintext: Uint8Array.from(plaintext) };
      } catch {
        // No cause: OpenSSL's reason would tell padding failures apart.
        throw invalidInput(OAEP_FAILED);
      }
    }
    case 'ecdh': {
      if (algorithm.kind !== 'ec' && algorithm.kind !== 'x25519' && algorithm.kind !== 'x448') {
        throw unsupported(`ecdh needs an EC, X25519 or X448 key, not ${name}`);
      }
      if (!(request.peerPublicKey instanceof Uint8Array)) {
        throw invalidInput('the peer public key must be a Uint8Array');
      }
      const peer = importPeerPublicKey(request.peerPublicKey, algorithm);
      try {
        return {
          scheme: 'ecdh',
          sharedSecret: Uint8Array.from(diffieHellman({ privateKey, publicKey: peer.key })),
        };
      } catch (error) {
        throw invalidInput(`${name} key agreement with the peer public key failed`, error);
      }
    }
    case 'rsa-pkcs1v15':
      throw unsupported(
        'rsa-pkcs1v15 decryption is refused in software (padding-oracle risk); use rsa-oaep',
      );
    case 'openpgp':
      throw unsupported('openpgp decryption is done by an OpenPGP provider, not by core');
    default: {
      const scheme: unknown = (request as { scheme: unknown }).scheme;
      throw unsupported(`unknown decryption scheme ${String(scheme)}; use rsa-oaep or ecdh`);
    }
  }
}
