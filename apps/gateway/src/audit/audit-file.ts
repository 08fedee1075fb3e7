import { constants } from 'node:fs';
import { chmod, mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Permission bits of a new audit log: the gateway's user alone reads it. */
export const AUDIT_FILE_MODE = 0o600;

/** Permission bits of folders created for the audit log. */
export const AUDIT_DIRECTORY_MODE = 0o700;

/** Errors of `fsync` on a directory that only mean the platform cannot do it. */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP']);

/** The `code` of a Node.js system error (`ENOENT`, `EEXIST`, …), or undefined. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' ? code : undefined;
}

/** Makes the entries of `dir` durable; a no-op where the platform cannot fsync a folder. */
async function syncDirectory(dir: string): Promise<void> {
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

/**
 * Creates the folders up to `dir` that are missing, with exactly {@link AUDIT_DIRECTORY_MODE},
 * and makes each new entry durable.
 */
async function makeDirectory(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: AUDIT_DIRECTORY_MODE });
  if (first === undefined) return;
  for (let created = dir; ; created = dirname(created)) {
    await chmod(created, AUDIT_DIRECTORY_MODE);
    await syncDirectory(dirname(created));
    if (created === first || dirname(created) === created) return;
  }
}

/**
 * Opens the audit log at `path` for reading and positioned writes (not `O_APPEND`: the log
 * writes at the offset it knows to be the end of its last durable record). A missing file is
 * created with exactly {@link AUDIT_FILE_MODE}, in folders created with
 * {@link AUDIT_DIRECTORY_MODE}, and its directory entry is made durable before this resolves.
 * An existing file keeps its permissions.
 *
 * @throws the file-system error as it is.
 */
export async function openAuditFile(path: string): Promise<FileHandle> {
  await makeDirectory(dirname(path));
  let handle: FileHandle;
  try {
    handle = await open(
      path,
      constants.O_RDWR | constants.O_CREAT | constants.O_EXCL,
      AUDIT_FILE_MODE,
    );
  } catch (error) {
    if (systemErrorCode(error) !== 'EEXIST') throw error;
    return open(path, constants.O_RDWR);
  }
  try {
    await handle.chmod(AUDIT_FILE_MODE);
    await syncDirectory(dirname(path));
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** Writes all of `bytes` at `position`, however many `write` calls that takes. */
export async function writeFully(
  handle: FileHandle,
  bytes: Uint8Array,
  position: number,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(
      bytes,
      offset,
      bytes.byteLength - offset,
      position + offset,
    );
    if (bytesWritten <= 0) throw new Error('the write made no progress');
    offset += bytesWritten;
  }
}
