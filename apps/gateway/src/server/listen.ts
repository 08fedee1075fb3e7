import { lstat, readFile, unlink } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import { ProviderError } from '@keyroute/core';
import type { HttpAddress, Limits, TlsConfig } from '../config/types.js';

/** Responses not yet finished, per server: drain tells them to close their connection. */
const unfinished = new WeakMap<Server, Set<ServerResponse>>();

/** Wraps the request listener so that the server knows its unfinished responses. */
function tracked(listener: RequestListener): {
  listener: RequestListener;
  responses: Set<ServerResponse>;
} {
  const responses = new Set<ServerResponse>();
  return {
    responses,
    listener: (request, response) => {
      responses.add(response);
      response.on('close', () => {
        responses.delete(response);
      });
      listener(request, response);
    },
  };
}

/** Applies the request and header time limits to a server. */
function limitServer(server: Server, limits: Limits): Server {
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.keepAliveTimeout = 5_000;
  return server;
}

function listenOn(server: Server, target: string | HttpAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

/** True when something accepts connections on the socket path (another gateway runs). */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/**
 * Listens on a Unix socket created with mode 0600 (the umask is narrowed while it is made, so
 * it is never reachable by others, not even briefly). A stale socket file left by a crash is
 * removed; a live one (another gateway) is an error, as is any other file at the path.
 */
export async function listenOnSocket(
  path: string,
  listener: RequestListener,
  limits: Limits,
): Promise<Server> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing !== undefined) {
    if (!existing.isSocket()) {
      throw new ProviderError(
        'UNAVAILABLE',
        `cannot listen on ${path}: a file that is not a socket is there`,
      );
    }
    if (await socketInUse(path)) {
      throw new ProviderError(
        'UNAVAILABLE',
        `cannot listen on ${path}: another process is listening there`,
      );
    }
    await unlink(path);
  }
  const wrapped = tracked(listener);
  const server = limitServer(createHttpServer(wrapped.listener), limits);
  unfinished.set(server, wrapped.responses);
  const umask = process.umask(0o177);
  try {
    await listenOn(server, path);
  } finally {
    process.umask(umask);
  }
  return server;
}

/** Listens on TCP: HTTPS when `tls` is given, plain HTTP otherwise (loopback only, by config). */
export async function listenOnTcp(
  address: HttpAddress,
  listener: RequestListener,
  limits: Limits,
  tls: TlsConfig | undefined,
): Promise<Server> {
  const wrapped = tracked(listener);
  const server =
    tls === undefined
      ? createHttpServer(wrapped.listener)
      : createHttpsServer(
          { cert: await readFile(tls.cert), key: await readFile(tls.key) },
          wrapped.listener,
        );
  unfinished.set(server, wrapped.responses);
  limitServer(server, limits);
  await listenOn(server, address);
  return server;
}

/**
 * Stops accepting and drains: running requests finish; every response from now on says
 * `Connection: close`, and connections are closed as soon as they are idle, so keep-alive
 * clients cannot hold the process open.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const closeAfter = (response: ServerResponse): void => {
      if (!response.headersSent) response.setHeader('connection', 'close');
      response.on('finish', () => {
        server.closeIdleConnections();
      });
    };
    // Requests already running answer with `Connection: close` too.
    for (const response of unfinished.get(server) ?? []) closeAfter(response);
    server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      closeAfter(response);
    });
    const sweep = setInterval(() => {
      server.closeIdleConnections();
    }, 50);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
