import { AsyncLocalStorage } from 'node:async_hooks';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, raceAbort } from '@keyroute/core';
import { fileSystemError, systemErrorCode } from './errors.js';
import { isProcessAlive } from './process-alive.js';
import { tempFileName } from './temp-files.js';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Longest wait for the lock, in milliseconds; 10 s by default. */
  readonly timeoutMs?: number;
  /** Provider id, for errors. */
  readonly provider: string;
  /**
   * A lock older than this is broken whoever holds it, in milliseconds; 60 s by default. Writers
   * hold the lock for the few milliseconds of a write, so only a hung or vanished holder (a
   * container that was killed and came back with another host name, a reused pid) gets there.
   */
  readonly staleAfterMs?: number;
  /** Aborts the wait (rejects with `signal.reason`); the work, once started, is not aborted. */
  readonly signal?: AbortSignal;
}

/** What a lock file holds: who took the lock, and when. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Milliseconds since the epoch. */
  readonly acquiredAt: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_AFTER_MS = 60_000;
/** A lock file still empty after this long belongs to a writer that died while creating it. */
const EMPTY_LOCK_GRACE_MS = 5_000;
const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 50;

/** Parses a lock file's content; undefined when it is empty or not ours. */
export function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, host, acquiredAt } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof host !== 'string' || typeof acquiredAt !== 'number') {
      return undefined;
    }
    return { pid, host, acquiredAt };
  } catch {
    return undefined;
  }
}

/** What stands in the way of taking a lock. */
type Holder =
  | { readonly state: 'gone' }
  | { readonly state: 'live'; readonly owner: LockOwner | undefined }
  | { readonly state: 'stale'; readonly ino: number; readonly owner: LockOwner | undefined };

/** Lock files this process holds now (its own pid in a lock file not listed here is stale). */
const ownLocks = new Set<string>();

function isStale(path: string, owner: LockOwner, staleAfterMs: number): boolean {
  if (Date.now() - owner.acquiredAt > staleAfterMs) return true;
  // A pid on another host cannot be probed from here.
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return !ownLocks.has(path);
  return !isProcessAlive(owner.pid);
}

async function inspectHolder(path: string, staleAfterMs: number): Promise<Holder> {
  let ino: number;
  let mtimeMs: number;
  let text: string;
  try {
    ({ ino, mtimeMs } = await stat(path));
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return { state: 'gone' };
    throw error;
  }
  const owner = parseLockOwner(text);
  // Empty: created but not written yet — or its writer died in between.
  const stale =
    owner === undefined
      ? Date.now() - mtimeMs > EMPTY_LOCK_GRACE_MS
      : isStale(path, owner, staleAfterMs);
  return stale ? { state: 'stale', ino, owner } : { state: 'live', owner };
}

/**
 * Removes a stale lock file — only the one inspected: it is renamed aside first (atomic), and
 * if what was renamed turns out to be a newer lock (another process broke the stale one and
 * took the lock in between) it is linked back, which fails rather than replace a third lock.
 */
async function breakStaleLock(path: string, staleIno: number): Promise<void> {
  const aside = `${path}.${tempFileName('stale')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    const { ino } = await stat(aside);
    if (ino !== staleIno) await link(aside, path).catch(() => undefined);
  } finally {
    await rm(aside, { force: true });
  }
}

/** A lock file this process created; {@link release} removes it if it is still the same file. */
interface HeldLock {
  release(): Promise<void>;
}

async function tryCreate(path: string): Promise<HeldLock | undefined> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (systemErrorCode(error) === 'EEXIST') return undefined;
    throw error;
  }
  let ino: number;
  try {
    const owner: LockOwner = { pid: process.pid, host: hostname(), acquiredAt: Date.now() };
    await handle.writeFile(JSON.stringify(owner));
    ({ ino } = await handle.stat());
  } catch (error) {
    await handle.close();
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
  ownLocks.add(path);
  return {
    async release() {
      ownLocks.delete(path);
      try {
        if ((await stat(path)).ino === ino) await rm(path, { force: true });
      } catch (error) {
        if (systemErrorCode(error) !== 'ENOENT') throw error;
      }
    },
  };
}

function describeOwner(owner: LockOwner | undefined): string {
  if (owner === undefined) return 'a writer that has not recorded itself yet';
  return `pid ${owner.pid} on ${owner.host} since ${new Date(owner.acquiredAt).toISOString()}`;
}

/**
 * Takes the cross-process lock file at `path`: created with `O_EXCL` and holding
 * {@link LockOwner} as JSON. Waits (polling with growing pauses) while another live process
 * holds it; breaks it when its process is gone (same host only).
 */
async function acquireFileLock(path: string, options: FileLockOptions): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_POLL_MS;
  for (;;) {
    options.signal?.throwIfAborted();
    const held = await tryCreate(path);
    if (held !== undefined) return held;
    const holder = await inspectHolder(path, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
    if (holder.state === 'stale') {
      await breakStaleLock(path, holder.ino);
      continue;
    }
    if (holder.state === 'gone') continue;
    if (Date.now() >= deadline) {
      throw new ProviderError(
        'TIMEOUT',
        `the keystore lock ${path} is held by ${describeOwner(holder.owner)}; gave up after ${timeoutMs} ms (remove the file only if that process is gone)`,
        { provider: options.provider },
      );
    }
    await sleep(pause * (0.5 + Math.random()), undefined, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
}

/** Lock files held by the current asynchronous context (makes {@link withFileLock} re-entrant). */
const heldLocks = new AsyncLocalStorage<ReadonlySet<string>>();
/** Per lock file, the tail of this process's queue of holders (first in, first out). */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `work` while holding the exclusive writer lock `path`, against other processes (a lock
 * file, see above) and other callers in this process (a queue, so they do not poll). Re-entrant:
 * `work` may call functions that take the same lock. The lock is released on every path.
 *
 * @throws ProviderError `TIMEOUT` naming the holder when the lock stays taken for
 *   `timeoutMs`; a `ProviderError` from the file system (`DENIED`, `UNAVAILABLE`) when the lock
 *   file cannot be created; `signal.reason` when the signal aborts the wait.
 */
export async function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  options: FileLockOptions,
): Promise<T> {
  // One spelling per file: the queue and the re-entrancy check compare paths.
  const path = resolve(lockPath);
  const held = heldLocks.getStore();
  if (held?.has(path) === true) return work();
  const previous = queues.get(path) ?? Promise.resolve();
  let leave = (): void => undefined;
  const turn = new Promise<void>((resolve) => {
    leave = resolve;
  });
  const tail = previous.then(() => turn);
  queues.set(path, tail);
  try {
    await raceAbort(previous, options.signal);
    let lock: HeldLock;
    try {
      lock = await acquireFileLock(path, options);
    } catch (error) {
      // The contract: an aborted call rejects with the signal's reason, unchanged.
      if (options.signal?.aborted === true) throw options.signal.reason;
      throw fileSystemError(error, {
        provider: options.provider,
        operation: `take the keystore lock ${path}`,
      });
    }
    try {
      return await heldLocks.run(new Set([...(held ?? []), path]), work);
    } finally {
      await lock.release();
    }
  } finally {
    leave();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
