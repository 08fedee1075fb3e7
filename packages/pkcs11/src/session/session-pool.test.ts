import { hasErrorCode } from '@keyroute/core';
import type { PKCS11 } from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { CKR } from '../native/return-codes.js';
import { isPoolClosedError, SessionPool } from './session-pool.js';

/**
 * A stand-in for the two session calls the pool makes. Used only for faults SoftHSM cannot
 * produce: a token that refuses a session (CKR_SESSION_COUNT, other applications hold them).
 * Everything else about the pool is tested against SoftHSM (test/provider/faults.test.ts).
 */
function fakeModule(maxSessions: number): { pkcs11: PKCS11; open: Set<string>; closed: string[] } {
  const open = new Set<string>();
  const closed: string[] = [];
  let next = 1;
  const pkcs11 = {
    C_OpenSession(): Buffer {
      if (open.size >= maxSessions) {
        const error = new Error('CKR_SESSION_COUNT:177');
        Object.assign(error, {
          name: 'Pkcs11Error',
          code: CKR.SESSION_COUNT,
          method: 'C_OpenSession',
        });
        throw error;
      }
      const handle = Buffer.from([next++]);
      open.add(handle.toString('hex'));
      return handle;
    },
    C_CloseSession(session: Buffer): void {
      open.delete(session.toString('hex'));
      closed.push(session.toString('hex'));
    },
  };
  return { pkcs11: pkcs11 as unknown as PKCS11, open, closed };
}

function pool(pkcs11: PKCS11, size: number, broken = (): boolean => false): SessionPool {
  return new SessionPool({
    pkcs11,
    slot: Buffer.of(0),
    size,
    provider: 'test',
    tokenName: '"fake"',
    isBroken: broken,
  });
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SessionPool', () => {
  it('shrinks to the sessions it has when the token refuses another, and queues the rest', async () => {
    const fake = fakeModule(2);
    const sessions = pool(fake.pkcs11, 8);
    const inUse = new Set<string>();
    let overlap = false;
    const work = async (session: Buffer): Promise<string> => {
      const id = session.toString('hex');
      if (inUse.has(id)) overlap = true;
      inUse.add(id);
      await tick();
      inUse.delete(id);
      return id;
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => sessions.use(work)));
    expect(results).toHaveLength(20);
    expect(overlap).toBe(false);
    expect(sessions.capacity).toBe(2);
    expect(sessions.openSessions).toBe(2);
    await sessions.close();
    expect(fake.open.size).toBe(0);
  });

  it('fails with UNAVAILABLE when the token refuses the very first session', async () => {
    const sessions = pool(fakeModule(0).pkcs11, 4);
    const error: unknown = await sessions
      .use(() => Promise.resolve(1))
      .catch((caught: unknown) => caught);
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('CKR_SESSION_COUNT');
  });

  it('closes a broken session and gives its place to a waiter with a new one', async () => {
    const fake = fakeModule(4);
    const sessions = pool(fake.pkcs11, 1, () => true);
    const first = sessions.use(() => Promise.reject(new Error('device removed')));
    const second = sessions.use((session) => Promise.resolve(session.toString('hex')));
    await expect(first).rejects.toThrow('device removed');
    expect(await second).toBe('02');
    expect(fake.closed).toContain('01');
  });

  it('close() rejects waiters with a recognisable error and waits for lent sessions', async () => {
    const fake = fakeModule(4);
    const sessions = pool(fake.pkcs11, 1);
    let finish: () => void = () => undefined;
    const running = sessions.use(
      () =>
        new Promise<string>((resolve) => {
          finish = () => {
            resolve('done');
          };
        }),
    );
    const waiting = sessions.use(() => Promise.resolve('never'));
    await tick();
    let closed = false;
    const closing = sessions.close().then(() => {
      closed = true;
    });
    const waiterError: unknown = await waiting.catch((caught: unknown) => caught);
    expect(isPoolClosedError(waiterError)).toBe(true);
    await tick();
    expect(closed).toBe(false);
    finish();
    expect(await running).toBe('done');
    await closing;
    expect(fake.open.size).toBe(0);
    const late: unknown = await sessions
      .use(() => Promise.resolve(1))
      .catch((caught: unknown) => caught);
    expect(isPoolClosedError(late)).toBe(true);
  });
});
