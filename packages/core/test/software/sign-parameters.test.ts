import { describe, expect, it } from 'vitest';

import type { KeyAlgorithm } from '../../src/contract/algorithms.js';
import { ErrorCode, isProviderError } from '../../src/contract/errors.js';
import {
  resolveSignParameters,
  type SignParametersRequest,
} from '../../src/software/sign-parameters.js';

const RSA_2048: KeyAlgorithm = { kind: 'rsa', bits: 2048 };
const P256: KeyAlgorithm = { kind: 'ec', curve: 'P-256' };
const ED25519: KeyAlgorithm = { kind: 'ed25519' };
const data = new Uint8Array([1, 2, 3]);
const sha256Digest = new Uint8Array(32);

function codeOf(algorithm: KeyAlgorithm, request: SignParametersRequest): string {
  try {
    resolveSignParameters(algorithm, request);
  } catch (error) {
    if (isProviderError(error)) return error.code;
    throw error;
  }
  return 'OK';
}

describe('resolveSignParameters defaults', () => {
  it('gives RSA pkcs1v15 with sha256', () => {
    expect(resolveSignParameters(RSA_2048, { data })).toEqual({
      scheme: 'pkcs1v15',
      hash: 'sha256',
      saltLength: undefined,
      signatureEncoding: 'p1363',
      input: { kind: 'data', data },
    });
  });

  it('gives PSS the hash length as salt length', () => {
    const resolved = resolveSignParameters(RSA_2048, {
      scheme: 'pss',
      hash: 'sha384',
      digest: new Uint8Array(48),
    });
    expect(resolved.saltLength).toBe(48);
    expect(resolved.input.kind).toBe('digest');
  });

  it('gives EC keys ECDSA in P1363 and keeps DER when asked', () => {
    expect(resolveSignParameters(P256, { data }).scheme).toBe('ecdsa');
    expect(resolveSignParameters(P256, { data }).signatureEncoding).toBe('p1363');
    expect(resolveSignParameters(P256, { data, signatureEncoding: 'der' }).signatureEncoding).toBe(
      'der',
    );
  });

  it('gives EdDSA no hash and ignores one given', () => {
    const resolved = resolveSignParameters(ED25519, { data, hash: 'sha512' });
    expect(resolved.scheme).toBe('eddsa');
    expect(resolved.hash).toBeUndefined();
  });

  it('accepts sha1 and the largest PSS salt', () => {
    expect(codeOf(RSA_2048, { data, hash: 'sha1' })).toBe('OK');
    // emLen 256 − hLen 32 − 2.
    expect(codeOf(RSA_2048, { data, scheme: 'pss', saltLength: 222 })).toBe('OK');
    expect(codeOf(RSA_2048, { data, scheme: 'pss', saltLength: 0 })).toBe('OK');
  });
});

describe('resolveSignParameters errors', () => {
  const cases: readonly [string, KeyAlgorithm, SignParametersRequest, string][] = [
    ['X25519 keys', { kind: 'x25519' }, { data }, ErrorCode.UNSUPPORTED],
    ['X448 keys', { kind: 'x448' }, { data }, ErrorCode.UNSUPPORTED],
    ['ECDSA with an RSA key', RSA_2048, { data, scheme: 'ecdsa' }, ErrorCode.UNSUPPORTED],
    ['PSS with an EC key', P256, { data, scheme: 'pss' }, ErrorCode.UNSUPPORTED],
    ['EdDSA with an EC key', P256, { data, scheme: 'eddsa' }, ErrorCode.UNSUPPORTED],
    ['ECDSA with an Ed25519 key', ED25519, { data, scheme: 'ecdsa' }, ErrorCode.UNSUPPORTED],
    [
      'an unknown scheme',
      RSA_2048,
      { data, scheme: 'dsa' as unknown as 'pss' },
      ErrorCode.UNSUPPORTED,
    ],
    [
      'EdDSA over a digest',
      ED25519,
      { digest: new Uint8Array(64), hash: 'sha512' },
      ErrorCode.UNSUPPORTED,
    ],
    ['an unknown hash', P256, { data, hash: 'md5' as unknown as 'sha1' }, ErrorCode.UNSUPPORTED],
    [
      'an RSA key too small for PKCS #1 v1.5 with sha512',
      { kind: 'rsa', bits: 512 },
      { data, hash: 'sha512' },
      ErrorCode.UNSUPPORTED,
    ],
    [
      'an RSA key too small for PSS with sha512',
      { kind: 'rsa', bits: 512 },
      { data, hash: 'sha512', scheme: 'pss', saltLength: 0 },
      ErrorCode.UNSUPPORTED,
    ],
    [
      'both data and digest',
      P256,
      { data, digest: sha256Digest, hash: 'sha256' },
      ErrorCode.INVALID_INPUT,
    ],
    ['neither data nor digest', P256, {}, ErrorCode.INVALID_INPUT],
    ['a digest without hash', P256, { digest: sha256Digest }, ErrorCode.INVALID_INPUT],
    [
      'a digest of the wrong length',
      RSA_2048,
      { digest: sha256Digest, hash: 'sha384' },
      ErrorCode.INVALID_INPUT,
    ],
    [
      'a digest one byte short',
      P256,
      { digest: new Uint8Array(31), hash: 'sha256' },
      ErrorCode.INVALID_INPUT,
    ],
    [
      'a negative salt length',
      RSA_2048,
      { data, scheme: 'pss', saltLength: -1 },
      ErrorCode.INVALID_INPUT,
    ],
    [
      'a fractional salt length',
      RSA_2048,
      { data, scheme: 'pss', saltLength: 1.5 },
      ErrorCode.INVALID_INPUT,
    ],
    [
      'a salt too long for the modulus',
      RSA_2048,
      { data, scheme: 'pss', saltLength: 223 },
      ErrorCode.INVALID_INPUT,
    ],
    [
      'the default salt on a key too small for it',
      { kind: 'rsa', bits: 1024 },
      { data, scheme: 'pss', hash: 'sha512' },
      ErrorCode.INVALID_INPUT,
    ],
    [
      'an unknown signature encoding',
      P256,
      { data, signatureEncoding: 'bsn' as unknown as 'der' },
      ErrorCode.INVALID_INPUT,
    ],
    [
      'data that is not bytes',
      P256,
      { data: 'text' as unknown as Uint8Array },
      ErrorCode.INVALID_INPUT,
    ],
  ];

  it.each(cases)('refuses %s', (_name, algorithm, request, code) => {
    expect(codeOf(algorithm, request)).toBe(code);
  });
});
