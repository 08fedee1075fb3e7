import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { AssuanConnection } from '../client/connection.js';
import type { ConnectionOptions } from '../client/types.js';

/** Options of {@link connectUnixSocket}. */
export interface UnixSocketOptions extends ConnectionOptions {
  /** Aborts connecting and waiting for the greeting; rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Connects a Unix socket, settling on 'connect', 'error' or abort. */
function connectSocket(path: string, signal: AbortSignal | undefined): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = createConnection({ path });
    const cleanup = (): void => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onConnect = (): void => {
      cleanup();
      // An error before the connection listens must not be an uncaught 'error' event; the
      // connection still sees the socket close.
      socket.on('error', () => undefined);
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(describeConnectError(path, error));
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(signal?.reason as Error);
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeConnectError(path: string, error: Error): Error {
  switch (errnoOf(error)) {
    case 'ENOENT':
      return new Error(
        `no Assuan socket at ${path} (ENOENT): start the server first (for gpg-agent: gpgconf --launch gpg-agent) or check the path and GNUPGHOME`,
        { cause: error },
      );
    case 'ECONNREFUSED':
      return new Error(
        `nothing listens on the Assuan socket ${path} (ECONNREFUSED): the server exited and left a stale socket; start it again (for gpg-agent: gpgconf --launch gpg-agent)`,
        { cause: error },
      );
    case 'EACCES':
      return new Error(
        `no permission to connect to the Assuan socket ${path} (EACCES): run as the socket's owner`,
        { cause: error },
      );
    default:
      return new Error(`cannot connect to the Assuan socket ${path}: ${error.message}`, {
        cause: error,
      });
  }
}

/**
 * Connects to an Assuan server listening on a Unix socket (gpg-agent's `S.gpg-agent`,
 * dirmngr's `S.dirmngr`, …) and reads its greeting.
 *
 * @param path - the socket's path (at most 107 bytes on Linux).
 * @throws Error naming the path and what to do when nothing listens there (ENOENT: no socket;
 *   ECONNREFUSED: stale socket; EACCES) or connecting fails otherwise; whatever
 *   {@link AssuanConnection.open} throws for the greeting (AssuanError, AssuanProtocolError).
 *   On abort the socket is destroyed and the promise rejects with `signal.reason`.
 */
export async function connectUnixSocket(
  path: string,
  options: UnixSocketOptions = {},
): Promise<AssuanConnection> {
  options.signal?.throwIfAborted();
  const socket = await connectSocket(path, options.signal);
  return AssuanConnection.open(socket, options);
}
