import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { hasErrorCode, loadProvider, staticSecret } from '@keyroute/core';
import type { SoftHsmToken } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireModule, createPkcs11Provider, loadedModules } from '../../src/index.js';
import { createProcessToken, providerFor, tokenUriOf } from '../helpers.js';
import { nodeVerifies } from '../verify.js';

let token: SoftHsmToken;

beforeAll(async () => {
  token = await createProcessToken();
});

afterAll(async () => {
  await token.dispose();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** node's gc() without starting the process with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('module lifecycle', () => {
  it('loads a module once per process and finalises it with the last provider', async () => {
    const first = await providerFor(token);
    const second = await providerFor(token, { id: 'second' });
    expect([...loadedModules().values()]).toEqual([2]);
    await first[Symbol.asyncDispose]();
    expect([...loadedModules().values()]).toEqual([1]);
    // The second provider still works after the first released the module.
    await second.sign({ key: '02', data: new Uint8Array([1, 2, 3]) });
    await second[Symbol.asyncDispose]();
    expect(loadedModules().size).toBe(0);
  });

  it('a module that does not exist or is not PKCS#11 is UNAVAILABLE naming the path', async () => {
    const missing = await rejection(
      createPkcs11Provider({ module: '/nonexistent/libnothing.so', token: 'pkcs11:' }),
    );
    expect(hasErrorCode(missing, 'UNAVAILABLE')).toBe(true);
    expect(missing.message).toContain('/nonexistent/libnothing.so');
    expect(missing.message).toContain('no such file');

    const notPkcs11 = '/usr/lib/x86_64-linux-gnu/libz.so.1';
    const wrong = await rejection(createPkcs11Provider({ module: notPkcs11, token: 'pkcs11:' }));
    expect(hasErrorCode(wrong, 'UNAVAILABLE')).toBe(true);
    expect(wrong.message).toMatch(/cannot load PKCS#11 module .*libz/);

    const relative = await rejection(createPkcs11Provider({ module: 'libsofthsm2.so' }));
    expect(hasErrorCode(relative, 'INVALID_INPUT')).toBe(true);
    expect(loadedModules().size).toBe(0);
  });

  it('an unknown token is UNAVAILABLE listing the tokens present; a PIN in the URI is refused', async () => {
    const unknown = await rejection(
      createPkcs11Provider({ module: token.module, token: 'pkcs11:token=no-such-token' }),
    );
    expect(hasErrorCode(unknown, 'UNAVAILABLE')).toBe(true);
    expect(unknown.message).toContain('no-such-token');
    expect(unknown.message).toContain(`"${token.label}" (serial ${token.serial}`);

    const withPin = await rejection(
      createPkcs11Provider({ module: token.module, token: 'pkcs11:token=keyroute?pin-value=4321' }),
    );
    expect(hasErrorCode(withPin, 'INVALID_INPUT')).toBe(true);
    expect(withPin.message).not.toContain('4321');
    for (const [name, value] of [
      ['poolSize', 0],
      ['timeoutMs', -1],
      ['rescanIntervalMs', 1.5],
    ] as const) {
      const error = await rejection(
        createPkcs11Provider({ module: token.module, token: tokenUriOf(token), [name]: value }),
      );
      expect(hasErrorCode(error, 'INVALID_INPUT'), name).toBe(true);
      expect(error.message).toContain(name);
    }
    expect(loadedModules().size).toBe(0);
  });

  it('loadProvider builds it from a pkcs11: URI with module-path, and from module-name', async () => {
    const uri = `${tokenUriOf(token)}?module-path=${encodeURIComponent(token.module)}`;
    await using byPath = await loadProvider(uri, { secrets: staticSecret(token.pin) });
    expect(byPath.kind).toBe('pkcs11');
    const data = new TextEncoder().encode('loaded');
    const key = await byPath.getKey('02');
    expect(nodeVerifies(key, data, (await byPath.sign({ key: '02', data })).signature)).toBe(true);

    // softhsm2 registers itself with p11-kit (/usr/share/p11-kit/modules/softhsm2.module).
    await using byName = await loadProvider(`${tokenUriOf(token)}?module-name=softhsm2`, {
      secrets: staticSecret(token.pin),
    });
    expect((await byName.listKeys()).map((item) => item.id)).toContain('02');

    const unknownKey = await rejection(
      loadProvider({ type: 'pkcs11', module: token.module, token: tokenUriOf(token), pinn: '1' }),
    );
    expect(hasErrorCode(unknownKey, 'INVALID_INPUT')).toBe(true);
    expect(unknownKey.message).toContain('"pinn"');
  });

  it('keys are found by their PKCS#11 URI, by label and by a URI naming the public key', async () => {
    await using provider = await providerFor(token);
    const key = await provider.getKey('02');
    const uri = key.aliases.pkcs11Uri;
    expect(uri).toMatch(/^pkcs11:.*serial=.*token=keyroute;object=p256;type=private;id=%02$/);
    expect((await provider.getKey(uri ?? '')).id).toBe('02');
    expect((await provider.getKey('pkcs11:object=p256')).id).toBe('02');
    expect((await provider.getKey('pkcs11:id=%02;type=public')).id).toBe('02');
    expect((await provider.getKey('p256')).id).toBe('02');
    const other = await rejection(provider.getKey('pkcs11:token=another;id=%02'));
    expect(hasErrorCode(other, 'KEY_NOT_FOUND')).toBe(true);
  });

  it('1,000 provider open/sign/close cycles keep memory flat', async () => {
    // Hold the module so that each cycle opens sessions, logs in, scans and closes, as a
    // gateway reloading its configuration does; module load/unload is covered above.
    const hold = acquireModule(token.module);
    const data = new Uint8Array(32).fill(7);
    const cycle = async (): Promise<void> => {
      const provider = await providerFor(token, { rescanIntervalMs: 0 });
      await provider.sign({ key: '02', digest: data, hash: 'sha256' });
      await provider[Symbol.asyncDispose]();
    };
    try {
      for (let index = 0; index < 100; index += 1) await cycle();
      collectGarbage();
      const before = process.memoryUsage();
      for (let index = 0; index < 900; index += 1) await cycle();
      collectGarbage();
      const after = process.memoryUsage();
      const growth = (after.rss - before.rss) / 2 ** 20;
      const heapGrowth = (after.heapUsed - before.heapUsed) / 2 ** 20;
      // Measured here: a few hundred KB either way. A leaked session, login or catalog per
      // cycle would show as megabytes over 900 cycles.
      expect(growth, `rss grew ${growth.toFixed(1)} MiB`).toBeLessThan(8);
      expect(heapGrowth, `heap grew ${heapGrowth.toFixed(1)} MiB`).toBeLessThan(4);
    } finally {
      hold.release();
    }
    expect(loadedModules().size).toBe(0);
  });
});
