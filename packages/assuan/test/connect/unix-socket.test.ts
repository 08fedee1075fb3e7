import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGpgHome } from '@keyroute/testbed';
import type { GpgHome } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectGpgAgent } from '../../src/connect/gpg-agent.js';
import { connectUnixSocket } from '../../src/connect/unix-socket.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-sock-'));
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Listens on a Unix socket and runs `onConnection` for each client. */
async function listen(path: string, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return server;
}

describe('connectUnixSocket', () => {
  it('connects and reads the greeting', async () => {
    const path = join(dir, 'ok.sock');
    const server = await listen(path, (socket) => {
      socket.write('OK hello from a fake\n');
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString() === 'BYE\n') socket.end('OK closing\n');
      });
    });
    try {
      const onClose = vi.fn();
      const connection = await connectUnixSocket(path, { onClose });
      expect(connection.greeting).toBe('hello from a fake');
      await connection.close();
      expect(onClose).toHaveBeenCalledWith();
    } finally {
      server.close();
    }
  });

  it('explains a missing socket (ENOENT), naming the path', async () => {
    const path = join(dir, 'missing.sock');
    const error: unknown = await connectUnixSocket(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('ENOENT');
    expect((error as Error).message).toContain('gpgconf --launch gpg-agent');
    expect(((error as Error).cause as { code?: string }).code).toBe('ENOENT');
  });

  it('explains a stale socket nobody listens on (ECONNREFUSED)', async () => {
    const path = join(dir, 'stale.sock');
    // A process that dies by SIGKILL cannot remove its socket: exactly what a crashed daemon leaves.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
      ],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(path)).toBe(true);
    const error: unknown = await connectUnixSocket(path).catch((e: unknown) => e);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('rejects with signal.reason when aborted while waiting for the greeting', async () => {
    const path = join(dir, 'silent.sock');
    const sockets: Socket[] = [];
    const server = await listen(path, (socket) => sockets.push(socket));
    try {
      const controller = new AbortController();
      const connecting = connectUnixSocket(path, { signal: controller.signal });
      await vi.waitFor(() => {
        expect(sockets.length).toBe(1);
      });
      const closed = new Promise((resolve) => sockets[0]?.once('close', resolve));
      const reason = new Error('no greeting in time');
      controller.abort(reason);
      await expect(connecting).rejects.toBe(reason);
      // The client's socket was destroyed: the server side sees it close.
      sockets[0]?.resume();
      await closed;
    } finally {
      server.close();
    }
  });
});

describe('connectGpgAgent', () => {
  let home: GpgHome | undefined;

  beforeAll(async () => {
    home = await createGpgHome({ keys: [] });
  });

  afterAll(async () => {
    await home?.dispose();
  });

  function theHome(): GpgHome {
    if (home === undefined) throw new Error('beforeAll did not create the gpg home');
    return home;
  }

  it('with launch: false fails for a stopped agent, naming the socket', async () => {
    const home = theHome();
    await home.stopAgent();
    const error: unknown = await connectGpgAgent({ homedir: home.homedir, launch: false }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain(home.agentSocket);
  });

  it('launches a stopped agent by default', async () => {
    const home = theHome();
    await home.stopAgent();
    await using connection = await connectGpgAgent({ homedir: home.homedir });
    const { data } = await connection.transact('GETINFO', 'socket_name');
    expect(Buffer.from(data).toString()).toBe(home.agentSocket);
  });
});
