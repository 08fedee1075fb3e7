import { HASH_ALGORITHMS } from '../contract/algorithms.js';
import type { ProviderCapabilities } from '../contract/capabilities.js';

/**
 * The memory provider's capabilities: exactly what core's software helpers do with private
 * `KeyObject`s (every hash for PKCS #1 v1.5, PSS and ECDSA over data or digests; EdDSA over
 * data only; OAEP with the SHA-1/SHA-2 hashes; ECDH on every curve; nothing else).
 */
export const MEMORY_CAPABILITIES: ProviderCapabilities = {
  sign: [
    {
      scheme: 'pkcs1v15',
      algorithms: ['rsa'],
      hashes: HASH_ALGORITHMS,
      inputs: ['data', 'digest'],
      formats: ['raw'],
    },
    {
      scheme: 'pss',
      algorithms: ['rsa'],
      hashes: HASH_ALGORITHMS,
      inputs: ['data', 'digest'],
      formats: ['raw'],
    },
    {
      scheme: 'ecdsa',
      algorithms: ['ec'],
      hashes: HASH_ALGORITHMS,
      inputs: ['data', 'digest'],
      formats: ['raw'],
      signatureEncodings: ['p1363', 'der'],
    },
    {
      scheme: 'eddsa',
      algorithms: ['ed25519', 'ed448'],
      hashes: [],
      inputs: ['data'],
      formats: ['raw'],
    },
  ],
  decrypt: [
    { scheme: 'rsa-oaep', algorithms: ['rsa'], hashes: ['sha1', 'sha256', 'sha384', 'sha512'] },
    { scheme: 'ecdh', algorithms: ['ec', 'x25519', 'x448'] },
  ],
  encrypt: [
    { scheme: 'rsa-oaep', algorithms: ['rsa'], hashes: ['sha1', 'sha256', 'sha384', 'sha512'] },
    { scheme: 'ecdh', algorithms: ['ec', 'x25519', 'x448'] },
  ],
  verifyFormats: [],
  certificates: false,
};
