import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

/** `.<target name>.<pid>.<12 hex digits>.tmp` */
const TEMP_NAME = /^\.(.+)\.(\d+)\.([0-9a-f]{12})\.tmp$/;

/**
 * A unique name for a temporary file written next to `targetName`: hidden (leading dot, so a
 * listing of `*.asc` never sees it), carrying the writer's pid so an orphan can be told from a
 * write in progress.
 */
export function tempFileName(targetName: string, pid: number = process.pid): string {
  return `.${targetName}.${pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** The pid of the writer of a temporary file named by {@link tempFileName}, or undefined. */
export function tempFileWriter(name: string): number | undefined {
  const pid = TEMP_NAME.exec(name)?.[2];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * Removes the temporary files in `dir` whose writer process is gone (it was killed between
 * creating and renaming them). Files of live processes, including this one, stay. Best effort:
 * a folder that cannot be read is left as it is.
 *
 * @returns the names removed.
 */
export async function removeOrphanTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempFileWriter(name);
    if (pid === undefined || pid === process.pid || isProcessAlive(pid)) continue;
    try {
      await rm(join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // Another cleaner got there first, or no permission: leave it.
    }
  }
  return removed;
}
