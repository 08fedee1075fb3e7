import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/contract/errors.js';
import { loadProvider } from '../../src/loading/load-provider.js';

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('loadProvider', () => {
  let dir: string;
  let adapterPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-load-'));
    adapterPath = join(dir, 'adapter.mjs');
    // A custom adapter module on disk, loaded by dynamic import exactly like a package.
    await writeFile(
      adapterPath,
      `export function createProvider(config, context) {
  return { id: config.id ?? config.type, kind: config.type, greeting: config.greeting, hasSecrets: typeof context.secrets === 'function' };
}
`,
    );
    await writeFile(join(dir, 'not-adapter.mjs'), 'export const nothing = 1;\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a custom adapter module only when the config names it, and passes config and secrets', async () => {
    const provider = (await loadProvider(
      { type: 'custom', id: 'c1', package: pathToFileURL(adapterPath).href, greeting: 'hi' },
      { secrets: () => undefined },
    )) as unknown as Record<string, unknown>;
    expect(provider).toMatchObject({ id: 'c1', kind: 'custom', greeting: 'hi', hasSecrets: true });
  });

  it('says which package to install when an adapter package is missing', async () => {
    const error = await rejection(
      loadProvider({ type: 'custom', package: '@keyroute/no-such-adapter' }),
    );
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('npm install @keyroute/no-such-adapter');
  });

  it('maps built-in types to their packages', async () => {
    const asked: string[] = [];
    const importModule = (specifier: string): Promise<unknown> => {
      asked.push(specifier);
      return Promise.resolve({
        createProvider: (config: { type: string }) => ({ id: config.type }),
      });
    };
    for (const spec of [
      'gpg-agent:',
      'pkcs11:token=a',
      'openpgp:/k',
      'unix:/s.sock',
      'http://127.0.0.1:1',
    ]) {
      await loadProvider(spec, { importModule });
    }
    expect(asked).toEqual([
      '@keyroute/gpg-agent',
      '@keyroute/pkcs11',
      '@keyroute/openpgp',
      '@keyroute/client',
      '@keyroute/client',
    ]);
  });

  it('rejects a module that is not an adapter, and unknown types', async () => {
    const notAdapter = await rejection(
      loadProvider({ type: 'x', package: pathToFileURL(join(dir, 'not-adapter.mjs')).href }),
    );
    expect(hasErrorCode(notAdapter, 'INVALID_INPUT')).toBe(true);
    const unknown = await rejection(loadProvider({ type: 'mystery' }));
    expect(hasErrorCode(unknown, 'INVALID_INPUT')).toBe(true);
    expect((unknown as Error).message).toMatch(/gpg-agent, pkcs11, openpgp, gateway/);
  });

  it('rejects with the signal reason when aborted', async () => {
    const reason = new Error('stop');
    const error = await rejection(
      loadProvider('openpgp:/k', {
        signal: AbortSignal.abort(reason),
        importModule: () => Promise.resolve({}),
      }),
    );
    expect(error).toBe(reason);
  });
});
