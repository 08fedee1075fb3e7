import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@keyroute/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuditLog } from './audit-log.js';
import type { AuditEvent } from './record.js';
import { verifyAuditLog } from './verify.js';

/**
 * Faults injected into the file handles of node:fs/promises, for what a real file system will
 * not do on demand: fail in the middle of a write (a full disk, an I/O error) or in fsync.
 */
const faults = vi.hoisted(() => ({
  write: undefined as Error | undefined,
  datasync: undefined as Error | undefined,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const open: typeof actual.open = async (...args) => {
    const handle = await actual.open(...args);
    return new Proxy(handle, {
      get(target, property, receiver) {
        if (property === 'write') {
          // Half of the bytes reach the file, then the device fails.
          return async (bytes: Uint8Array, offset: number, length: number, position: number) => {
            const fault = faults.write;
            if (fault === undefined) return target.write(bytes, offset, length, position);
            await target.write(bytes, offset, Math.floor(length / 2), position);
            throw fault;
          };
        }
        if (property === 'datasync') {
          return async () => {
            if (faults.datasync !== undefined) throw faults.datasync;
            return target.datasync();
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  };
  return { ...actual, open, default: { ...actual, open } };
});

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: injected`), { code });
}

function event(index: number): AuditEvent {
  return { requestId: `req-${index}`, app: 'app', op: 'sign', outcome: 'ok', durationMs: 1 };
}

let dir: string;
let path: string;
let log: AuditLog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-audit-faults-'));
  path = join(dir, 'audit.log');
  log = await AuditLog.open({ path });
});
afterEach(async () => {
  faults.write = undefined;
  faults.datasync = undefined;
  await log.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

function writableError(): unknown {
  try {
    log.ensureWritable();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each([
  ['a write', 'write', 'ENOSPC'],
  ['an fsync', 'datasync', 'EIO'],
] as const)('AuditLog when %s fails', (_what, call, code) => {
  it('rejects the batch and what waits behind it with UNAVAILABLE, then heals', async () => {
    for (let index = 0; index < 3; index += 1) await log.append(event(index));
    expect(writableError()).toBeUndefined();
    const durable = await readFile(path, 'utf8');

    faults[call] = systemError(code);
    const failing = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) => log.append(event(3 + index))),
    );
    for (const result of failing) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') {
        expect(hasErrorCode(result.reason, 'UNAVAILABLE')).toBe(true);
        expect((result.reason as Error).cause).toBe(faults[call]);
      }
    }
    expect(hasErrorCode(writableError(), 'UNAVAILABLE')).toBe(true);
    expect(log.head.seq).toBe(3);
    expect(log.stats()).toMatchObject({ records: 3, failures: 1 });

    // While the device still fails, appends keep failing and nothing is acknowledged.
    expect(
      hasErrorCode(await log.append(event(8)).catch((error: unknown) => error), 'UNAVAILABLE'),
    ).toBe(true);

    faults[call] = undefined;
    expect(await log.append(event(9))).toMatchObject({ seq: 4, requestId: 'req-9' });
    expect(writableError()).toBeUndefined();
    // The bytes of the failed commits were cut away before the next one.
    const text = await readFile(path, 'utf8');
    expect(text.startsWith(durable)).toBe(true);
    expect(text.slice(durable.length).split('\n')).toHaveLength(2);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 4 });
  });
});
