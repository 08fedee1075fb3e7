import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { hasErrorCode, type SecretRequest, type SecretSource } from '@keyroute/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { secretSourceFor } from './secrets.js';

const REQUEST: SecretRequest = { provider: 'p', kind: 'pin', key: 'token', attempt: 1 };
const SECRET = 'hunter2-value';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyroute-secrets-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function secretFile(name: string, content: string, mode: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

function sourceFor(
  ref: Parameters<typeof secretSourceFor>[0],
  env?: NodeJS.ProcessEnv,
): SecretSource {
  const source = secretSourceFor(ref, env);
  if (source === undefined) throw new Error('expected a secret source');
  return source;
}

async function ask(source: SecretSource, signal?: AbortSignal): Promise<unknown> {
  return source(REQUEST, signal === undefined ? {} : { signal });
}

async function failure(source: SecretSource): Promise<Error> {
  const error: unknown = await ask(source).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the request to fail');
  expect(error.message).not.toContain(SECRET);
  const cause: unknown = error.cause;
  if (cause instanceof Error) expect(cause.message).not.toContain(SECRET);
  return error;
}

describe('secretSourceFor', () => {
  it('gives no source without a reference', () => {
    expect(secretSourceFor(undefined)).toBeUndefined();
  });

  it('reads an environment variable at request time', async () => {
    const env: NodeJS.ProcessEnv = {};
    const source = sourceFor({ env: 'TOKEN_PIN' }, env);
    expect(await ask(source)).toBeUndefined();
    env['TOKEN_PIN'] = SECRET;
    expect(await ask(source)).toBe(SECRET);
    env['TOKEN_PIN'] = 'changed';
    expect(await ask(source)).toBe('changed');
  });

  it('reads process.env by default', async () => {
    const name = `KEYROUTE_TEST_SECRET_${process.pid}`;
    const source = sourceFor({ env: name });
    process.env[name] = SECRET;
    try {
      expect(await ask(source)).toBe(SECRET);
    } finally {
      Reflect.deleteProperty(process.env, name);
    }
  });

  it('reads a 0600 file at request time, without one trailing newline', async () => {
    const path = await secretFile('pin', `${SECRET}\n`, 0o600);
    const source = sourceFor({ file: path });
    expect(await ask(source)).toBe(SECRET);
    await writeFile(path, 'second\r\n');
    expect(await ask(source)).toBe('second');
    await writeFile(path, 'third\n\n');
    expect(await ask(source)).toBe('third\n');
    await writeFile(path, ' spaced ');
    expect(await ask(source)).toBe(' spaced ');
  });

  it('accepts 0400 and follows symbolic links to the file', async () => {
    const path = await secretFile('readonly', SECRET, 0o400);
    expect(await ask(sourceFor({ file: path }))).toBe(SECRET);
    const link = join(dir, 'link');
    await symlink(path, link);
    expect(await ask(sourceFor({ file: link }))).toBe(SECRET);
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o610, 0o601])(
    'refuses a file with mode %o without showing its content',
    async (mode) => {
      const path = await secretFile(`open-${mode.toString(8)}`, SECRET, mode);
      const error = await failure(sourceFor({ file: path }));
      expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
      expect(error.message).toBe(
        `secret file ${path} has mode 0${mode.toString(8)}: its group or others may access it; ` +
          `it holds a secret, so restrict it to its owner (chmod 600 ${path})`,
      );
    },
  );

  it('checks the mode on every request', async () => {
    const path = await secretFile('later', SECRET, 0o600);
    const source = sourceFor({ file: path });
    expect(await ask(source)).toBe(SECRET);
    await chmod(path, 0o644);
    expect(hasErrorCode(await failure(source), 'INVALID_INPUT')).toBe(true);
  });

  it('fails UNAVAILABLE for a missing file', async () => {
    const path = join(dir, 'absent');
    const error = await failure(sourceFor({ file: path }));
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect(error.message).toBe(`cannot read secret file ${path} (ENOENT)`);
  });

  it('refuses a directory and a file too big to be a secret', async () => {
    const folder = join(dir, 'folder');
    await mkdir(folder, { mode: 0o700 });
    expect((await failure(sourceFor({ file: folder }))).message).toMatch(/not a regular file/);
    const big = await secretFile('big', 'x'.repeat(64 * 1024 + 1), 0o600);
    expect((await failure(sourceFor({ file: big }))).message).toMatch(/is 65537 bytes/);
  });

  it('honours an aborted signal', async () => {
    const path = await secretFile('aborted', SECRET, 0o600);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(ask(sourceFor({ file: path }), controller.signal)).rejects.toThrow('stop');
  });
});
