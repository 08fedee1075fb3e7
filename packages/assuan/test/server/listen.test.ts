import { link, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { GPG_ERROR_CODE, GPG_ERROR_SOURCE } from '../../src/constants.js';
import { makeGpgError } from '../../src/errors.js';
import { createAssuanServer } from '../../src/server/server.js';
import { LineClient } from './helpers.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assuan-listen-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(path: string): Promise<{ socket: Socket; client: LineClient }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('error', reject);
    socket.once('connect', () => {
      resolve({ socket, client: new LineClient(socket) });
    });
  });
}

const server = createAssuanServer({
  commands: { PING: () => 'pong' },
});

/** Connects, sends `text` and half-closes at once; resolves with every line read until close. */
function sendAndEnd(path: string, text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(path);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const lines = Buffer.concat(chunks).toString('latin1').split('\n');
      // The last element is what follows the final LF: empty when every line was complete.
      resolve(lines.at(-1) === '' ? lines.slice(0, -1) : lines);
    });
    socket.end(text);
  });
}

describe('listen()', () => {
  it('creates the socket with mode 0600, serves it, and removes it on close', async () => {
    const path = join(dir, 'S.test');
    const listener = await server.listen(path);
    expect(listener.path).toBe(path);
    const stats = await stat(path);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    // The private directory used to create it is gone.
    expect(await readdir(dir)).toEqual(['S.test']);

    const { client, socket } = await open(path);
    expect(await client.readLine()).toBe('OK Pleased to meet you');
    expect(await client.command('PING')).toEqual(['OK pong']);
    expect(await client.command('BYE')).toEqual(['OK closing connection']);
    await client.closed();
    socket.destroy();

    await listener.close();
    await listener.close(); // idempotent
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('answers every command of a client that half-closes right after sending them', async () => {
    await using listener = await server.listen(join(dir, 'S.half'));
    expect(await sendAndEnd(listener.path, 'NOP\nNOP\nBYE\n')).toEqual([
      'OK Pleased to meet you',
      'OK',
      'OK',
      'OK closing connection',
    ]);
    // Without BYE: the end of input closes the connection after the last answer.
    expect(await sendAndEnd(listener.path, 'PING\nNOP\nPING\n')).toEqual([
      'OK Pleased to meet you',
      'OK pong',
      'OK',
      'OK pong',
    ]);
  });

  it('does not abort a running command when the client only half-closes its socket', async () => {
    const signals: AbortSignal[] = [];
    const slowServer = createAssuanServer({
      commands: {
        SLOW: async (context) => {
          signals.push(context.signal);
          await new Promise((resolve) => setTimeout(resolve, 20));
          await context.data('done');
          return context.signal.aborted ? 'aborted' : 'intact';
        },
      },
    });
    await using listener = await slowServer.listen(join(dir, 'S.slow'));
    expect(await sendAndEnd(listener.path, 'SLOW\nNOP\n')).toEqual([
      'OK Pleased to meet you',
      'D done',
      'OK intact',
      'OK',
    ]);
    expect(signals.map((signal) => signal.aborted)).toEqual([false]);
  });

  it('applies a requested mode and closes with await using', async () => {
    const path = join(dir, 'S.group');
    {
      await using listener = await server.listen(path, { mode: 0o660 });
      expect((await stat(listener.path)).mode & 0o777).toBe(0o660);
    }
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a path where a live server answers, and leaves that server alone', async () => {
    const path = join(dir, 'S.busy');
    await using first = await server.listen(path);
    await expect(server.listen(path)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(server.listen(path)).rejects.toThrow(/already listening/);
    const { client, socket } = await open(first.path);
    expect(await client.readLine()).toBe('OK Pleased to meet you');
    expect(await client.command('PING')).toEqual(['OK pong']);
    socket.destroy();
  });

  it('replaces a stale socket file', async () => {
    // A socket file nobody listens on: bind, keep a second name, close (which unlinks the first).
    const bound = join(dir, 'bound');
    const path = join(dir, 'S.stale');
    const plain = createServer();
    await new Promise<void>((resolve) => plain.listen(bound, resolve));
    await link(bound, path);
    await new Promise<void>((resolve) =>
      plain.close(() => {
        resolve();
      }),
    );
    expect((await stat(path)).isSocket()).toBe(true);

    await using listener = await server.listen(path);
    const { client, socket } = await open(listener.path);
    expect(await client.readLine()).toBe('OK Pleased to meet you');
    socket.destroy();
  });

  it('refuses a path that is not a socket and leaves the file untouched', async () => {
    const path = join(dir, 'not-a-socket');
    await writeFile(path, 'precious');
    await expect(server.listen(path)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('precious');
  });

  it('aborts running commands on close and ends idle connections', async () => {
    let aborted: unknown;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const busyServer = createAssuanServer({
      commands: {
        WAIT: (context) =>
          new Promise<void>((_resolve, reject) => {
            context.signal.addEventListener('abort', () => {
              aborted = context.signal.reason;
              reject(context.signal.reason as Error);
            });
            started();
          }),
      },
    });
    const path = join(dir, 'S.closing');
    const listener = await busyServer.listen(path);
    const busy = await open(path);
    const idle = await open(path);
    expect(await busy.client.readLine()).toBe('OK Pleased to meet you');
    expect(await idle.client.readLine()).toBe('OK Pleased to meet you');
    busy.client.send('WAIT');
    await running;

    await listener.close();
    expect(aborted).toMatchObject({
      name: 'AssuanError',
      gpgError: makeGpgError(GPG_ERROR_SOURCE.UNKNOWN, GPG_ERROR_CODE.CANCELED),
    });
    await busy.client.closed();
    await idle.client.closed();
    expect(idle.client.ended).toBe(true);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    busy.socket.destroy();
    idle.socket.destroy();
  });

  it('closes when the listen signal aborts', async () => {
    const controller = new AbortController();
    const path = join(dir, 'S.signal');
    await server.listen(path, { signal: controller.signal });
    expect((await stat(path)).isSocket()).toBe(true);
    controller.abort();
    for (let i = 0; i < 100; i++) {
      try {
        await stat(path);
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(server.listen(path, { signal: controller.signal })).rejects.toThrow();
  });
});
