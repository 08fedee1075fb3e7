import { ECDH, createPublicKey } from 'node:crypto';
import { ProviderError, describePublicKey, type EcCurve } from '@keyroute/core';
import { NODE_CURVE_NAMES, fieldBytes } from './curves.js';

function invalid(message: string, cause?: unknown): ProviderError {
  return new ProviderError('INVALID_INPUT', message, cause === undefined ? {} : { cause });
}

/**
 * The peer's public key of an ECDH request as the uncompressed point `04‖x‖y` that
 * `CKM_ECDH1_DERIVE` takes: from a DER SPKI (its curve must be the key's), an uncompressed
 * point or a compressed one. Every point is checked to be on the curve by node:crypto.
 *
 * @throws ProviderError `INVALID_INPUT` for another curve, a wrong length or a point off the curve.
 */
export function peerPointFor(curve: EcCurve, peer: Uint8Array): Buffer {
  const size = fieldBytes(curve);
  let point: Uint8Array = peer;
  if (peer[0] === 0x30) {
    let peerCurve: string;
    try {
      const algorithm = describePublicKey(peer);
      peerCurve = algorithm.kind === 'ec' ? algorithm.curve : algorithm.kind;
      const key = createPublicKey({ key: Buffer.from(peer), format: 'der', type: 'spki' });
      const jwk = key.export({ format: 'jwk' });
      if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') throw new Error('not an EC key');
      point = Buffer.concat([
        Buffer.of(4),
        Buffer.from(jwk.x, 'base64url'),
        Buffer.from(jwk.y, 'base64url'),
      ]);
    } catch (error) {
      throw invalid('the peer public key is not a valid EC SubjectPublicKeyInfo', error);
    }
    if (peerCurve !== curve) {
      throw invalid(`the peer public key is on ${peerCurve}; the key is on ${curve}`);
    }
  }
  const uncompressed = point.length === 1 + 2 * size && point[0] === 4;
  const compressed = point.length === 1 + size && (point[0] === 2 || point[0] === 3);
  if (!uncompressed && !compressed) {
    throw invalid(
      `the peer public key must be an SPKI or a ${curve} point (${1 + 2 * size} or ${1 + size} bytes); got ${point.length} bytes`,
    );
  }
  try {
    return ECDH.convertKey(
      Buffer.from(point),
      NODE_CURVE_NAMES[curve],
      undefined,
      undefined,
      'uncompressed',
    ) as Buffer;
  } catch (error) {
    throw invalid(`the peer public key is not a point on ${curve}`, error);
  }
}
