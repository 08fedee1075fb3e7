import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { isProcessRunning, killAndWait, readProcessStat } from './pid.js';

describe('readProcessStat', () => {
  it('reads the state and command of a live process', async () => {
    const stat = await readProcessStat(process.pid);
    expect(stat?.state).toMatch(/^[RSD]$/);
    expect(stat?.command).toBeTruthy();
  });

  it('returns undefined for a pid that does not exist', async () => {
    // Above the kernel's pid_max limit (4194304), so it can never exist.
    expect(await readProcessStat(99_999_999)).toBeUndefined();
  });
});

describe('killAndWait', () => {
  it('stops a process and waits until it is gone', async () => {
    const child = execa('sleep', ['30'], { reject: false });
    const pid = child.pid;
    if (pid === undefined) throw new Error('sleep did not start');
    expect(await isProcessRunning(pid)).toBe(true);
    await killAndWait(pid, { expectedCommand: 'sleep' });
    expect(await isProcessRunning(pid)).toBe(false);
    expect((await child).signal).toBe('SIGTERM');
  });

  it('leaves a process alone when its command is not the expected one (pid reuse)', async () => {
    const child = execa('sleep', ['30'], { reject: false });
    const pid = child.pid;
    if (pid === undefined) throw new Error('sleep did not start');
    try {
      await killAndWait(pid, { expectedCommand: 'gpg-agent' });
      expect(await isProcessRunning(pid)).toBe(true);
    } finally {
      child.kill();
      await child;
    }
  });

  it('is a no-op for a pid that is not running', async () => {
    await expect(killAndWait(99_999_999)).resolves.toBeUndefined();
  });
});
