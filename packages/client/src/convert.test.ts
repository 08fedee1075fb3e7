import { createHash, generateKeyPairSync } from 'node:crypto';
import { isProviderError } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { apiHash, certificateInfoOf, keyInfoOf, type ApiKey } from './convert.js';
import { errorOfAnswer } from './errors.js';

const spki = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
const spkiSha256 = createHash('sha256').update(spki).digest('hex');

const apiKey: ApiKey = {
  id: 'pgp:ABC',
  provider: 'pgp',
  label: 'Alice',
  algorithm: { name: 'Ed25519' },
  usages: ['sign'],
  publicKey: spki.toString('base64'),
  aliases: { spkiSha256, openpgpFingerprint: 'ABC' },
  certificates: ['pgp:ABC'],
};

describe('gateway answers become contract values', () => {
  it('maps an API key to a KeyInfo with the gateway id and the member provider', () => {
    const key = keyInfoOf(apiKey);
    expect(key).toMatchObject({
      id: 'pgp:ABC',
      provider: 'pgp',
      algorithm: { kind: 'ed25519' },
      hasPrivateKey: true,
    });
    expect(Buffer.from(key.publicKey)).toEqual(spki);
    expect(keyInfoOf({ ...apiKey, algorithm: { name: 'RSA', bits: 3072 } }).algorithm).toEqual({
      kind: 'rsa',
      bits: 3072,
    });
    expect(keyInfoOf({ ...apiKey, algorithm: { name: 'EC', curve: 'P-256' } }).algorithm).toEqual({
      kind: 'ec',
      curve: 'P-256',
    });
  });

  it('refuses shapes the contract cannot express with PROTOCOL', () => {
    for (const bad of [
      { ...apiKey, algorithm: { name: 'DSA' } },
      { ...apiKey, algorithm: { name: 'RSA' } },
      { ...apiKey, aliases: {} },
    ]) {
      let caught: unknown;
      try {
        keyInfoOf(bad);
      } catch (error) {
        caught = error;
      }
      expect(isProviderError(caught) && caught.code).toBe('PROTOCOL');
    }
  });

  it('names certificates by the client id and binds them to the listed keys', () => {
    const certificate = certificateInfoOf(
      {
        id: 'pgp:ABC',
        type: 'openpgp',
        provider: 'pgp',
        keys: ['pgp:ABC'],
        userIds: ['Alice'],
        data: 'AAEC',
      },
      [keyInfoOf(apiKey)],
      'gateway',
    );
    expect(certificate).toMatchObject({
      provider: 'gateway',
      fingerprint: 'ABC',
      subjects: ['Alice'],
      boundKeys: [spkiSha256],
    });
  });

  it('writes hash names the way the API takes them', () => {
    expect([apiHash('sha1'), apiHash('sha256'), apiHash('sha3-512')]).toEqual([
      'SHA-1',
      'SHA-256',
      'SHA3-512',
    ]);
  });

  it('maps problem+json to ProviderError codes, the gateway’s own codes included', () => {
    const answer = (status: number, code: string) => ({
      status,
      contentType: 'application/problem+json',
      body: { code, detail: `detail ${code}` },
      requestId: 'r-1',
    });
    expect(errorOfAnswer(answer(404, 'KEY_NOT_FOUND'), 'gateway', 'k')).toMatchObject({
      code: 'KEY_NOT_FOUND',
      key: 'k',
    });
    expect(errorOfAnswer(answer(401, 'UNAUTHENTICATED'), 'gateway', undefined).code).toBe('DENIED');
    expect(errorOfAnswer(answer(413, 'PAYLOAD_TOO_LARGE'), 'gateway', undefined).code).toBe(
      'INVALID_INPUT',
    );
    expect(errorOfAnswer(answer(429, 'RATE_LIMITED'), 'gateway', undefined).code).toBe(
      'UNAVAILABLE',
    );
    expect(errorOfAnswer(answer(504, 'TIMEOUT'), 'gateway', undefined).message).toContain(
      'request r-1',
    );
  });
});
