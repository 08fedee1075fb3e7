import { systemErrorCode } from './errors.js';

/**
 * True when a process with this pid exists on this host (signal 0 probes without signalling;
 * `EPERM` means it exists but belongs to another user). A reused pid reads as alive: callers
 * only ever err on the side of leaving a file alone.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return systemErrorCode(error) === 'EPERM';
  }
}
