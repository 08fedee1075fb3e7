import { hasErrorCode, staticSecret, type KeyInfo } from '@keyroute/core';
import { describeProviderConformance } from '@keyroute/core/testing';
import {
  createSoftHsmToken,
  startP11KitServer,
  type P11KitServer,
  type SoftHsmToken,
} from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPkcs11Provider, type Pkcs11Provider } from '../../src/index.js';
import { tokenUriOf } from '../helpers.js';
import { listMechanisms, sha256Hex } from './tools.js';

/*
 * `p11-kit-client.so` in this process, talking over a Unix socket to a `p11-kit server` that
 * forwards one SoftHSM2 token: the provider sees a module whose C_GetInfo says "PKCS#11 Kit" and
 * a token whose C_GetTokenInfo says "SoftHSM project".
 *
 * p11-kit's RPC forwards only the mechanisms whose parameters it can marshal: 36 of SoftHSM
 * 2.6's 70 (RECIPES.md; `pkcs11-tool -M` through the client). For keyroute the ones that count
 * are CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP, CKM_RSA_X_509 and CKM_ECDSA, which are
 * forwarded, and CKM_EDDSA and CKM_ECDH1_DERIVE, which are not. So the capabilities list
 * pkcs1v15, pss and ecdsa signing and rsa-oaep decryption, but no eddsa signing and no ecdh
 * decryption: the Ed25519 key is listed (its objects are forwarded) but cannot sign here, and the
 * EC keys cannot agree secrets through the token (encrypt to them still works: it is software).
 */

interface Backend {
  readonly token: SoftHsmToken;
  readonly server: P11KitServer;
}

// One token and one server for the whole file: the module registry loads p11-kit-client.so
// once per process (keyed by real path), and the client reads P11_KIT_SERVER_ADDRESS when it is
// loaded, so every provider of this process talks to the same server.
let backend: Promise<Backend> | undefined;

function startBackend(): Promise<Backend> {
  backend ??= (async () => {
    const token = await createSoftHsmToken();
    try {
      const server = await startP11KitServer({ token });
      // Before the first provider loads the client module (C_GetFunctionList reads it).
      process.env['P11_KIT_SERVER_ADDRESS'] = server.address;
      return { token, server };
    } catch (error) {
      await token.dispose();
      throw error;
    }
  })();
  return backend;
}

function providerOver({ token, server }: Backend): Promise<Pkcs11Provider> {
  return createPkcs11Provider({
    module: server.clientModule,
    token: tokenUriOf(token),
    secrets: staticSecret(token.pin),
  });
}

// File-level afterAll hooks run after those of the describe blocks, which dispose the
// providers: the server and the token go last.
afterAll(async () => {
  const started = backend;
  if (started === undefined) return;
  let stopped: Backend;
  try {
    stopped = await started;
  } catch {
    return; // Starting failed and cleaned up after itself; beforeAll reported it.
  }
  try {
    await stopped.server.stop();
  } finally {
    await stopped.token.dispose();
  }
});

describeProviderConformance({
  name: 'pkcs11 (SoftHSM2 through p11-kit-client)',
  create: async () => ({ provider: await providerOver(await startBackend()) }),
  hashes: ['sha256', 'sha384', 'sha1'],
});

describe('p11-kit-client.so forwarding a SoftHSM2 token', () => {
  let setup: { backend: Backend; provider: Pkcs11Provider } | undefined;
  const current = (): { backend: Backend; provider: Pkcs11Provider } => {
    if (setup === undefined) throw new Error('the provider was not created: see beforeAll');
    return setup;
  };

  beforeAll(async () => {
    const started = await startBackend();
    setup = { backend: started, provider: await providerOver(started) };
  });

  afterAll(async () => {
    await setup?.provider[Symbol.asyncDispose]();
  });

  it('binds the forwarded token through the p11-kit module', () => {
    const { backend: started, provider } = current();
    expect(provider.module.path).toBe(started.server.clientModule);
    expect(provider.module.manufacturer).toBe('PKCS#11 Kit');
    expect(provider.token.label).toBe(started.token.label);
    expect(provider.token.serial).toBe(started.token.serial);
    expect(provider.token.manufacturer).toMatch(/softhsm/i);
  });

  it('lists the keys the testbed created, with the same ids and public keys (read back with p11tool)', async () => {
    const { backend: started, provider } = current();
    const listed = await provider.listKeys();
    const byId = new Map<string, KeyInfo>(listed.map((key) => [key.id, key]));
    expect([...byId.keys()].sort()).toEqual(started.token.keys.map((key) => key.id).sort());
    for (const expected of started.token.keys) {
      const key = byId.get(expected.id);
      expect(key, `key ${expected.id}`).toBeDefined();
      if (key === undefined) continue;
      expect(key.label).toBe(expected.label);
      expect(key.hasPrivateKey).toBe(true);
      expect(Buffer.from(key.publicKey).equals(Buffer.from(expected.publicKeySpki))).toBe(true);
      expect(key.aliases.spkiSha256).toBe(sha256Hex(expected.publicKeySpki));
    }
  });

  it('lists the certificates the testbed stored, bound to their keys', async () => {
    const { backend: started, provider } = current();
    const certificates = await provider.listCertificates();
    const expected = started.token.keys.flatMap((key) =>
      key.certificate === undefined
        ? []
        : [{ fingerprint: sha256Hex(key.certificate), boundKey: sha256Hex(key.publicKeySpki) }],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(
      certificates
        .map((certificate) => ({
          fingerprint: certificate.fingerprint,
          boundKey: certificate.boundKeys[0],
        }))
        .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)),
    ).toEqual(expected.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)));
  });

  it('claims exactly what the forwarded mechanism list allows (pkcs11-tool -M through the client)', async () => {
    const { backend: started, provider } = current();
    // pkcs11-tool runs in its own process with the server's address: an independent reading of
    // C_GetMechanismList/C_GetMechanismInfo through p11-kit.
    const mechanisms = await listMechanisms(started.server.clientModule, started.token.label, {
      ...started.server.env,
    });
    const can = (name: string, flag: string): boolean =>
      mechanisms.get(name)?.includes(flag) ?? false;
    const capabilities = provider.capabilities();
    const signSchemes = capabilities.sign.map((capability) => capability.scheme).sort();
    const decryptSchemes = capabilities.decrypt.map((capability) => capability.scheme).sort();
    const expectedSign = [
      ...(can('RSA-PKCS', 'sign') ? ['pkcs1v15'] : []),
      ...(can('RSA-PKCS-PSS', 'sign') ? ['pss'] : []),
      ...(can('ECDSA', 'sign') ? ['ecdsa'] : []),
      ...(can('EDDSA', 'sign') ? ['eddsa'] : []),
    ].sort();
    const expectedDecrypt = [
      ...(can('RSA-PKCS-OAEP', 'decrypt') || can('RSA-X-509', 'decrypt') ? ['rsa-oaep'] : []),
      ...(can('ECDH1-DERIVE', 'derive') ? ['ecdh'] : []),
    ].sort();
    expect(signSchemes).toEqual(expectedSign);
    expect(decryptSchemes).toEqual(expectedDecrypt);
    // What p11-kit 0.24 forwards (RECIPES.md): RSA and ECDSA, no EdDSA, no ECDH.
    expect(mechanisms.size).toBeLessThan(70);
    expect(signSchemes).toEqual(['ecdsa', 'pkcs1v15', 'pss']);
    expect(decryptSchemes).toEqual(['rsa-oaep']);
  });

  it('refuses to sign with the Ed25519 key, whose mechanism p11-kit does not forward (UNSUPPORTED)', async () => {
    const { backend: started, provider } = current();
    const ed25519 = started.token.keys.find((key) => key.type === 'EC:edwards25519');
    expect(ed25519).toBeDefined();
    if (ed25519 === undefined) return;
    const error: unknown = await provider
      .sign({ key: ed25519.id, data: new Uint8Array([1, 2, 3]) })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(hasErrorCode(error, 'UNSUPPORTED'), String(error)).toBe(true);
  });
});
