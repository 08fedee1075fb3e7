import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';

import { hasErrorCode } from '@keyroute/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadGatewayConfig } from './load-config.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyroute-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function loadError(path: string): Promise<string> {
  const error: unknown = await loadGatewayConfig(path, {}).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!hasErrorCode(error, 'INVALID_INPUT'))
    throw new Error(`expected INVALID_INPUT: ${String(error)}`);
  return error.message;
}

describe('loadGatewayConfig', () => {
  it('reads a config, resolving relative paths against its folder', async () => {
    const path = await write(
      'good.json',
      JSON.stringify({
        dataDir: 'state',
        providers: [{ id: 'pgp', type: 'openpgp', dir: 'keys', passphrase: { file: 'pass' } }],
      }),
    );
    const config = await loadGatewayConfig(path, { HOME: '/home/ops' });
    expect(config.source).toBe(path);
    expect(config.dataDir).toBe(join(dir, 'state'));
    expect(config.listen).toEqual({ socket: join(dir, 'state', 'keyroute.sock') });
    expect(config.providers).toEqual([
      {
        id: 'pgp',
        type: 'openpgp',
        options: { dir: join(dir, 'keys') },
        secret: { file: join(dir, 'pass') },
      },
    ]);
  });

  it('accepts a byte-order mark', async () => {
    const path = await write('bom.json', '\uFEFF{"apps": []}');
    await expect(loadGatewayConfig(path)).resolves.toMatchObject({ apps: [] });
  });

  it('resolves a relative config path against the working directory', async () => {
    const path = await write('relative.json', '{}');
    const relativePath = relative(process.cwd(), path);
    expect(isAbsolute(relativePath)).toBe(false);
    await expect(loadGatewayConfig(relativePath)).resolves.toMatchObject({ source: path });
  });

  it('says when the file is missing', async () => {
    const path = join(dir, 'missing.json');
    expect(await loadError(path)).toBe(`config file ${path}: no such file`);
  });

  it('says when the path is a directory', async () => {
    const path = join(dir, 'folder.json');
    await mkdir(path);
    expect(await loadError(path)).toBe(`config file ${path}: is a directory, not a file`);
  });

  it('gives line and column of bad JSON without quoting the file', async () => {
    const path = await write(
      'bad.json',
      '{\n  "providers": [\n    { "id": "p", "type": "openpgp", "dir": "k", }\n  ]\n}\n',
    );
    const message = await loadError(path);
    expect(message).toBe(
      `${path}:3:49: invalid JSON: unexpected character "}"; expected a property name in double quotes`,
    );
    expect(message).not.toContain('openpgp');
  });

  it('reports an empty file as unexpected end at 1:1', async () => {
    const path = await write('empty.json', '');
    expect(await loadError(path)).toBe(`${path}:1:1: invalid JSON: unexpected end of input`);
  });

  it('reports truncated JSON at its end', async () => {
    const path = await write('truncated.json', '{\n  "apps": [\n');
    expect(await loadError(path)).toBe(`${path}:3:1: invalid JSON: unexpected end of input`);
  });

  it('prefixes validation errors with the file', async () => {
    const path = await write(
      'invalid.json',
      JSON.stringify({ providers: [{ id: 'gpg', type: 'gpg-agent', homdir: '/x' }] }),
    );
    const message = await loadError(path);
    expect(
      message.startsWith(`${path}: providers[0].homdir: unknown key; known: id, type, homedir`),
    ).toBe(true);
  });
});
