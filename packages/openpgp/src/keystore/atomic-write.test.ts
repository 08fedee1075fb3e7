import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

/**
 * Faults injected into node:fs/promises, for the one thing a real file system will not do on
 * demand: fail in the middle of a write (a full disk, an I/O error) or of the rename.
 */
const faults = vi.hoisted(() => ({
  write: undefined as Error | undefined,
  rename: undefined as Error | undefined,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const open: typeof actual.open = async (...args) => {
    const handle = await actual.open(...args);
    const fault = faults.write;
    if (fault === undefined) return handle;
    return new Proxy(handle, {
      get(target, property, receiver) {
        if (property === 'writeFile') {
          // Half of the data reaches the disk, then the device fails.
          return async (data: string | Uint8Array) => {
            const bytes = typeof data === 'string' ? Buffer.from(data) : data;
            await target.write(bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
            throw fault;
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  };
  const rename: typeof actual.rename = async (from, to) => {
    if (faults.rename !== undefined) throw faults.rename;
    return actual.rename(from, to);
  };
  return { ...actual, open, rename, default: { ...actual, open, rename } };
});

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: injected`), { code });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-atomic-'));
});
afterEach(async () => {
  faults.write = undefined;
  faults.rename = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes a new file with exactly the mode asked for, leaving no temporary file', async () => {
    const path = join(dir, 'key.asc');
    const previous = process.umask(0o077);
    try {
      await writeFileAtomic(path, 'public', { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    expect(await readFile(path, 'utf8')).toBe('public');
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    await writeFileAtomic(join(dir, 'secret.asc'), new Uint8Array([1, 2, 3]), { mode: 0o600 });
    expect((await stat(join(dir, 'secret.asc'))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['key.asc', 'secret.asc']);
  });

  it('replaces a file whole', async () => {
    const path = join(dir, 'key.asc');
    await writeFile(path, 'old content that is longer than the new one');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('leaves the old file and no partial or temporary file when the write fails midway', async () => {
    const path = join(dir, 'key.asc');
    await writeFile(path, 'old');
    faults.write = systemError('ENOSPC');
    await expect(writeFileAtomic(path, 'x'.repeat(100_000))).rejects.toBe(faults.write);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['key.asc']);
  });

  it('creates no file at all when the first write of a new file fails', async () => {
    faults.write = systemError('EIO');
    await expect(writeFileAtomic(join(dir, 'new.asc'), 'data')).rejects.toMatchObject({
      code: 'EIO',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the temporary file when the rename fails', async () => {
    const path = join(dir, 'key.asc');
    await writeFile(path, 'old');
    faults.rename = systemError('EXDEV');
    await expect(writeFileAtomic(path, 'new')).rejects.toBe(faults.rename);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['key.asc']);
  });

  it('lets racing writers each rename a complete file', async () => {
    const path = join(dir, 'key.asc');
    const contents = Array.from({ length: 20 }, (_, i) => `writer ${i} `.repeat(5_000));
    await Promise.all(contents.map((content) => writeFileAtomic(path, content)));
    expect(contents).toContain(await readFile(path, 'utf8'));
    expect(await readdir(dir)).toEqual(['key.asc']);
  });
});
