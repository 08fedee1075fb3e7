import { hasErrorCode, loadProvider } from '@keyroute/core';
import { createOpenPgpKeyFolder, type OpenPgpKeyFolder } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './test-gateway.js';

let folder: OpenPgpKeyFolder;
let gateway: TestGateway;

beforeAll(async () => {
  folder = await createOpenPgpKeyFolder({ keys: [{ name: 'ecc', type: 'ecc' }] });
  gateway = await startTestGateway([{ id: 'pgp', type: 'openpgp', dir: folder.dir }]);
});

afterAll(async () => {
  await gateway[Symbol.asyncDispose]();
  await folder.dispose();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('loadProvider with a gateway URI', () => {
  it('unix:/path and http://host:port give the same keys (token from KEYROUTE_TOKEN)', async () => {
    process.env['KEYROUTE_TOKEN'] = gateway.token;
    await using bySocket = await loadProvider(`unix:${gateway.socket}`);
    await using byUrl = await loadProvider(gateway.url);
    expect(bySocket.kind).toBe('gateway');
    const ids = (await bySocket.listKeys()).map((key) => key.id);
    expect(ids.length).toBe(2);
    expect((await byUrl.listKeys()).map((key) => key.id)).toEqual(ids);
    const signer = (await bySocket.listKeys()).find((key) => key.usages.includes('sign'));
    const data = new TextEncoder().encode('through the gateway');
    const signed = await bySocket.sign({ key: signer?.id ?? '', data });
    expect(
      (await byUrl.verify({ key: signer?.id ?? '', data, signature: signed.signature })).valid,
    ).toBe(true);
  });

  it('a wrong token is DENIED; an unreachable gateway is UNAVAILABLE naming its address', async () => {
    const denied = await rejection(
      loadProvider({ type: 'gateway', socket: gateway.socket, token: 'kr_wrong' }),
    );
    expect(hasErrorCode(denied, 'DENIED')).toBe(true);
    const missing = `${gateway.socket}.missing`;
    const down = await rejection(loadProvider({ type: 'gateway', socket: missing, token: 'x' }));
    expect(hasErrorCode(down, 'UNAVAILABLE')).toBe(true);
    expect(down.message).toContain(`unix:${missing}`);
    const bad = await rejection(
      loadProvider({ type: 'gateway', url: gateway.url, socket: gateway.socket }),
    );
    expect(hasErrorCode(bad, 'INVALID_INPUT')).toBe(true);
  });
});
