import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import { parseAuditLine } from './record.js';
import { verifyAuditLog } from './verify.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The gateway's folder: `--import tsx` resolves from there. */
const appDir = join(here, '..', '..');

/**
 * The writer killed mid-load: 32 loops append as fast as they can and print each seq once its
 * append resolved (stdout to a pipe is synchronous on Linux: a printed seq left the process).
 */
const WRITER = `
import { AuditLog } from ${JSON.stringify(pathToFileURL(join(here, 'audit-log.ts')).href)};
const log = await AuditLog.open({ path: process.argv[2] });
let next = 0;
async function loop() {
  for (;;) {
    const record = await log.append({
      requestId: 'crash-' + (next += 1), app: 'crash', op: 'sign', outcome: 'ok', durationMs: 1,
    });
    process.stdout.write(record.seq + '\\n');
  }
}
for (let i = 0; i < 32; i += 1) void loop();
`;

let dir: string;
let path: string;
let writer: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-audit-crash-'));
  path = join(dir, 'audit.log');
  writer = join(dir, 'writer.mjs');
  await writeFile(writer, WRITER);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the writer, kills it with SIGKILL ~300 ms after its first acknowledgement. */
async function runAndKill(): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path], {
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => {
    child.once('close', (_code, signal) => {
      resolve(signal);
    });
  });
  const firstAck = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      resolve();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    void exited.then(() => {
      reject(new Error(`the writer exited before acknowledging anything: ${stderr}`));
    });
  });
  await firstAck;
  await sleep(300);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // A line cut short by the kill was not fully printed: only whole lines count.
  return stdout
    .split('\n')
    .slice(0, -1)
    .map((line) => Number(line));
}

describe('AuditLog under kill -9', () => {
  it('keeps every acknowledged record, and the chain verifies after recovery', async () => {
    let lastSeq = 0;
    for (let round = 0; round < 2; round += 1) {
      const acknowledged = await runAndKill();
      expect(acknowledged.length).toBeGreaterThan(0);

      const log = await AuditLog.open({ path });
      const text = await readFile(path, 'utf8');
      const seqs = new Set(
        text
          .split('\n')
          .slice(0, -1)
          .map((line) => parseAuditLine(line).seq),
      );
      const missing = acknowledged.filter((seq) => !seqs.has(seq));
      expect(missing).toEqual([]);
      // The second writer continued the chain the first one left.
      expect(acknowledged.every((seq) => seq > lastSeq)).toBe(true);
      expect(log.head.seq).toBe(seqs.size);
      expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: log.head.seq });
      lastSeq = log.head.seq;
      await log.close();
    }
  });
});
