/**
 * A Unix-socket listener for the Assuan server: safe creation of the socket file (no window with
 * looser permissions, never replacing a live server's socket), graceful close.
 */

import { chmod, link, lstat, mkdtemp, rm, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';

import type { AssuanListener, ListenOptions } from './types.js';

/** How long the liveness probe of an existing socket may take before the path counts as in use. */
const PROBE_TIMEOUT_MS = 2_000;

/** Serves one accepted socket until it ends; rejects (ignored) when `signal` aborts it. */
export type ServeSocket = (socket: Socket, signal: AbortSignal) => Promise<void>;

/** Node-style error with a `code` to branch on (`EADDRINUSE`, `EEXIST`), never on the message. */
function pathError(code: 'EADDRINUSE' | 'EEXIST', message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * Whether a server accepts connections on the socket at `path`: `false` when the connection is
 * refused (a stale socket file) or the file vanished.
 */
function probe(path: string): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect(path);
    socket.setTimeout(PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    // No answer in time: someone holds the socket, treat it as alive rather than steal it.
    socket.once('timeout', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', (error) => {
      socket.destroy();
      const code = errorCode(error);
      if (code === 'ECONNREFUSED' || code === 'ENOENT') resolvePromise(false);
      else reject(error);
    });
  });
}

/** Removes a stale socket file at `path`; refuses a live socket or a file of another type. */
async function clearPath(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if (!stats.isSocket()) {
    throw pathError(
      'EEXIST',
      `cannot listen on ${path}: the path exists and is not a socket; remove it or choose another path`,
    );
  }
  if (await probe(path)) {
    throw pathError(
      'EADDRINUSE',
      `cannot listen on ${path}: a server is already listening on it; stop it or choose another path`,
    );
  }
  await unlink(path).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT') throw error;
  });
}

function listenOn(server: Server, path: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
}

/**
 * Listens on `socketPath` and serves every connection with `serve`.
 *
 * The socket is bound inside a fresh `0700` directory created next to `socketPath` (so no other
 * user can connect while its mode is still the umask's), chmod-ed to `mode`, then hard-linked to
 * `socketPath`: `link` fails with `EEXIST` instead of replacing a file that appeared since the
 * stale-socket check. The private directory is removed again at once.
 *
 * @throws Error with `code` `EADDRINUSE` when a server answers on `socketPath` (or won the race
 *   to create it), `EEXIST` when `socketPath` is not a socket; file-system errors as thrown.
 */
export async function listenUnixSocket(
  socketPath: string,
  options: ListenOptions,
  serve: ServeSocket,
  shutdownReason: () => unknown,
): Promise<AssuanListener> {
  const path = resolve(socketPath);
  const mode = options.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new RangeError(`mode must be permission bits in 0..0o777, got ${String(mode)}`);
  }
  const signal = options.signal;
  signal?.throwIfAborted();
  await clearPath(path);
  signal?.throwIfAborted();

  const shutdown = new AbortController();
  const connections = new Set<Promise<void>>();
  // allowHalfOpen: a client that ends its side after its last command (`socket.end('NOP\nBYE\n')`)
  // still gets every answer. Node would otherwise end our side at once on the client's FIN.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    // The connection attaches its own handler; this one covers the gap and the teardown.
    socket.on('error', () => undefined);
    const done: Promise<void> = serve(socket, shutdown.signal)
      .catch(() => undefined)
      .finally(() => {
        socket.destroy();
        connections.delete(done);
      });
    connections.add(done);
  });

  // mkdtemp creates the directory with mode 0700.
  // A short name: the private path must stay within the ~107-byte limit of socket addresses.
  const privateDir = await mkdtemp(join(dirname(path), '.as-'));
  let identity: { dev: number; ino: number };
  try {
    const privatePath = join(privateDir, 'S');
    await listenOn(server, privatePath);
    await chmod(privatePath, mode);
    try {
      await link(privatePath, path);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') {
        throw pathError(
          'EADDRINUSE',
          `cannot listen on ${path}: another socket appeared there while this one was created`,
        );
      }
      throw error;
    }
    const stats = await lstat(path);
    identity = { dev: stats.dev, ino: stats.ino };
    // Accept failures (EMFILE, …) surface here; one failed accept must not crash the process.
    server.on('error', () => undefined);
  } catch (error) {
    await new Promise<void>((resolvePromise) => {
      server.close(() => {
        resolvePromise();
      });
    });
    throw error;
  } finally {
    await rm(privateDir, { recursive: true, force: true });
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort);
      const serverClosed = new Promise<void>((resolvePromise) => {
        server.close(() => {
          resolvePromise();
        });
      });
      shutdown.abort(shutdownReason());
      await Promise.all(connections);
      await serverClosed;
      // Only remove the file if it is still ours: a successor may have replaced a stale one.
      try {
        const stats = await lstat(path);
        if (stats.dev === identity.dev && stats.ino === identity.ino) await unlink(path);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
      }
    })();
    return closing;
  };
  const onAbort = (): void => {
    void close().catch(() => undefined);
  };
  if (signal?.aborted === true) {
    await close();
    signal.throwIfAborted();
  }
  signal?.addEventListener('abort', onAbort, { once: true });

  return {
    path,
    close,
    [Symbol.asyncDispose]: close,
  };
}
