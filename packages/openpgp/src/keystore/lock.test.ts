import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasErrorCode, isProviderError } from '@keyroute/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLockOwner, withFileLock } from './lock.js';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((resolve) => child.once('exit', resolve));
  if (pid === undefined) throw new Error('no pid');
  return pid;
}

let dir: string;
let lockPath: string;
const options = { provider: 'test', timeoutMs: 2_000 };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-lock-'));
  lockPath = join(dir, '.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeLock(owner: object): Promise<void> {
  await writeFile(lockPath, JSON.stringify(owner));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('withFileLock', () => {
  it('runs holders one at a time, first come first served, and removes the lock file', async () => {
    let inside = 0;
    let overlapped = false;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        withFileLock(
          lockPath,
          async () => {
            inside += 1;
            if (inside > 1) overlapped = true;
            const owner = parseLockOwner(await readFile(lockPath, 'utf8'));
            expect(owner?.pid).toBe(process.pid);
            await sleep(2);
            order.push(i);
            inside -= 1;
          },
          options,
        ),
      ),
    );
    expect(overlapped).toBe(false);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('is re-entrant within one asynchronous context', async () => {
    const result = await withFileLock(
      lockPath,
      () => withFileLock(lockPath, () => Promise.resolve('nested'), options),
      options,
    );
    expect(result).toBe('nested');
  });

  it('releases the lock when the work fails', async () => {
    const failure = new Error('work failed');
    await expect(withFileLock(lockPath, () => Promise.reject(failure), options)).rejects.toBe(
      failure,
    );
    expect(await readdir(dir)).toEqual([]);
    await expect(withFileLock(lockPath, () => Promise.resolve(1), options)).resolves.toBe(1);
  });

  it('breaks the lock of a process that is gone', async () => {
    await writeLock({ pid: await deadPid(), host: hostname(), acquiredAt: Date.now() });
    await expect(withFileLock(lockPath, () => Promise.resolve('taken'), options)).resolves.toBe(
      'taken',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('breaks a lock naming this process when this process does not hold it (a restarted container)', async () => {
    await writeLock({ pid: process.pid, host: hostname(), acquiredAt: Date.now() });
    await expect(withFileLock(lockPath, () => Promise.resolve('taken'), options)).resolves.toBe(
      'taken',
    );
  });

  it('breaks a lock file left empty by a writer that died creating it, after a grace period', async () => {
    await writeFile(lockPath, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    await expect(withFileLock(lockPath, () => Promise.resolve('taken'), options)).resolves.toBe(
      'taken',
    );
  });

  it('waits for a live holder and gives up with TIMEOUT naming it', async () => {
    // The parent of this test process is alive and is not this process.
    await writeLock({ pid: process.ppid, host: hostname(), acquiredAt: Date.now() });
    const started = Date.now();
    const error = await rejection(
      withFileLock(lockPath, () => Promise.resolve(), { provider: 'test', timeoutMs: 150 }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(hasErrorCode(error, 'TIMEOUT')).toBe(true);
    expect(isProviderError(error) && error.message).toContain(`pid ${process.ppid}`);
    expect(isProviderError(error) && error.provider).toBe('test');
    // The holder's lock is left alone.
    expect(parseLockOwner(await readFile(lockPath, 'utf8'))?.pid).toBe(process.ppid);
  });

  it('gets the lock as soon as a live holder releases it', async () => {
    await writeLock({ pid: process.ppid, host: hostname(), acquiredAt: Date.now() });
    setTimeout(() => void rm(lockPath), 50);
    await expect(withFileLock(lockPath, () => Promise.resolve('taken'), options)).resolves.toBe(
      'taken',
    );
  });

  it('never probes a pid of another host, but breaks its lock once it is older than staleAfterMs', async () => {
    await writeLock({ pid: 1, host: `not-${hostname()}`, acquiredAt: Date.now() });
    const error = await rejection(
      withFileLock(lockPath, () => Promise.resolve(), { provider: 'test', timeoutMs: 50 }),
    );
    expect(hasErrorCode(error, 'TIMEOUT')).toBe(true);
    await writeLock({ pid: 1, host: `not-${hostname()}`, acquiredAt: Date.now() - 120_000 });
    await expect(withFileLock(lockPath, () => Promise.resolve('taken'), options)).resolves.toBe(
      'taken',
    );
  });

  it('rejects with the abort reason when the signal aborts the wait', async () => {
    await writeLock({ pid: process.ppid, host: hostname(), acquiredAt: Date.now() });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => {
      controller.abort(reason);
    }, 30);
    await expect(
      withFileLock(lockPath, () => Promise.resolve(), { ...options, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('reports a folder it cannot create the lock in as UNAVAILABLE', async () => {
    const error = await rejection(
      withFileLock(join(dir, 'missing', '.lock'), () => Promise.resolve(), options),
    );
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
  });
});
