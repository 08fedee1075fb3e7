import type { KeyObject } from 'node:crypto';

import { formatAlgorithm, type KeyAlgorithm } from '../contract/algorithms.js';
import type { CallOptions } from '../contract/call-options.js';
import { ErrorCode, ProviderError, isProviderError } from '../contract/errors.js';
import { raceAbort } from '../util/abort.js';
import { ecPrivateScalar } from './ec-private-key.js';
import { signEcdsaDigest } from './ecdsa-digest.js';
import { ecdsaP1363ToDer } from './ecdsa-encoding.js';
import { invalidInput } from '../util/errors.js';
import { nodeSign } from './node-signature.js';
import { algorithmOfKeyObject, sameAlgorithm } from './public-key.js';
import { signRsaPkcs1v15Digest, signRsaPssDigest } from './rsa-digest.js';
import { resolveSignParameters, type SignParametersRequest } from './sign-parameters.js';

/**
 * Signs with a private node `KeyObject` of `algorithm`, for providers that hold software keys.
 *
 * - over `data`: node:crypto's asynchronous sign (off the event loop);
 * - RSA over `digest`: DigestInfo‖digest through node's raw `privateEncrypt` (PKCS #1 v1.5), or
 *   EMSA-PSS-ENCODE plus raw RSA through `privateDecrypt` without padding (PSS);
 * - ECDSA over `digest`: bigint arithmetic with RFC 6979 deterministic nonces. That path is
 *   NOT constant-time (timing depends on the nonce and the key) and is meant for the reference
 *   and test providers; production keys should sign over data or in their backend.
 *
 * Returns the raw signature (ECDSA as P1363 or DER per `signatureEncoding`). Throws
 * `INVALID_INPUT` when `privateKey` is not a private key of `algorithm`, `INTERNAL` when node
 * fails to sign, and whatever {@link resolveSignParameters} throws. An aborted `signal` rejects
 * with `signal.reason`, before any work or while node's sign is still running.
 */
export async function signWithPrivateKey(
  privateKey: KeyObject,
  algorithm: KeyAlgorithm,
  request: SignParametersRequest,
  options?: CallOptions,
): Promise<Uint8Array> {
  const signal = options?.signal;
  signal?.throwIfAborted();
  const actual = privateKey.type === 'private' ? algorithmOfKeyObject(privateKey) : undefined;
  if (actual === undefined || !sameAlgorithm(actual, algorithm)) {
    const got =
      actual === undefined ? (privateKey.asymmetricKeyType ?? 'secret') : formatAlgorithm(actual);
    throw invalidInput(
      `signWithPrivateKey needs a ${formatAlgorithm(algorithm)} private key; got a ${privateKey.type} ${got} key`,
    );
  }
  const parameters = resolveSignParameters(algorithm, request);
  const { input, hash } = parameters;
  try {
    if (input.kind === 'data') {
      return await raceAbort(nodeSign(privateKey, parameters, input.data), signal);
    }
    // resolveSignParameters gives every digest a hash and a PSS salt length.
    if (hash === undefined) throw new TypeError('digest without hash');
    switch (algorithm.kind) {
      case 'rsa':
        return parameters.scheme === 'pss'
          ? signRsaPssDigest(
              privateKey,
              algorithm.bits,
              hash,
              parameters.saltLength ?? 0,
              input.digest,
            )
          : signRsaPkcs1v15Digest(privateKey, hash, input.digest);
      case 'ec': {
        const p1363 = signEcdsaDigest(
          algorithm.curve,
          ecPrivateScalar(privateKey),
          input.digest,
          hash,
        );
        return parameters.signatureEncoding === 'der' ? ecdsaP1363ToDer(p1363) : p1363;
      }
      default:
        throw new TypeError(`no digest signing for ${algorithm.kind}`);
    }
  } catch (error) {
    if (isProviderError(error) || (signal?.aborted === true && error === signal.reason)) {
      throw error;
    }
    const message = `signing with a ${formatAlgorithm(algorithm)} key failed`;
    throw new ProviderError(ErrorCode.INTERNAL, message, { cause: error });
  }
}
