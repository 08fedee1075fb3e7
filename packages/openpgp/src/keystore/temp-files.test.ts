import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeOrphanTempFiles, tempFileName, tempFileWriter } from './temp-files.js';

/** The pid of a process that has exited (so it is, for a while, no one's). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((resolve) => child.once('exit', resolve));
  if (pid === undefined) throw new Error('no pid');
  return pid;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-temp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('temporary file names', () => {
  it('are hidden, unique and carry the writer pid', () => {
    const a = tempFileName('X.asc');
    const b = tempFileName('X.asc');
    expect(a).not.toBe(b);
    expect(a.startsWith('.X.asc.')).toBe(true);
    expect(tempFileWriter(a)).toBe(process.pid);
    expect(tempFileWriter('X.asc')).toBeUndefined();
  });

  it('removeOrphanTempFiles removes files of dead writers only', async () => {
    const orphan = tempFileName('A.asc', await deadPid());
    const ours = tempFileName('B.asc');
    await writeFile(join(dir, orphan), 'partial');
    await writeFile(join(dir, ours), 'in progress');
    await writeFile(join(dir, 'C.asc'), 'a key');
    expect(await removeOrphanTempFiles(dir)).toEqual([orphan]);
    expect((await readdir(dir)).sort()).toEqual([ours, 'C.asc'].sort());
    expect(await removeOrphanTempFiles(join(dir, 'missing'))).toEqual([]);
  });
});
