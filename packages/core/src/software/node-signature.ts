/**
 * node:crypto's asynchronous sign/verify (run on the libuv thread pool, so big keys do not block
 * the event loop) for resolved parameters over whole messages.
 */
import { constants, sign, verify, type KeyObject } from 'node:crypto';

import type { ResolvedSignParameters } from './sign-parameters.js';

interface NodeKeyInput {
  key: KeyObject;
  padding?: number;
  saltLength?: number;
  dsaEncoding?: 'der' | 'ieee-p1363';
}

function keyInput(key: KeyObject, parameters: ResolvedSignParameters): NodeKeyInput {
  switch (parameters.scheme) {
    case 'pkcs1v15':
      return { key, padding: constants.RSA_PKCS1_PADDING };
    case 'pss':
      // MGF1 uses the signature hash: node's and OpenSSL's default.
      return {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        ...(parameters.saltLength === undefined ? {} : { saltLength: parameters.saltLength }),
      };
    case 'ecdsa':
      return { key, dsaEncoding: parameters.signatureEncoding === 'der' ? 'der' : 'ieee-p1363' };
    case 'eddsa':
      return { key };
  }
}

/** Signs `data` with node:crypto; rejects with node's error when OpenSSL refuses. */
export function nodeSign(
  key: KeyObject,
  parameters: ResolvedSignParameters,
  data: Uint8Array,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sign(parameters.hash ?? null, data, keyInput(key, parameters), (error, signature) => {
      if (error) reject(error);
      else resolve(Uint8Array.from(signature));
    });
  });
}

/** Verifies with node:crypto; resolves false for a bad signature, as node does. */
export function nodeVerify(
  key: KeyObject,
  parameters: ResolvedSignParameters,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    verify(parameters.hash ?? null, data, keyInput(key, parameters), signature, (error, valid) => {
      if (error) reject(error);
      else resolve(valid);
    });
  });
}
