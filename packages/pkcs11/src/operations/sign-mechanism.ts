import { createHash } from 'node:crypto';
import { encodeDigestInfo, ProviderError, type ResolvedSignParameters } from '@keyroute/core';
import type { Mechanism, RsaPSS } from 'pkcs11js';
import { CK_PARAMS, CKM } from '../native/constants.js';
import { PKCS11_HASHES } from '../mechanisms/mechanism-table.js';

/** What to hand to `C_SignInit` and `C_Sign`. */
export interface SignPlan {
  readonly mechanism: Mechanism;
  /** The bytes the mechanism signs: a DigestInfo, a digest, or the message (EdDSA). */
  readonly input: Buffer;
}

/** The bytes as a Buffer without copying them (pkcs11js takes Buffers; the caller's bytes are only read). */
function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function digestOf(parameters: ResolvedSignParameters): Buffer {
  const { input, hash } = parameters;
  if (input.kind === 'digest') return bufferView(input.digest);
  if (hash === undefined) throw new ProviderError('INTERNAL', 'a hash is needed to sign data');
  return createHash(hash).update(input.data).digest();
}

/**
 * Chooses the raw mechanism for a resolved request; keyroute hashes in software so that one
 * mechanism serves every hash and both `data` and `digest` inputs:
 * `CKM_RSA_PKCS` over the DER DigestInfo, `CKM_RSA_PKCS_PSS` over the digest (hash, MGF1 with
 * the same hash, salt length), `CKM_ECDSA` over the digest, `CKM_EDDSA` over the message.
 */
export function planSignature(parameters: ResolvedSignParameters): SignPlan {
  switch (parameters.scheme) {
    case 'pkcs1v15': {
      const hash = parameters.hash ?? 'sha256';
      return {
        mechanism: { mechanism: CKM.RSA_PKCS },
        input: bufferView(encodeDigestInfo(hash, digestOf(parameters))),
      };
    }
    case 'pss': {
      const hash = parameters.hash ?? 'sha256';
      const names = PKCS11_HASHES[hash];
      if (names === undefined) {
        throw new ProviderError('UNSUPPORTED', `PKCS#11 PSS cannot name ${hash}`);
      }
      const parameter: RsaPSS = {
        type: CK_PARAMS.RSA_PSS,
        hashAlg: names.hash,
        mgf: names.mgf,
        saltLen: parameters.saltLength ?? 0,
      };
      return {
        mechanism: { mechanism: CKM.RSA_PKCS_PSS, parameter },
        input: digestOf(parameters),
      };
    }
    case 'ecdsa':
      return { mechanism: { mechanism: CKM.ECDSA }, input: digestOf(parameters) };
    case 'eddsa': {
      if (parameters.input.kind !== 'data') {
        throw new ProviderError('UNSUPPORTED', 'EdDSA signs whole messages only');
      }
      return { mechanism: { mechanism: CKM.EDDSA }, input: bufferView(parameters.input.data) };
    }
  }
}
