import { hasErrorCode, loadProvider } from '@keyroute/core';
import { createGpgHome, type GpgHome } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpgAgentProvider, createProvider } from '../../src/index.js';

let home: GpgHome;
const data = new Uint8Array(32).fill(3);

beforeAll(async () => {
  home = await createGpgHome({ keys: [{ name: 'ed', primary: 'ed25519' }] });
});

afterAll(async () => {
  await home.dispose();
});

function grip(): string {
  const [key] = home.keys;
  if (key === undefined) throw new Error('no key');
  return key.keygrip;
}

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error;
  }
}

describe('the agent stops while the provider runs', () => {
  it('without launch: the next call is UNAVAILABLE, and one after a restart succeeds', async () => {
    await using provider = createGpgAgentProvider({ homedir: home.homedir, launch: false });
    await provider.sign({ key: grip(), data });
    await home.stopAgent();
    const failed = await outcome(provider.sign({ key: grip(), data }));
    expect(hasErrorCode(failed, 'UNAVAILABLE'), String(failed)).toBe(true);
    await home.startAgent();
    expect(await outcome(provider.sign({ key: grip(), data }))).toBe('ok');
  });

  it('with launch: a call fails UNAVAILABLE at most once, then the agent is relaunched', async () => {
    await using provider = createGpgAgentProvider({ homedir: home.homedir });
    await provider.sign({ key: grip(), data });
    const before = home.agentPid;
    await home.stopAgent();
    const first = await outcome(provider.sign({ key: grip(), data }));
    if (first !== 'ok') expect(hasErrorCode(first, 'UNAVAILABLE'), String(first)).toBe(true);
    expect(await outcome(provider.sign({ key: grip(), data }))).toBe('ok');
    // gpgconf --launch started a new agent on the home's socket.
    await home.startAgent();
    expect(home.agentPid).not.toBe(before);
  });

  it('an explicit socket where nothing listens is UNAVAILABLE and names the socket', async () => {
    await using provider = createGpgAgentProvider({ socket: `${home.homedir}/S.nothing` });
    const error = await outcome(provider.listKeys());
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect(String(error)).toContain('S.nothing');
  });
});

describe('loading through @keyroute/core', () => {
  it("loadProvider('gpg-agent:' + homedir) returns a working provider", async () => {
    // This package is not built while its own tests run (turbo builds dependencies only), so
    // the adapter module is imported from source; loadProvider's path is otherwise the same.
    const imported: string[] = [];
    await using provider = await loadProvider(`gpg-agent:${home.homedir}`, {
      importModule: (specifier) => {
        imported.push(specifier);
        return import('../../src/index.js');
      },
    });
    expect(imported).toEqual(['@keyroute/gpg-agent']);
    expect(provider.kind).toBe('gpg-agent');
    const keys = await provider.listKeys();
    expect(keys.map((key) => key.id)).toEqual([grip()]);
    const result = await provider.sign({ key: grip(), data });
    expect(result.signature).toHaveLength(64);
  });

  it('refuses unknown config keys, naming the known ones', async () => {
    const error = await outcome(
      Promise.resolve().then(() =>
        createProvider({ type: 'gpg-agent', homedir: home.homedir, colour: 'blue' }, {}),
      ),
    );
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect(String(error)).toContain('"colour"');
    expect(String(error)).toContain('homedir');
  });

  it('a disposed provider is UNAVAILABLE and a second dispose is harmless', async () => {
    const provider = createGpgAgentProvider({ homedir: home.homedir });
    await provider.listKeys();
    await provider[Symbol.asyncDispose]();
    await provider[Symbol.asyncDispose]();
    expect(hasErrorCode(await outcome(provider.listKeys()), 'UNAVAILABLE')).toBe(true);
  });

  it('a call over timeoutMs is TIMEOUT', async () => {
    await using provider = createGpgAgentProvider({ homedir: home.homedir, timeoutMs: 1 });
    const error = await outcome(provider.listKeys());
    expect(hasErrorCode(error, 'TIMEOUT'), String(error)).toBe(true);
  });
});
