import type { ProviderCapabilities } from '@keyroute/core';
import { OAEP_HASHES } from './decrypt.js';
import { AGENT_HASHES, EDDSA_MAX_DATA_LENGTH } from './sign.js';

/**
 * What a gpg-agent provider can do (static). PSS is absent (agent 2.2 ignores `--pss`), EdDSA
 * signs at most 64 bytes of data in raw form (the agent takes the message as a hash), CMS is
 * made by gpgsm with RSA keys only.
 */
export function gpgAgentCapabilities(allowPkcs1v15Decrypt: boolean): ProviderCapabilities {
  return {
    sign: [
      {
        scheme: 'pkcs1v15',
        algorithms: ['rsa'],
        hashes: AGENT_HASHES,
        inputs: ['data', 'digest'],
        formats: ['raw', 'openpgp', 'cms'],
      },
      {
        scheme: 'ecdsa',
        algorithms: ['ec'],
        hashes: AGENT_HASHES,
        inputs: ['data', 'digest'],
        formats: ['raw', 'openpgp'],
        signatureEncodings: ['p1363', 'der'],
      },
      {
        scheme: 'eddsa',
        algorithms: ['ed25519'],
        hashes: ['sha256', 'sha384', 'sha512'],
        inputs: ['data'],
        formats: ['raw'],
        maxDataLength: EDDSA_MAX_DATA_LENGTH,
      },
      // gpg hashes the data itself, so OpenPGP signatures take data of any length.
      {
        scheme: 'eddsa',
        algorithms: ['ed25519'],
        hashes: [],
        inputs: ['data'],
        formats: ['openpgp'],
      },
    ],
    decrypt: [
      { scheme: 'rsa-oaep', algorithms: ['rsa'], hashes: OAEP_HASHES },
      ...(allowPkcs1v15Decrypt
        ? [{ scheme: 'rsa-pkcs1v15' as const, algorithms: ['rsa' as const] }]
        : []),
      { scheme: 'ecdh', algorithms: ['ec', 'x25519'] },
      { scheme: 'openpgp', algorithms: ['rsa', 'ec', 'x25519'] },
    ],
    encrypt: [
      { scheme: 'rsa-oaep', algorithms: ['rsa'], hashes: OAEP_HASHES },
      { scheme: 'ecdh', algorithms: ['ec', 'x25519'] },
      { scheme: 'openpgp', algorithms: ['rsa', 'ec', 'x25519'] },
    ],
    verifyFormats: ['openpgp', 'cms'],
    certificates: true,
  };
}
