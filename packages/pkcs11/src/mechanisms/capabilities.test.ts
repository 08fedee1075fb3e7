import { HASH_ALGORITHMS } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { CKF, CKM } from '../native/constants.js';
import { pkcs11Capabilities } from './capabilities.js';

const options = { oaepHashes: ['sha1'] as const, allowPkcs1v15Decrypt: false };

describe('capabilities follow the token mechanisms', () => {
  it('a trust store without mechanisms can do nothing but list', () => {
    const capabilities = pkcs11Capabilities(new Map(), options);
    expect(capabilities.sign).toEqual([]);
    expect(capabilities.decrypt).toEqual([]);
    expect(capabilities.certificates).toBe(true);
  });

  it('raw mechanisms with the sign flag give every hash; OAEP with raw RSA gives every hash', () => {
    const capabilities = pkcs11Capabilities(
      new Map([
        [CKM.RSA_PKCS, CKF.MECHANISM_SIGN | CKF.MECHANISM_DECRYPT],
        [CKM.RSA_X_509, CKF.MECHANISM_DECRYPT],
        [CKM.RSA_PKCS_OAEP, CKF.MECHANISM_DECRYPT],
        [CKM.ECDSA, CKF.MECHANISM_SIGN],
        [CKM.ECDH1_DERIVE, CKF.MECHANISM_DERIVE],
        [CKM.EDDSA, CKF.MECHANISM_VERIFY],
      ]),
      options,
    );
    expect(capabilities.sign.map((entry) => entry.scheme)).toEqual(['pkcs1v15', 'ecdsa']);
    expect(capabilities.sign[0]?.hashes).toEqual(HASH_ALGORITHMS);
    expect(capabilities.decrypt.map((entry) => entry.scheme)).toEqual(['rsa-oaep', 'ecdh']);
    expect(capabilities.decrypt[0]?.hashes).toEqual(HASH_ALGORITHMS);
  });

  it('without raw RSA, OAEP hashes are the module’s; PKCS#1 v1.5 decryption only when allowed', () => {
    const mechanisms = new Map([
      [CKM.RSA_PKCS, CKF.MECHANISM_DECRYPT],
      [CKM.RSA_PKCS_OAEP, CKF.MECHANISM_DECRYPT],
    ]);
    expect(pkcs11Capabilities(mechanisms, options).decrypt).toEqual([
      { scheme: 'rsa-oaep', algorithms: ['rsa'], hashes: ['sha1'] },
    ]);
    const allowed = pkcs11Capabilities(mechanisms, { ...options, allowPkcs1v15Decrypt: true });
    expect(allowed.decrypt.map((entry) => entry.scheme)).toEqual(['rsa-oaep', 'rsa-pkcs1v15']);
  });
});
