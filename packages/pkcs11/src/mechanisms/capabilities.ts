import { HASH_ALGORITHMS, type HashAlgorithm, type ProviderCapabilities } from '@keyroute/core';
import { CKF, CKM } from '../native/constants.js';
import { PARAMETER_HASHES } from './mechanism-table.js';

/** A mechanism and the `CK_MECHANISM_INFO.flags` the token reports for it. */
export type MechanismFlags = ReadonlyMap<number, number>;

/** What the capabilities depend on besides the mechanism list. */
export interface CapabilityOptions {
  /** OAEP hashes the module's `CKM_RSA_PKCS_OAEP` accepts (mechanism info cannot say). */
  readonly oaepHashes: readonly HashAlgorithm[];
  /** Offer RSA PKCS#1 v1.5 decryption (off by default: padding-oracle risk). */
  readonly allowPkcs1v15Decrypt: boolean;
}

/** True when the token does raw RSA decryption (`CKM_RSA_X_509`). */
export function hasRawRsaDecrypt(mechanisms: MechanismFlags): boolean {
  return has(mechanisms, CKM.RSA_X_509, CKF.MECHANISM_DECRYPT);
}

function has(mechanisms: MechanismFlags, mechanism: number, flag: number): boolean {
  return ((mechanisms.get(mechanism) ?? 0) & flag) !== 0;
}

/**
 * The provider's capabilities from the token's mechanisms (`C_GetMechanismList` and
 * `C_GetMechanismInfo`): keyroute hashes in software and signs digests with the raw mechanisms
 * (`CKM_RSA_PKCS` over a DigestInfo, `CKM_RSA_PKCS_PSS`, `CKM_ECDSA`), so every hash is
 * available wherever the raw mechanism is; EdDSA (`CKM_EDDSA`) signs whole messages. Verify and
 * encrypt are done in software from the public key (core).
 */
export function pkcs11Capabilities(
  mechanisms: MechanismFlags,
  options: CapabilityOptions,
): ProviderCapabilities {
  const sign: ProviderCapabilities['sign'][number][] = [];
  const digestHashes: readonly HashAlgorithm[] = HASH_ALGORITHMS;
  if (has(mechanisms, CKM.RSA_PKCS, CKF.MECHANISM_SIGN)) {
    sign.push({
      scheme: 'pkcs1v15',
      algorithms: ['rsa'],
      hashes: digestHashes,
      inputs: ['data', 'digest'],
      formats: ['raw'],
    });
  }
  if (has(mechanisms, CKM.RSA_PKCS_PSS, CKF.MECHANISM_SIGN)) {
    sign.push({
      scheme: 'pss',
      algorithms: ['rsa'],
      hashes: PARAMETER_HASHES,
      inputs: ['data', 'digest'],
      formats: ['raw'],
    });
  }
  if (has(mechanisms, CKM.ECDSA, CKF.MECHANISM_SIGN)) {
    sign.push({
      scheme: 'ecdsa',
      algorithms: ['ec'],
      hashes: digestHashes,
      inputs: ['data', 'digest'],
      formats: ['raw'],
      signatureEncodings: ['p1363', 'der'],
    });
  }
  if (has(mechanisms, CKM.EDDSA, CKF.MECHANISM_SIGN)) {
    sign.push({
      scheme: 'eddsa',
      algorithms: ['ed25519', 'ed448'],
      hashes: [],
      inputs: ['data'],
      formats: ['raw'],
    });
  }
  const nativeOaep =
    has(mechanisms, CKM.RSA_PKCS_OAEP, CKF.MECHANISM_DECRYPT) && options.oaepHashes.length > 0;
  // With raw RSA (CKM_RSA_X_509) keyroute decodes OAEP itself, for every hash and label.
  const rawRsa = hasRawRsaDecrypt(mechanisms);
  const oaep = nativeOaep || rawRsa;
  const oaepHashes = rawRsa ? HASH_ALGORITHMS : options.oaepHashes;
  const ecdh = has(mechanisms, CKM.ECDH1_DERIVE, CKF.MECHANISM_DERIVE);
  const pkcs1v15 =
    options.allowPkcs1v15Decrypt && has(mechanisms, CKM.RSA_PKCS, CKF.MECHANISM_DECRYPT);
  return {
    sign,
    decrypt: [
      ...(oaep
        ? [
            {
              scheme: 'rsa-oaep' as const,
              algorithms: ['rsa' as const],
              hashes: oaepHashes,
            },
          ]
        : []),
      ...(pkcs1v15 ? [{ scheme: 'rsa-pkcs1v15' as const, algorithms: ['rsa' as const] }] : []),
      ...(ecdh ? [{ scheme: 'ecdh' as const, algorithms: ['ec' as const] }] : []),
    ],
    encrypt: [
      {
        scheme: 'rsa-oaep',
        algorithms: ['rsa'],
        hashes: oaep ? oaepHashes : PARAMETER_HASHES,
      },
      { scheme: 'ecdh', algorithms: ['ec'] },
    ],
    verifyFormats: [],
    certificates: true,
  };
}
