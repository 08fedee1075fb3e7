import { isIPv6 } from 'node:net';

import { defaultSocketPath } from './defaults.js';
import { invalidConfig, keyPath } from './json-path.js';
import { field, readObject, readString, rejectUnknownKeys } from './json-values.js';
import { isLoopbackHost } from './loopback.js';
import { readPath, type PathContext } from './resolve-path.js';
import type { HttpAddress, ListenConfig } from './types.js';

/** The keys of `listen`. */
const LISTEN_KEYS = ['socket', 'http'] as const;

/**
 * Longest Unix socket path the kernel takes, in bytes (`sun_path` holds 108 on Linux, with the
 * terminating NUL; 104 on macOS and the BSDs).
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** `host:port`, or `[v6 address]:port`. */
const HOST_PORT = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/;

/**
 * Reads `listen` ({ socket?, http? }); when it is missing or names neither, the gateway
 * listens on `<dataDir>/keyroute.sock`. `socket` is a path (resolved); `http` is
 * `"host:port"`, IPv6 in brackets (`"[::1]:7787"`), port 0 to 65535 (0: any free port).
 *
 * @param hasTls whether the config has `tls`: only then may `http` name a non-loopback host.
 * @throws ProviderError `INVALID_INPUT` naming the JSON path for an unknown key, a socket path
 *   too long for the kernel, an `http` that is not `host:port`, or a host other than
 *   `127.0.0.0/8`, `::1` or `localhost` without `tls`.
 */
export function parseListen(
  value: unknown,
  path: string,
  dataDir: string,
  hasTls: boolean,
  context: PathContext,
): ListenConfig {
  const object = value === undefined ? {} : readObject(value, path);
  rejectUnknownKeys(object, path, LISTEN_KEYS);
  const socketValue = field(object, 'socket');
  const httpValue = field(object, 'http');
  const listen: ListenConfig = {};
  if (socketValue !== undefined) {
    listen.socket = readSocketPath(socketValue, keyPath(path, 'socket'), context);
  }
  if (httpValue !== undefined) {
    listen.http = parseHttpAddress(httpValue, keyPath(path, 'http'), hasTls);
  }
  if (listen.socket === undefined && listen.http === undefined) {
    listen.socket = checkSocketPath(defaultSocketPath(dataDir), keyPath(path, 'socket'));
  }
  return listen;
}

function readSocketPath(value: unknown, path: string, context: PathContext): string {
  return checkSocketPath(readPath(value, path, context), path);
}

function checkSocketPath(socket: string, path: string): string {
  const length = Buffer.byteLength(socket);
  if (length > MAX_SOCKET_PATH_BYTES) {
    throw invalidConfig(
      path,
      `resolves to ${JSON.stringify(socket)}, ${length} bytes; Unix socket paths are at most ` +
        `${MAX_SOCKET_PATH_BYTES} bytes: choose a shorter one`,
    );
  }
  return socket;
}

/**
 * Reads a `"host:port"` listen address (IPv6 hosts in brackets).
 *
 * @param hasTls whether TLS is configured: without it only loopback hosts are accepted.
 * @throws ProviderError `INVALID_INPUT` naming `path` for a malformed address, a port above
 *   65535, or a non-loopback host without TLS (the message says why that is refused).
 */
export function parseHttpAddress(value: unknown, path: string, hasTls: boolean): HttpAddress {
  const text = readString(value, path);
  const match = HOST_PORT.exec(text);
  const shown = JSON.stringify(text.slice(0, 80));
  if (match === null) {
    const hint = isIPv6(text.slice(0, text.lastIndexOf(':')))
      ? '; write IPv6 addresses in brackets ("[::1]:7787")'
      : '';
    throw invalidConfig(path, `${shown} is not "host:port" ("127.0.0.1:7787")${hint}`);
  }
  const bracketed = match[1];
  const host = bracketed ?? match[2] ?? '';
  if (bracketed !== undefined && !isIPv6(bracketed)) {
    throw invalidConfig(path, `${shown}: only IPv6 addresses go in brackets`);
  }
  const port = Number(match[3]);
  if (port > 65_535) throw invalidConfig(path, `${shown}: port must be from 0 to 65535`);
  if (!hasTls && !isLoopbackHost(host)) {
    throw invalidConfig(
      path,
      `${shown}: "${host}" is not a loopback address (127.0.0.1, ::1, localhost). Listening ` +
        'on another address would send bearer tokens, signatures and plaintexts over the ' +
        'network unencrypted; add "tls": {"cert": path, "key": path} to the config, or listen ' +
        'on 127.0.0.1 or a Unix socket',
    );
  }
  return { host, port };
}
