import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url).href.replace(/test\/$/, ''));

/**
 * Imports the built package in a fresh Node process with a resolve hook that records every
 * module URL, and a `process.dlopen` spy that records every native addon.
 */
describe("import('@keyroute/core')", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-import-'));
    await writeFile(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.KR_MODULE_LOG, result.url + '\\n');
  return result;
}
`,
    );
    await writeFile(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
register(new URL('./hooks.mjs', import.meta.url));
const dlopen = process.dlopen;
process.dlopen = (module, filename, ...rest) => {
  appendFileSync(process.env.KR_MODULE_LOG, 'dlopen:' + filename + '\\n');
  return dlopen(module, filename, ...rest);
};
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads no native module, no adapter and no OpenPGP library', async () => {
    const log = join(dir, 'modules.log');
    await writeFile(log, '');
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        join(dir, 'register.mjs'),
        '--input-type=module',
        '-e',
        "const core = await import('@keyroute/core'); console.log(typeof core.loadProvider, typeof core.createRouter);",
      ],
      { cwd: packageDir, env: { ...process.env, KR_MODULE_LOG: log } },
    );
    expect(stdout.trim()).toBe('function function');
    const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    // The hook saw the package itself: proof that the log works.
    expect(loaded.some((url) => url.includes('/packages/core/dist/index.js'))).toBe(true);
    const offending = loaded.filter(
      (url) =>
        url.startsWith('dlopen:') ||
        url.endsWith('.node') ||
        /@keyroute\/(?:gpg-agent|pkcs11|openpgp|client|assuan)|pkcs11js|\/openpgp\/|vitest/.test(
          url,
        ),
    );
    expect(offending).toEqual([]);
  });
});
