import { HASH_ALGORITHMS, type HashAlgorithm, type ProviderCapabilities } from '@keyroute/core';

/** Hashes for OpenPGP signatures: SHA-2 only (openpgp.js refuses SHA-1 message signatures). */
export const OPENPGP_HASHES: readonly HashAlgorithm[] = ['sha256', 'sha384', 'sha512', 'sha224'];

/**
 * What the OpenPGP provider can do (static): raw signatures with each key's primitive through
 * node:crypto, OpenPGP signatures of every kind through openpgp.js, RSA-OAEP and ECDH with the
 * raw keys, OpenPGP messages both ways. Raw ECDSA is offered on the curves node's JWK import
 * takes (NIST and secp256k1).
 */
export function openPgpCapabilities(): ProviderCapabilities {
  return {
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
      { scheme: 'eddsa', algorithms: ['ed25519'], hashes: [], inputs: ['data'], formats: ['raw'] },
      // openpgp.js hashes the data itself; `hash` becomes its preferred hash for the signature.
      {
        scheme: 'pkcs1v15',
        algorithms: ['rsa'],
        hashes: OPENPGP_HASHES,
        inputs: ['data'],
        formats: ['openpgp'],
      },
      {
        scheme: 'ecdsa',
        algorithms: ['ec'],
        hashes: OPENPGP_HASHES,
        inputs: ['data'],
        formats: ['openpgp'],
      },
      {
        scheme: 'eddsa',
        algorithms: ['ed25519'],
        hashes: OPENPGP_HASHES,
        inputs: ['data'],
        formats: ['openpgp'],
      },
    ],
    decrypt: [
      { scheme: 'rsa-oaep', algorithms: ['rsa'], hashes: HASH_ALGORITHMS },
      { scheme: 'ecdh', algorithms: ['ec', 'x25519'] },
      { scheme: 'openpgp', algorithms: ['rsa', 'ec', 'x25519'] },
    ],
    encrypt: [
      { scheme: 'rsa-oaep', algorithms: ['rsa'], hashes: HASH_ALGORITHMS },
      { scheme: 'ecdh', algorithms: ['ec', 'x25519'] },
      { scheme: 'openpgp', algorithms: ['rsa', 'ec', 'x25519'] },
    ],
    verifyFormats: ['openpgp'],
    certificates: true,
  };
}
