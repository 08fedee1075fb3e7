/** The server against this package's own client, over an in-memory stream pair. */

import { describe, expect, it } from 'vitest';

import { AssuanConnection } from '../../src/client/connection.js';
import { GPG_ERROR_CODE, GPG_ERROR_SOURCE } from '../../src/constants.js';
import { AssuanError, makeGpgError } from '../../src/errors.js';
import { createAssuanServer } from '../../src/server/server.js';
import { duplexPair } from './helpers.js';

const agentError = (code: number): number => makeGpgError(GPG_ERROR_SOURCE.GPG_AGENT, code);

const server = createAssuanServer({
  errorSource: GPG_ERROR_SOURCE.GPG_AGENT,
  commands: {
    SIGN: async (context) => {
      const digest = await context.inquire('DIGEST', undefined, { maxBytes: 64 });
      await context.status('PROGRESS', 'sign 1 1');
      // Bytes that need escaping, and more than one D line.
      const signature = new Uint8Array(2500).map((_, i) => (i + digest.length) % 256);
      await context.data(signature);
      return 'signed';
    },
    FAIL: () => {
      throw new AssuanError(agentError(GPG_ERROR_CODE.NO_SECKEY), 'No secret key');
    },
  },
});

describe('AssuanConnection against the server', () => {
  it('runs an inquiry, status and binary data round trip', async () => {
    const pair = duplexPair();
    const served = server.handle(pair.server);
    const connection = await AssuanConnection.open(pair.client);
    expect(connection.greeting).toBe('Pleased to meet you');

    const status: string[] = [];
    const result = await connection.transact('SIGN', undefined, {
      onInquire: (keyword) => (keyword === 'DIGEST' ? new Uint8Array(32).fill(0x25) : undefined),
      onStatus: (keyword, args) => status.push(`${keyword} ${args}`),
    });
    expect(result.text).toBe('signed');
    expect(status).toEqual(['PROGRESS sign 1 1']);
    expect(result.data).toEqual(new Uint8Array(2500).map((_, i) => (i + 32) % 256));

    await expect(connection.transact('FAIL')).rejects.toMatchObject({
      name: 'AssuanError',
      gpgError: agentError(GPG_ERROR_CODE.NO_SECKEY),
      description: 'No secret key',
    });

    await connection.close();
    await served;
  });

  it('reports a canceled inquiry as ASS_CANCELED', async () => {
    const pair = duplexPair();
    const served = server.handle(pair.server);
    const connection = await AssuanConnection.open(pair.client);
    await expect(
      connection.transact('SIGN', undefined, { onInquire: () => ({ cancel: true }) }),
    ).rejects.toMatchObject({ gpgError: agentError(GPG_ERROR_CODE.ASS_CANCELED) });
    await connection.close();
    await served;
  });
});
