import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode } from '@keyroute/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashLine, serializeAuditRecord } from './record.js';
import { verifyAuditLog } from './verify.js';

/** `count` chained record lines, as the audit log writes them. */
function chainedLines(count: number): string[] {
  const lines: string[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const line = serializeAuditRecord({
      seq,
      time: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
      requestId: `req-${seq}`,
      app: seq % 3 === 0 ? null : 'app',
      op: seq % 2 === 0 ? 'sign' : 'decrypt',
      key: `key-${seq % 5}`,
      provider: 'openpgp',
      outcome: 'ok',
      status: 200,
      durationMs: seq / 10,
      prev,
    });
    lines.push(line);
    prev = hashLine(line);
  }
  return lines;
}

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-audit-verify-'));
  path = join(dir, 'audit.log');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function verifyLines(lines: readonly string[], ending = '\n') {
  await writeFile(path, lines.length === 0 ? '' : lines.join('\n') + ending);
  return verifyAuditLog(path);
}

describe('verifyAuditLog', () => {
  it('accepts an intact chain and an empty file', async () => {
    const lines = chainedLines(200);
    expect(await verifyLines(lines)).toEqual({
      ok: true,
      records: 200,
      head: hashLine(lines[199] ?? ''),
    });
    expect(await verifyLines([])).toEqual({ ok: true, records: 0, head: GENESIS_HASH });
  });

  it('finds a changed field in the middle at the line after it', async () => {
    const lines = chainedLines(20);
    lines[9] = (lines[9] ?? '').replace('"outcome":"ok"', '"outcome":"denied"');
    const result = await verifyLines(lines);
    expect(result).toMatchObject({ ok: false, records: 10, firstBadLine: 11 });
    expect(result.problem).toContain('line 10');
  });

  it('finds a deleted line where it was', async () => {
    const lines = chainedLines(20);
    lines.splice(6, 1);
    const result = await verifyLines(lines);
    expect(result).toMatchObject({ ok: false, records: 6, firstBadLine: 7 });
    expect(result.problem).toContain('seq is 8 where 7 was expected');
  });

  it('finds two swapped lines at the first of them', async () => {
    const lines = chainedLines(20);
    const [a, b] = [lines[4] ?? '', lines[5] ?? ''];
    lines[4] = b;
    lines[5] = a;
    expect(await verifyLines(lines)).toMatchObject({ ok: false, records: 4, firstBadLine: 5 });
  });

  it('finds an inserted line, even one forged with the right seq and prev', async () => {
    const lines = chainedLines(20);
    const copy = [...lines];
    copy.splice(3, 0, lines[12] ?? '');
    expect(await verifyLines(copy)).toMatchObject({ ok: false, firstBadLine: 4 });

    const forged = serializeAuditRecord({
      seq: 4,
      time: '2025-01-01T00:00:00.000Z',
      requestId: 'forged',
      app: 'app',
      op: 'sign',
      outcome: 'ok',
      durationMs: 1,
      prev: hashLine(lines[2] ?? ''),
    });
    const withForged = [...lines];
    withForged.splice(3, 0, forged);
    expect(await verifyLines(withForged)).toMatchObject({
      ok: false,
      records: 4,
      firstBadLine: 5,
    });
  });

  it('finds lines removed from the start', async () => {
    const lines = chainedLines(10).slice(2);
    expect(await verifyLines(lines)).toMatchObject({ ok: false, records: 0, firstBadLine: 1 });
  });

  it('finds a line that is not a record, without quoting it', async () => {
    const lines = chainedLines(5);
    lines[2] = 'PIN=123456-canary';
    const result = await verifyLines(lines);
    expect(result).toMatchObject({ ok: false, records: 2, firstBadLine: 3 });
    expect(result.problem).not.toContain('canary');
  });

  it('finds a line that is not UTF-8', async () => {
    const lines = chainedLines(3);
    await writeFile(
      path,
      Buffer.concat([
        Buffer.from(`${lines[0] ?? ''}\n`),
        Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
      ]),
    );
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      records: 1,
      firstBadLine: 2,
      problem: 'the line is not valid UTF-8',
    });
  });

  it('reports a torn final line (no newline)', async () => {
    const lines = chainedLines(5);
    const torn = [...lines.slice(0, 4), (lines[4] ?? '').slice(0, 30)];
    const result = await verifyLines(torn, '');
    expect(result).toMatchObject({ ok: false, records: 4, firstBadLine: 5 });
    expect(result.problem).toContain('no newline');
  });

  it('reports a line longer than any record without reading it all', async () => {
    await writeFile(path, '{"seq":' + 'x'.repeat(200_000));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, records: 0, firstBadLine: 1 });
  });

  it('rejects with UNAVAILABLE when the file cannot be read', async () => {
    const error = await verifyAuditLog(join(dir, 'missing.log')).catch((caught: unknown) => caught);
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
  });
});
