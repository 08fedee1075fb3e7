import { rename } from 'node:fs/promises';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasErrorCode, isProviderError, type SecretRequest } from '@keyroute/core';
import type { SoftHsmToken } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessToken, providerFor } from '../helpers.js';
import { nodeVerifies } from '../verify.js';

let token: SoftHsmToken;

beforeAll(async () => {
  token = await createProcessToken();
});

afterAll(async () => {
  await token.dispose();
});

const data = new TextEncoder().encode('keyroute pkcs11 fault test');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('PIN handling', () => {
  it('a wrong PIN is BAD_SECRET, the same wrong PIN is not tried again, a new one is', async () => {
    const asked: SecretRequest[] = [];
    const answers = ['98765', '98765', token.pin];
    await using provider = await providerFor(token, {
      secrets: (request) => {
        asked.push(request);
        return answers.shift();
      },
    });
    const first = await rejection(provider.sign({ key: '01', data }));
    expect(hasErrorCode(first, 'BAD_SECRET')).toBe(true);
    expect((first as Error).message).toContain('CKR_PIN_INCORRECT');
    const second = await rejection(provider.sign({ key: '01', data }));
    expect(hasErrorCode(second, 'BAD_SECRET')).toBe(true);
    expect((second as Error).message).toContain('already rejected this PIN');
    const signed = await provider.sign({ key: '01', data });
    const key = await provider.getKey('01');
    expect(nodeVerifies(key, data, signed.signature)).toBe(true);
    expect(asked.map((request) => [request.kind, request.key, request.attempt])).toEqual([
      ['pin', token.label, 1],
      ['pin', token.label, 2],
      ['pin', token.label, 2],
    ]);
    for (const error of [first, second]) {
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('98765');
      expect(String((error as Error).stack)).not.toContain('98765');
    }
  });

  it('no PIN available is LOCKED, and concurrent first requests share one login', async () => {
    await using locked = await providerFor(token, { secrets: () => undefined });
    expect(hasErrorCode(await rejection(locked.listKeys()), 'LOCKED')).toBe(true);

    let calls = 0;
    await using provider = await providerFor(token, {
      secrets: async () => {
        calls += 1;
        await sleep(20);
        return token.pin;
      },
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => provider.sign({ key: '02', data })),
    );
    expect(results).toHaveLength(8);
    expect(calls).toBe(1);
    expect(provider.status().loggedIn).toBe(true);
  });
});

describe('session pool', () => {
  it('64 concurrent signs through a pool of 3 sessions all verify; never more sessions', async () => {
    await using provider = await providerFor(token, { poolSize: 3 });
    const keys = await provider.listKeys();
    const signers = keys.filter((key) => key.usages.includes('sign'));
    expect(signers.length).toBeGreaterThanOrEqual(4);
    let maxOpen = 0;
    const watch = setInterval(() => {
      maxOpen = Math.max(maxOpen, provider.status().sessions.open);
    }, 1);
    try {
      const jobs = Array.from({ length: 64 }, async (_, index) => {
        const key = signers[index % signers.length];
        if (key === undefined) throw new Error('no key');
        const message = new TextEncoder().encode(`message ${index}`);
        const result = await provider.sign({ key: key.id, data: message });
        return nodeVerifies(key, message, result.signature);
      });
      // Every sign resolves (a CKR_OPERATION_ACTIVE would reject one) and verifies.
      expect(await Promise.all(jobs)).toEqual(Array.from({ length: 64 }, () => true));
    } finally {
      clearInterval(watch);
    }
    const status = provider.status();
    expect(status.sessions.capacity).toBe(3);
    expect(Math.max(maxOpen, status.sessions.open)).toBeLessThanOrEqual(3);
    expect(status.sessions.busy).toBe(0);
    expect(status.sessions.waiting).toBe(0);
  });

  it('a request aborted while it waits for a session leaves the queue; the rest complete', async () => {
    await using provider = await providerFor(token, { poolSize: 1 });
    await provider.listKeys();
    const controller = new AbortController();
    const running = Array.from({ length: 6 }, () => provider.sign({ key: '04', data }));
    const waiting = provider.sign({ key: '04', data }, { signal: controller.signal });
    await sleep(1);
    expect(provider.status().sessions.waiting).toBeGreaterThan(0);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await rejection(waiting)).toBe(reason);
    const results = await Promise.all(running);
    expect(results).toHaveLength(6);
    expect(provider.status().sessions).toMatchObject({ open: 1, busy: 0, waiting: 0 });
  });

  it('dispose waits for a running operation, then every call is UNAVAILABLE', async () => {
    const provider = await providerFor(token, { poolSize: 2 });
    await provider.listKeys();
    const signing = provider.sign({ key: '04', data });
    while (provider.status().sessions.busy === 0) await sleep(0);
    const disposing = provider[Symbol.asyncDispose]();
    const [signed] = await Promise.allSettled([signing, disposing]);
    // The sign was already running: it completes, and its session closes afterwards.
    expect(signed.status).toBe('fulfilled');
    expect(provider.status().sessions.open).toBe(0);
    expect(hasErrorCode(await rejection(provider.sign({ key: '04', data })), 'UNAVAILABLE')).toBe(
      true,
    );
  });
});

describe('token removed and restored', () => {
  it('fails with UNAVAILABLE while the token is gone and finds it again, same key ids', async () => {
    await using provider = await providerFor(token, { rescanIntervalMs: 0 });
    const before = await provider.listKeys();
    const tokens = join(token.dir, 'tokens');
    const [uuid] = await readdir(tokens);
    if (uuid === undefined) throw new Error('no token directory');
    const away = join(token.dir, `removed-${uuid}`);
    await rename(join(tokens, uuid), away);
    try {
      const error = await rejection(provider.sign({ key: '02', data }));
      expect(isProviderError(error) && error.code).toBe('UNAVAILABLE');
      expect(provider.status().bound).toBe(false);
    } finally {
      await rename(away, join(tokens, uuid));
    }
    // The module is re-initialised at most once per second to look for a lost token.
    await sleep(1_100);
    const signed = await provider.sign({ key: '02', data });
    const after = await provider.listKeys();
    expect(after.map((key) => [key.id, key.aliases.spkiSha256])).toEqual(
      before.map((key) => [key.id, key.aliases.spkiSha256]),
    );
    const key = after.find((candidate) => candidate.id === '02');
    if (key === undefined) throw new Error('key 02 is gone');
    expect(nodeVerifies(key, data, signed.signature)).toBe(true);
    expect(provider.status()).toMatchObject({ bound: true, loggedIn: true });
  });

  it('the rescan timer notices the removal and recovers the token by itself', async () => {
    await using provider = await providerFor(token, { rescanIntervalMs: 100 });
    await provider.listKeys();
    const generation = provider.status().moduleGeneration;
    const tokens = join(token.dir, 'tokens');
    const [uuid] = await readdir(tokens);
    if (uuid === undefined) throw new Error('no token directory');
    const away = join(token.dir, `removed-${uuid}`);
    await rename(join(tokens, uuid), away);
    await sleep(400);
    expect(provider.status().bound).toBe(false);
    await rename(away, join(tokens, uuid));
    await sleep(1_500);
    expect(provider.status().moduleGeneration).toBeGreaterThan(generation);
    const signed = await provider.sign({ key: '01', data });
    expect(nodeVerifies(await provider.getKey('01'), data, signed.signature)).toBe(true);
  });
});
