import { HASH_ALGORITHMS, ProviderError, decodeOaep, type HashAlgorithm } from '@keyroute/core';
import type { Mechanism, RsaOAEP } from 'pkcs11js';
import { PKCS11_HASHES } from '../mechanisms/mechanism-table.js';
import { CK_PARAMS, CKM, CKZ_DATA_SPECIFIED } from '../native/constants.js';

/** How the token decrypts RSA: which OAEP it does natively, and whether it does raw RSA. */
export interface RsaDecryptAbilities {
  /** Hashes the module's `CKM_RSA_PKCS_OAEP` takes. */
  readonly oaepHashes: readonly HashAlgorithm[];
  /** Whether the module's OAEP honours a label (SoftHSM 2.6 fails with one). */
  readonly oaepLabels: boolean;
  /** Whether `CKM_RSA_X_509` (raw RSA) decrypts: keyroute then decodes OAEP itself. */
  readonly raw: boolean;
}

/** The mechanism to run and how to turn its output into the plaintext. */
export interface RsaDecryptPlan {
  readonly mechanism: Mechanism;
  readonly decode: (output: Uint8Array) => Uint8Array;
}

const asIs = (output: Uint8Array): Uint8Array => output;

/**
 * Chooses how to decrypt RSA-OAEP: the module's own `CKM_RSA_PKCS_OAEP` when it takes the hash
 * (and the label), else raw RSA (`CKM_RSA_X_509`) followed by core's constant-time OAEP
 * decoding, which takes every hash and label.
 *
 * @throws ProviderError `UNSUPPORTED` when neither way can serve the request.
 */
export function planOaepDecrypt(
  abilities: RsaDecryptAbilities,
  hash: HashAlgorithm,
  label: Uint8Array | undefined,
  modulusBytes: number,
): RsaDecryptPlan {
  const names = PKCS11_HASHES[hash];
  const hasLabel = label !== undefined && label.length > 0;
  if (
    names !== undefined &&
    abilities.oaepHashes.includes(hash) &&
    (!hasLabel || abilities.oaepLabels)
  ) {
    const parameter: RsaOAEP = {
      type: CK_PARAMS.RSA_OAEP,
      hashAlg: names.hash,
      mgf: names.mgf,
      source: CKZ_DATA_SPECIFIED,
      ...(hasLabel ? { sourceData: Buffer.from(label) } : {}),
    };
    return { mechanism: { mechanism: CKM.RSA_PKCS_OAEP, parameter }, decode: asIs };
  }
  if (abilities.raw && (HASH_ALGORITHMS as readonly string[]).includes(hash)) {
    return {
      mechanism: { mechanism: CKM.RSA_X_509 },
      decode: (output) => decodeOaep(output, modulusBytes, hash, label),
    };
  }
  const hashes = abilities.oaepHashes.join(', ');
  throw new ProviderError(
    'UNSUPPORTED',
    hasLabel && abilities.oaepHashes.includes(hash)
      ? 'OAEP labels are not supported by this PKCS#11 module'
      : `OAEP on this token takes ${hashes === '' ? 'no hash' : hashes}; not ${hash}`,
  );
}

/** RSA PKCS#1 v1.5 decryption by the module (only when the provider allows it). */
export const PKCS1V15_DECRYPT: RsaDecryptPlan = {
  mechanism: { mechanism: CKM.RSA_PKCS },
  decode: asIs,
};
