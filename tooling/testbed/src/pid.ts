import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads the state letter and command name of a process from `/proc/<pid>/stat`
 * (`pid (comm) S ppid …`; comm may itself contain spaces and parentheses, so split at the last `)`).
 *
 * @returns undefined when the process does not exist or /proc is unavailable.
 */
export async function readProcessStat(
  pid: number,
): Promise<{ state: string; command: string } | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const state = text.slice(close + 2, close + 3);
  if (open < 0 || close < open || state === '') return undefined;
  return { state, command: text.slice(open + 1, close) };
}

/**
 * Tells whether a process is still running. A zombie counts as gone: daemons that detach are
 * re-parented to pid 1, and in containers whose pid 1 does not reap children a killed daemon
 * stays a zombie forever.
 */
export async function isProcessRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = await readProcessStat(pid);
  return stat === undefined ? true : stat.state !== 'Z' && stat.state !== 'X';
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isProcessRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Stops one process by pid: SIGTERM, then SIGKILL when it has not exited after `graceMs`.
 * When `expectedCommand` is given and `/proc` shows a different command, the pid has been reused
 * by an unrelated process and nothing is killed.
 *
 * @throws Error when the process is still running after SIGKILL.
 */
export async function killAndWait(
  pid: number,
  options: { expectedCommand?: string; graceMs?: number } = {},
): Promise<void> {
  if (!(await isProcessRunning(pid))) return;
  if (options.expectedCommand !== undefined) {
    const stat = await readProcessStat(pid);
    if (stat !== undefined && stat.command !== options.expectedCommand) return;
  }
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  signal('SIGTERM');
  if (await waitUntilGone(pid, options.graceMs ?? 2_000)) return;
  signal('SIGKILL');
  if (await waitUntilGone(pid, 2_000)) return;
  throw new Error(`process ${pid} is still running after SIGKILL`);
}
