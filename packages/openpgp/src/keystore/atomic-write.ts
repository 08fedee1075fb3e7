import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { systemErrorCode } from './errors.js';
import { tempFileName } from './temp-files.js';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Permission bits of the file, set exactly (not masked by the umask). Without it the file
   * gets `0o666` masked by the umask, as with `fs.writeFile`.
   */
  readonly mode?: number;
}

/** Errors of `fsync` on a directory that only mean the platform cannot do it. */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP']);

/**
 * Makes the entries of `dir` durable (a rename or unlink in it survives a power loss); a no-op
 * where the platform cannot fsync a folder.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has(systemErrorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

async function writeAndSync(
  tempPath: string,
  data: string | Uint8Array,
  mode: number | undefined,
): Promise<void> {
  // `wx`: the name is random, but never write through a file someone else created.
  const handle = await open(tempPath, 'wx', mode ?? 0o666);
  try {
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` so that readers see either the old file or the whole new one,
 * also after a crash or power loss: writes a uniquely named temporary file in the same folder,
 * fsyncs it, renames it over `path` (atomic on POSIX file systems), then fsyncs the folder so
 * the rename itself is durable. Two writers racing on one path each rename a complete file;
 * the last rename wins.
 *
 * On failure the temporary file is removed and `path` is left as it was. A process killed
 * mid-write leaves only a hidden temporary file that names its pid (see
 * `removeOrphanTempFiles`).
 *
 * @throws the file-system error as it is (callers turn it into a `ProviderError`).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const tempPath = join(dir, tempFileName(basename(path)));
  try {
    await writeAndSync(tempPath, data, options.mode);
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}
