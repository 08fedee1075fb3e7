// @peculiar/x509 resolves its algorithms with tsyringe, which needs a Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import type { Provider } from '@keyroute/core';
import { createMemoryProvider, generateMemoryKeys } from '@keyroute/core/testing';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteKeyCrypto, type RemoteKeyCryptoOptions } from './remote-key-crypto.js';

let provider: Provider;

beforeAll(async () => {
  provider = createMemoryProvider({ keys: await generateMemoryKeys() });
});

afterAll(async () => {
  await provider[Symbol.asyncDispose]();
});

const data = new TextEncoder().encode('to be signed by a key the application never sees');

describe('remoteKeyCrypto', () => {
  const cases: [string, RemoteKeyCryptoOptions, string][] = [
    ['rsa-2048', {}, 'RSASSA-PKCS1-v1_5'],
    ['rsa-2048', { hash: 'SHA-384' }, 'RSASSA-PKCS1-v1_5'],
    ['rsa-2048', { rsa: 'RSA-PSS' }, 'RSA-PSS'],
    ['rsa-2048', { rsa: 'RSA-PSS', hash: 'SHA-512', saltLength: 20 }, 'RSA-PSS'],
    ['ec-p256', {}, 'ECDSA'],
    ['ec-p384', {}, 'ECDSA'],
    ['ec-p521', {}, 'ECDSA'],
    ['ec-p256', { hash: 'SHA-512' }, 'ECDSA'],
    ['ed25519', {}, 'Ed25519'],
    ['ed448', {}, 'Ed448'],
  ];

  it.each(cases)(
    '%s %j: subtle.sign goes to the provider, node verifies',
    async (id, options, name) => {
      const remote = await remoteKeyCrypto(provider, id, options);
      expect(remote.signingAlgorithm.name).toBe(name);
      const signature = await remote.crypto.subtle.sign(
        remote.signingAlgorithm,
        remote.privateKey,
        data,
      );
      const valid = await webcrypto.subtle.verify(
        remote.signingAlgorithm,
        remote.publicKey,
        signature,
        data,
      );
      expect(valid).toBe(true);
      // The public key is the provider's.
      const spki = await webcrypto.subtle.exportKey('spki', remote.publicKey);
      expect(new Uint8Array(spki)).toEqual(remote.key.publicKey);
    },
  );

  it('makes a private key that looks like a CryptoKey and cannot leave the provider', async () => {
    const remote = await remoteKeyCrypto(provider, 'rsa-2048');
    const { privateKey, publicKey } = remote;
    expect(privateKey).toMatchObject({ type: 'private', extractable: false, usages: ['sign'] });
    expect(privateKey.algorithm).toEqual(publicKey.algorithm);
    expect(Object.prototype.toString.call(privateKey)).toBe('[object CryptoKey]');
    expect(remote.keys).toEqual({ privateKey, publicKey });
    await expect(remote.crypto.subtle.exportKey('pkcs8', privateKey)).rejects.toMatchObject({
      name: 'InvalidAccessError',
    });
    await expect(
      remote.crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, privateKey, data),
    ).rejects.toMatchObject({ name: 'InvalidAccessError' });
  });

  it('leaves everything else to node: local keys, digests, random values', async () => {
    const { crypto } = await remoteKeyCrypto(provider, 'ec-p256');
    const local = await webcrypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign', 'verify'],
    );
    const algorithm = { name: 'ECDSA', hash: 'SHA-256' };
    const signature = await crypto.subtle.sign(algorithm, local.privateKey, data);
    expect(await webcrypto.subtle.verify(algorithm, local.publicKey, signature, data)).toBe(true);
    const digest = await crypto.subtle.digest('SHA-256', data);
    expect(new Uint8Array(digest)).toEqual(
      new Uint8Array(await webcrypto.subtle.digest('SHA-256', data)),
    );
    expect(crypto.getRandomValues(new Uint8Array(16))).toHaveLength(16);
    expect(crypto.randomUUID()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses keys WebCrypto cannot sign with', async () => {
    for (const id of ['ec-secp256k1', 'ec-brainpoolp256r1', 'x25519']) {
      await expect(remoteKeyCrypto(provider, id), id).rejects.toMatchObject({
        code: 'UNSUPPORTED',
      });
    }
    await expect(remoteKeyCrypto(provider, 'no-such-key')).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
    });
  });

  it('signs a CSR and a self-signed certificate with @peculiar/x509', async () => {
    for (const [id, options] of [
      ['ec-p384', {}],
      ['rsa-2048', { rsa: 'RSA-PSS' }],
      ['ed25519', {}],
    ] as const) {
      const remote = await remoteKeyCrypto(provider, id, options);
      const csr = await x509.Pkcs10CertificateRequestGenerator.create(
        { name: `CN=${id}`, keys: remote.keys, signingAlgorithm: remote.signingAlgorithm },
        remote.crypto,
      );
      expect(await csr.verify(webcrypto), id).toBe(true);
      const cert = await x509.X509CertificateGenerator.createSelfSigned(
        { name: `CN=${id}`, keys: remote.keys, signingAlgorithm: remote.signingAlgorithm },
        remote.crypto,
      );
      expect(await cert.verify({ signatureOnly: true }, webcrypto), id).toBe(true);
      expect(new Uint8Array(cert.publicKey.rawData), id).toEqual(remote.key.publicKey);
    }
  });
});
