import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@keyroute/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { GENESIS_HASH, hashLine, parseAuditLine, serializeAuditRecord } from './record.js';
import type { AuditEvent, AuditRecord } from './record.js';
import { verifyAuditLog } from './verify.js';

const CANARY = 'canary-7f3a9c';

function event(index: number): AuditEvent {
  return {
    requestId: `req-${index}`,
    app: 'billing',
    op: 'sign',
    key: 'openpgp:0123456789ABCDEF',
    provider: 'openpgp',
    outcome: 'ok',
    status: 200,
    durationMs: index % 7,
  };
}

let dir: string;
let path: string;
const opened: AuditLog[] = [];

async function openLog(options: Partial<Parameters<typeof AuditLog.open>[0]> = {}) {
  const log = await AuditLog.open({ path, ...options });
  opened.push(log);
  return log;
}

async function fileLines(): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text.split('\n').slice(0, -1);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-audit-log-'));
  path = join(dir, 'audit.log');
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((log) => log.close().catch(() => undefined)));
  await rm(dir, { recursive: true, force: true });
});

describe('AuditLog.open', () => {
  it('creates the file with mode 0600 in folders with mode 0700', async () => {
    path = join(dir, 'var', 'audit', 'audit.log');
    const log = await openLog();
    expect(log.path).toBe(path);
    expect(log.recovered).toEqual({ truncatedBytes: 0, lastLineReadable: true });
    expect(log.head).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'var', 'audit'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'var'))).mode & 0o777).toBe(0o700);
  });

  it('refuses a file that is not an audit log and leaves it as it was', async () => {
    await writeFile(path, 'listen = "127.0.0.1:8443"\nno newline at the end');
    expect(hasErrorCode(await rejection(openLog()), 'PROTOCOL')).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('listen = "127.0.0.1:8443"\nno newline at the end');
  });

  it('rejects with UNAVAILABLE when the file cannot be opened', async () => {
    await mkdir(path);
    expect(hasErrorCode(await rejection(openLog()), 'UNAVAILABLE')).toBe(true);
  });

  it('rejects a maxBatch below 1 with INVALID_INPUT', async () => {
    expect(hasErrorCode(await rejection(openLog({ maxBatch: 0 })), 'INVALID_INPUT')).toBe(true);
  });
});

describe('AuditLog.append', () => {
  it('writes a chain that verifies, one line per record, stamped by the clock', async () => {
    let tick = Date.UTC(2025, 5, 1);
    const log = await openLog({ now: () => new Date((tick += 1000)) });
    const records: AuditRecord[] = [];
    for (let index = 0; index < 50; index += 1) records.push(await log.append(event(index)));

    const lines = await fileLines();
    expect(lines).toHaveLength(50);
    lines.forEach((line, index) => {
      expect(parseAuditLine(line)).toEqual(records[index]);
    });
    expect(records[0]).toMatchObject({ seq: 1, prev: GENESIS_HASH, requestId: 'req-0' });
    expect(records[1]?.prev).toBe(hashLine(lines[0] ?? ''));
    expect(records[1]?.time).toBe(new Date(Date.UTC(2025, 5, 1) + 2000).toISOString());
    expect(log.head).toEqual({ seq: 50, hash: hashLine(lines[49] ?? '') });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 50 });
  });

  it('commits 500 concurrent appends in call order with fewer fsyncs than records', async () => {
    const log = await openLog();
    const records = await Promise.all(
      Array.from({ length: 500 }, (_, index) => log.append(event(index))),
    );
    expect(records.map((record) => record.seq)).toEqual(
      Array.from({ length: 500 }, (_, index) => index + 1),
    );
    expect(records.map((record) => record.requestId)).toEqual(
      Array.from({ length: 500 }, (_, index) => `req-${index}`),
    );
    const stats = log.stats();
    expect(stats.records).toBe(500);
    expect(stats.fsyncs).toBeLessThan(500);
    expect(stats.fsyncs).toBe(stats.batches);
    // Every resolved record is on disk, exactly as acknowledged.
    expect((await fileLines()).map((line) => parseAuditLine(line))).toEqual(records);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 500 });
  });

  it('keeps batches to maxBatch records', async () => {
    const log = await openLog({ maxBatch: 10 });
    await Promise.all(Array.from({ length: 95 }, (_, index) => log.append(event(index))));
    expect(log.stats()).toMatchObject({ records: 95, batches: 10 });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 95 });
  });

  it('groups appends that arrive while a commit is in flight', async () => {
    const log = await openLog();
    const first = log.append(event(0));
    // Microtasks only: the first batch is taken, and its I/O cannot have finished.
    for (let tick = 0; tick < 10; tick += 1) await Promise.resolve();
    // The first commit is in flight: these wait and share the next one.
    const rest = Array.from({ length: 20 }, (_, index) => log.append(event(index + 1)));
    await Promise.all([first, ...rest]);
    expect(log.stats()).toMatchObject({ records: 21, batches: 2 });
  });

  it('refuses an event carrying a secret and writes the others of its batch', async () => {
    const log = await openLog();
    const sneaky = { ...event(1), pin: CANARY, data: CANARY } as AuditEvent;
    const results = await Promise.allSettled([
      log.append(event(0)),
      log.append(sneaky),
      log.append({ ...event(2), key: `${CANARY}\n{"seq":99}` }),
      log.append(event(3)),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(hasErrorCode(result.reason, 'INTERNAL')).toBe(true);
        expect((result.reason as Error).message).not.toContain(CANARY);
      }
    }
    expect(() => {
      log.ensureWritable();
    }).not.toThrow();
    expect(results[3]).toMatchObject({ value: { seq: 2, requestId: 'req-3' } });
    expect(await readFile(path, 'utf8')).not.toContain(CANARY);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 2 });
  });

  it('rejects with INTERNAL when the clock gives an invalid date', async () => {
    const log = await openLog({ now: () => new Date(Number.NaN) });
    expect(hasErrorCode(await rejection(log.append(event(0))), 'INTERNAL')).toBe(true);
  });
});

describe('AuditLog recovery', () => {
  async function writeRecords(count: number): Promise<void> {
    const log = await AuditLog.open({ path });
    for (let index = 0; index < count; index += 1) await log.append(event(index));
    await log.close();
  }

  it('continues the chain of an existing log', async () => {
    await writeRecords(5);
    const log = await openLog();
    expect(log.recovered.truncatedBytes).toBe(0);
    expect(log.head.seq).toBe(5);
    expect(await log.append(event(5))).toMatchObject({ seq: 6 });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 6 });
  });

  it('truncates a torn final line and continues the chain after the last whole one', async () => {
    await writeRecords(5);
    const before = await readFile(path, 'utf8');
    const next = serializeAuditRecord({
      ...event(5),
      seq: 6,
      time: new Date().toISOString(),
      prev: hashLine((await fileLines())[4] ?? ''),
    });
    const torn = next.slice(0, Math.floor(next.length / 2));
    await appendFile(path, torn);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, firstBadLine: 6 });

    const log = await openLog();
    expect(log.recovered).toEqual({ truncatedBytes: torn.length, lastLineReadable: true });
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(log.head.seq).toBe(5);
    expect(await log.append(event(5))).toMatchObject({ seq: 6 });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 6 });
  });

  it('truncates a torn first record', async () => {
    await writeFile(path, '{"seq":1,"ti');
    const log = await openLog();
    expect(log.recovered.truncatedBytes).toBe(12);
    expect(await log.append(event(0))).toMatchObject({ seq: 1, prev: GENESIS_HASH });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 1 });
  });

  it('opens a log whose chain is broken without repairing it', async () => {
    await writeRecords(6);
    const lines = await fileLines();
    lines[2] = (lines[2] ?? '').replace('"status":200', '"status":500');
    await writeFile(path, lines.join('\n') + '\n');

    const log = await openLog();
    expect(log.recovered).toEqual({ truncatedBytes: 0, lastLineReadable: true });
    expect(await log.append(event(6))).toMatchObject({ seq: 7 });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, records: 3, firstBadLine: 4 });
  });

  it('continues by line count after a last line that is not a record', async () => {
    await writeRecords(3);
    await appendFile(path, '{"seq":garbage}\n');
    const log = await openLog();
    expect(log.recovered).toEqual({ truncatedBytes: 0, lastLineReadable: false });
    expect(await log.append(event(3))).toMatchObject({ seq: 5 });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, records: 3, firstBadLine: 4 });
  });
});

describe('AuditLog.close', () => {
  it('writes what was appended before, then refuses appends', async () => {
    const log = await openLog();
    const pending = Array.from({ length: 10 }, (_, index) => log.append(event(index)));
    await log.close();
    expect((await Promise.all(pending)).map((record) => record.seq)).toHaveLength(10);
    expect(await fileLines()).toHaveLength(10);

    expect(hasErrorCode(await rejection(log.append(event(10))), 'UNAVAILABLE')).toBe(true);
    expect(() => {
      log.ensureWritable();
    }).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }) as Error);
    await log.close();
  });
});
