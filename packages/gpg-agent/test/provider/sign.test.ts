import { createHash, createPublicKey, verify } from 'node:crypto';
import { hasErrorCode, type KeyInfo, type Provider } from '@keyroute/core';
import { createGpgHome, type GpgHome } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpgAgentProvider } from '../../src/index.js';
import { homeSecrets } from './helpers.js';

let home: GpgHome;
let provider: Provider;

beforeAll(async () => {
  home = await createGpgHome();
  provider = createGpgAgentProvider({ homedir: home.homedir, secrets: homeSecrets(home) });
});

afterAll(async () => {
  await provider[Symbol.asyncDispose]();
  await home.dispose();
});

function publicKeyOf(key: KeyInfo) {
  return createPublicKey({ key: Buffer.from(key.publicKey), format: 'der', type: 'spki' });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('raw signatures of every key type', () => {
  it('signs with each primary key and node:crypto verifies', async () => {
    const keys = await provider.listKeys();
    const primaries = home.keys.filter((key) => key.role === 'primary');
    expect(primaries.length).toBeGreaterThanOrEqual(6);
    for (const testKey of primaries) {
      const key = keys.find((candidate) => candidate.id === testKey.keygrip);
      expect(key, testKey.spec).toBeDefined();
      if (key === undefined) continue;
      expect(key.aliases.openpgpFingerprint).toBe(testKey.fingerprint);
      const data = new Uint8Array(createHash('sha512').update(testKey.spec).digest());
      const result = await provider.sign({ key: testKey.fingerprint, data });
      const publicKey = publicKeyOf(key);
      const valid =
        key.algorithm.kind === 'ed25519'
          ? verify(null, data, publicKey, result.signature)
          : verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, result.signature);
      expect(valid, `${testKey.spec} (${key.algorithm.kind})`).toBe(true);
    }
  });

  it('refuses PSS (gpg-agent 2.2 would silently sign PKCS #1 v1.5)', async () => {
    const rsa = home.keys.find((key) => key.spec === 'rsa3072');
    const error = await rejection(
      provider.sign({ key: rsa?.keygrip ?? '', data: new Uint8Array(32), scheme: 'pss' }),
    );
    expect(hasErrorCode(error, 'UNSUPPORTED')).toBe(true);
  });

  it('refuses Ed25519 data that the agent cannot take as a hash', async () => {
    const ed = home.keys.find((key) => key.spec === 'ed25519' && key.role === 'primary');
    const odd = await rejection(
      provider.sign({ key: ed?.keygrip ?? '', data: new Uint8Array(20) }),
    );
    expect(hasErrorCode(odd, 'UNSUPPORTED')).toBe(true);
    const long = await rejection(
      provider.sign({ key: ed?.keygrip ?? '', data: new Uint8Array(65) }),
    );
    expect(hasErrorCode(long, 'INVALID_INPUT')).toBe(true);
  });

  it('answers KEY_NOT_FOUND for an unknown key', async () => {
    const error = await rejection(
      provider.sign({ key: 'AB'.repeat(20), data: new Uint8Array(32) }),
    );
    expect(hasErrorCode(error, 'KEY_NOT_FOUND')).toBe(true);
  });
});

describe('passphrases', () => {
  const data = new Uint8Array(32).fill(7);

  it('without a secret source a protected key is LOCKED', async () => {
    await using locked = createGpgAgentProvider({ homedir: home.homedir });
    const key = home.keys.find((candidate) => candidate.passphrase !== undefined);
    const error = await rejection(locked.sign({ key: key?.keygrip ?? '', data }));
    expect(hasErrorCode(error, 'LOCKED'), String(error)).toBe(true);
  });

  it('a wrong passphrase is BAD_SECRET, asked for once', async () => {
    let calls = 0;
    await using wrong = createGpgAgentProvider({
      homedir: home.homedir,
      secrets: () => {
        calls += 1;
        return 'not the passphrase';
      },
    });
    const key = home.keys.find((candidate) => candidate.passphrase !== undefined);
    const error = await rejection(wrong.sign({ key: key?.keygrip ?? '', data }));
    expect(hasErrorCode(error, 'BAD_SECRET'), String(error)).toBe(true);
    expect(calls).toBe(1);
    // The message never carries the passphrase.
    expect(String(error)).not.toContain('not the passphrase');
  });

  it('a secret source answering undefined is LOCKED', async () => {
    await using none = createGpgAgentProvider({ homedir: home.homedir, secrets: () => undefined });
    const key = home.keys.find((candidate) => candidate.passphrase !== undefined);
    const error = await rejection(none.sign({ key: key?.keygrip ?? '', data }));
    expect(hasErrorCode(error, 'LOCKED'), String(error)).toBe(true);
  });
});

describe('the agent caches a passphrase it was given', () => {
  it('signs a second time without asking the secret source', async () => {
    await using cachingHome = await createGpgHome({
      keys: [{ name: 'locked', primary: 'ed25519', passphrase: 'cache me' }],
      passphraseCacheSeconds: 600,
    });
    const secrets = homeSecrets(cachingHome);
    await using cached = createGpgAgentProvider({ homedir: cachingHome.homedir, secrets });
    const [key] = await cached.listKeys();
    expect(key?.details?.['protected']).toBe(true);
    const data = new Uint8Array(32).fill(1);
    const first = await cached.sign({ key: key?.id ?? '', data });
    expect(secrets.calls).toBe(1);
    const second = await cached.sign({ key: key?.id ?? '', data });
    expect(secrets.calls).toBe(1);
    if (key === undefined) return;
    expect(verify(null, data, publicKeyOf(key), first.signature)).toBe(true);
    expect(verify(null, data, publicKeyOf(key), second.signature)).toBe(true);
  });
});
