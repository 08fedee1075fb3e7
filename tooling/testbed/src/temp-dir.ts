import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Unix socket paths are limited to 108 bytes (`sun_path`) and gpg-agent puts its sockets inside
 * GNUPGHOME when `/run/user/$UID` is missing, so the temporary root must stay short.
 */
const MAX_TEMP_ROOT_LENGTH = 40;

/** A private temporary directory that only its creator removes. */
export interface TempDir {
  /** Absolute path, e.g. `/tmp/kr-AbC123`, created with mode 0700. */
  readonly path: string;
  /** Removes the directory and everything in it; idempotent. */
  remove(): Promise<void>;
}

/**
 * Creates a fresh directory with `mkdtemp` under `os.tmpdir()` (or `/tmp` when `os.tmpdir()` is so
 * long that socket paths inside it could overflow). Every call gets its own directory, so suites
 * running in parallel never share one.
 *
 * @param prefix - short prefix of the directory name; `kr-` by default.
 */
export async function createTempDir(prefix = 'kr-'): Promise<TempDir> {
  const root = tmpdir().length <= MAX_TEMP_ROOT_LENGTH ? tmpdir() : '/tmp';
  const path = await mkdtemp(join(root, prefix));
  let removal: Promise<void> | undefined;
  return {
    path,
    remove() {
      // Only ever the directory this call created: never a path handed in from outside.
      removal ??= rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
      return removal;
    },
  };
}
