import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/contract/errors.js';
import { createRouter } from '../../src/router/router.js';
import { createMemoryProvider } from '../../src/testing/memory-provider.js';
import { withFaults } from './faults.js';

const ed = generateKeyPairSync('ed25519');
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const data = new TextEncoder().encode('route me');

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function twoProviders() {
  const a = withFaults(
    createMemoryProvider({
      id: 'a',
      keys: [
        { id: 'ed', label: 'signer', privateKey: ed.privateKey },
        { id: 'rsa', privateKey: rsa.privateKey },
      ],
    }),
  );
  const b = withFaults(
    createMemoryProvider({
      id: 'b',
      keys: [
        { id: 'p256', label: 'signer', privateKey: p256.privateKey },
        // The same Ed25519 key held a second time, under another id.
        { id: 'ed-copy', privateKey: ed.privateKey },
      ],
    }),
  );
  return { a, b };
}

describe('createRouter', () => {
  it('routes each key to the provider that holds it, by id or any alias', async () => {
    const { a, b } = twoProviders();
    await using router = createRouter({
      providers: [a.provider, b.provider],
      refreshIntervalMs: 0,
    });
    const p256Key = await router.getKey('p256');
    expect(p256Key.provider).toBe('b');
    const bySpki = await router.getKey(`spki-sha256:${p256Key.aliases.spkiSha256}`);
    expect(bySpki.id).toBe('p256');
    const signed = await router.sign({ key: 'p256', data });
    expect(signed.key).toEqual({ id: 'p256', provider: 'b' });
    expect(
      verify('sha256', data, { key: p256.publicKey, dsaEncoding: 'ieee-p1363' }, signed.signature),
    ).toBe(true);
    const checked = await router.verify({ key: 'p256', data, signature: signed.signature });
    expect(checked.valid).toBe(true);
  });

  it('uses the first provider for a key that two providers hold, and is not confused by it', async () => {
    const { a, b } = twoProviders();
    await using router = createRouter({
      providers: [a.provider, b.provider],
      refreshIntervalMs: 0,
    });
    const spki = createHash('sha256')
      .update(ed.publicKey.export({ format: 'der', type: 'spki' }))
      .digest('hex');
    const resolved = await router.resolve(spki);
    expect(resolved.provider.id).toBe('a');
    expect((await router.resolve('b/ed-copy')).provider.id).toBe('b');
  });

  it('refuses a reference that names two different keys, and accepts it qualified', async () => {
    const { a, b } = twoProviders();
    await using router = createRouter({
      providers: [a.provider, b.provider],
      refreshIntervalMs: 0,
    });
    const error = await rejection(router.sign({ key: 'signer', data }));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect((error as Error).message).toMatch(/a\/ed.*b\/p256/);
    expect((await router.sign({ key: 'b/signer', data })).key.provider).toBe('b');
  });

  it('keeps serving the other providers when one is down, and says UNAVAILABLE for its keys', async () => {
    const { a, b } = twoProviders();
    await using router = createRouter({
      providers: [a.provider, b.provider],
      refreshIntervalMs: 0,
    });
    await router.refresh();
    b.faults.mode = 'down';
    await router.refresh();
    expect(router.status().map((s) => [s.id, s.state])).toEqual([
      ['a', 'up'],
      ['b', 'down'],
    ]);
    expect((await router.sign({ key: 'rsa', data })).key.provider).toBe('a');
    const error = await rejection(router.sign({ key: 'p256', data }));
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('"b"');
    // Public-key work still succeeds from the index while the holder is down.
    const ciphertext = await router.encrypt({ key: 'p256', scheme: 'ecdh' });
    expect(ciphertext.scheme).toBe('ecdh');
    expect((await router.listKeys()).map((k) => k.id).sort()).toEqual(['ed', 'rsa']);
    b.faults.mode = 'ok';
    await router.refresh();
    expect((await router.sign({ key: 'p256', data })).key.provider).toBe('b');
  });

  it('marks a hanging provider down with TIMEOUT without delaying the others beyond the deadline', async () => {
    const { a, b } = twoProviders();
    b.faults.mode = 'hang';
    await using router = createRouter({
      providers: [a.provider, b.provider],
      refreshIntervalMs: 0,
      listTimeoutMs: 200,
    });
    expect((await router.sign({ key: 'ed', data })).key.provider).toBe('a');
    const status = router.status().find((s) => s.id === 'b');
    expect(status?.state).toBe('down');
    expect(status?.lastError?.code).toBe('TIMEOUT');
    const missing = await rejection(router.sign({ key: 'nowhere', data }));
    expect(hasErrorCode(missing, 'KEY_NOT_FOUND')).toBe(true);
    expect((missing as Error).message).toContain('unavailable providers that may hold it: "b"');
  });

  it('refreshes its index on a miss, so a key that appears later is found', async () => {
    const { a, b } = twoProviders();
    b.faults.hidden.add('p256');
    await using router = createRouter({
      providers: [a.provider, b.provider],
      refreshIntervalMs: 0,
      missRefreshIntervalMs: 0,
    });
    expect(hasErrorCode(await rejection(router.getKey('p256')), 'KEY_NOT_FOUND')).toBe(true);
    b.faults.hidden.clear();
    expect((await router.getKey('p256')).provider).toBe('b');
  });

  it('refreshes on its interval', async () => {
    const { a, b } = twoProviders();
    await using router = createRouter({
      providers: [a.provider, b.provider],
      refreshIntervalMs: 20,
    });
    await router.refresh();
    const before = b.faults.listings;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(b.faults.listings).toBeGreaterThan(before);
  });

  it('disposes its providers once, and refuses calls afterwards', async () => {
    const { a, b } = twoProviders();
    const router = createRouter({ providers: [a.provider, b.provider], refreshIntervalMs: 0 });
    await router[Symbol.asyncDispose]();
    await router[Symbol.asyncDispose]();
    expect(hasErrorCode(await rejection(router.listKeys()), 'UNAVAILABLE')).toBe(true);
    expect(hasErrorCode(await rejection(a.provider.listKeys()), 'UNAVAILABLE')).toBe(true);
  });

  it('rejects two providers with the same id', () => {
    const { a } = twoProviders();
    expect(() => createRouter({ providers: [a.provider, a.provider] })).toThrow(/share the id "a"/);
  });
});
