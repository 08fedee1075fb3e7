/**
 * `createAssuanServer`: validates the command table once and serves connections with it.
 */

import type { Duplex } from 'node:stream';

import { encodeComment } from '../codec/encode-server.js';
import { GPG_ERROR_CODE, GPG_ERROR_SOURCE, MAX_LINE_LENGTH } from '../constants.js';
import { AssuanError, makeGpgError } from '../errors.js';
import {
  BUILTIN_COMMANDS,
  INQUIRY_WORDS,
  ServerConnection,
  upperAscii,
  type ServerConfig,
} from './connection.js';
import { listenUnixSocket } from './listener.js';
import type {
  AssuanListener,
  AssuanServer,
  AssuanServerOptions,
  CommandDefinition,
  ListenOptions,
} from './types.js';

/** Default `maxInquireBytes`: 1 MiB. */
const DEFAULT_MAX_INQUIRE_BYTES = 1024 * 1024;
/** Default `maxPendingBytes`: 64 KiB of early (pipelined) client lines. */
const DEFAULT_MAX_PENDING_BYTES = 64 * 1024;
/** libassuan's greeting without a hello line set (`assuan_accept`). */
const DEFAULT_GREETING = 'Pleased to meet you';

/** Command names: one word (libassuan manual, "Client requests"), no escapes, not a comment. */
const COMMAND_NAME = /^[A-Za-z0-9_-]+$/;

const RESERVED_NAMES: ReadonlySet<string> = new Set<string>([
  ...BUILTIN_COMMANDS,
  ...INQUIRY_WORDS,
]);

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function resolveCommands(
  commands: AssuanServerOptions['commands'],
): ReadonlyMap<string, CommandDefinition> {
  const resolved = new Map<string, CommandDefinition>();
  for (const [rawName, entry] of Object.entries(commands)) {
    const name = upperAscii(rawName);
    if (!COMMAND_NAME.test(rawName)) {
      throw new TypeError(
        `command name ${JSON.stringify(rawName)} is not one Assuan word: use letters, digits, '_' and '-'`,
      );
    }
    if (RESERVED_NAMES.has(name)) {
      throw new TypeError(`command ${name} is built into the Assuan server and cannot be replaced`);
    }
    if (resolved.has(name)) {
      throw new TypeError(`command ${name} is defined twice (command names are case-insensitive)`);
    }
    const definition: CommandDefinition = typeof entry === 'function' ? { handler: entry } : entry;
    if (typeof definition.handler !== 'function') {
      throw new TypeError(`command ${name} needs a handler function`);
    }
    if (definition.help !== undefined) {
      // Each help line goes out as a comment line: check now, not when a client asks.
      for (const line of definition.help.split('\n')) {
        try {
          encodeComment(line);
        } catch (error) {
          throw new TypeError(
            `the help of command ${name} cannot be sent: each line must be at most 998 bytes without control characters`,
            { cause: error },
          );
        }
      }
    }
    resolved.set(name, definition);
  }
  return resolved;
}

function resolveConfig(options: AssuanServerOptions): ServerConfig {
  const greeting = options.greeting ?? DEFAULT_GREETING;
  for (const line of greeting.split('\n')) {
    try {
      encodeComment(line);
    } catch (error) {
      throw new TypeError('greeting lines must fit an Assuan line without control characters', {
        cause: error,
      });
    }
  }
  const errorSource = options.errorSource ?? GPG_ERROR_SOURCE.UNKNOWN;
  if (!Number.isInteger(errorSource) || errorSource < 0 || errorSource > 0x7f) {
    throw new RangeError(
      `errorSource must be a gpg-error source in 0..127, got ${String(errorSource)}`,
    );
  }
  const maxLineLength = positiveInteger('maxLineLength', options.maxLineLength, MAX_LINE_LENGTH);
  if (maxLineLength > MAX_LINE_LENGTH) {
    throw new RangeError(
      `maxLineLength must not exceed the Assuan limit of ${MAX_LINE_LENGTH} bytes, got ${maxLineLength}`,
    );
  }
  // libassuan and gpg-agent use OPTION values as sent.
  const escaping = options.optionValueEscaping ?? 'raw';
  if (!(['percent', 'percent-plus', 'raw'] as readonly string[]).includes(escaping)) {
    throw new RangeError(`optionValueEscaping must be 'percent', 'percent-plus' or 'raw'`);
  }
  return {
    commands: resolveCommands(options.commands),
    greeting,
    errorSource,
    knownOptions: options.knownOptions === undefined ? undefined : new Set(options.knownOptions),
    optionValueEscaping: escaping,
    onOption: options.onOption,
    onReset: options.onReset,
    onError: options.onError,
    maxLineLength,
    maxInquireBytes: positiveInteger(
      'maxInquireBytes',
      options.maxInquireBytes,
      DEFAULT_MAX_INQUIRE_BYTES,
    ),
    maxPendingBytes: positiveInteger(
      'maxPendingBytes',
      options.maxPendingBytes,
      DEFAULT_MAX_PENDING_BYTES,
    ),
    idleTimeoutMs:
      options.idleTimeoutMs === undefined
        ? undefined
        : positiveInteger('idleTimeoutMs', options.idleTimeoutMs, 0),
  };
}

/**
 * Creates an Assuan server for a table of commands, with libassuan's built-ins: `BYE` (`OK
 * closing connection`, then the connection ends), `RESET` (calls `onReset`, clears the session),
 * `NOP`, `OPTION name[=value]` (the value as sent unless `optionValueEscaping` says otherwise; see
 * also `knownOptions`, `onOption`), `HELP [NAME]` (comment lines, then `OK`). Unknown commands get
 * `ERR ASS_UNKNOWN_CMD`; `END`, `CAN` and `D` outside an inquiry get `ERR ASS_UNEXPECTED_CMD`.
 *
 * @throws TypeError for an invalid command table (bad or duplicate name, a built-in's name, help
 *   or greeting lines that do not fit an Assuan line); RangeError for an invalid limit.
 */
export function createAssuanServer(options: AssuanServerOptions): AssuanServer {
  const config = resolveConfig(options);

  const handle = async (
    stream: Duplex,
    handleOptions?: { readonly signal?: AbortSignal },
  ): Promise<void> => {
    const signal = handleOptions?.signal;
    signal?.throwIfAborted();
    const connection = new ServerConnection(stream, config);
    const onAbort = (): void => {
      connection.abort(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connection.serve();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    signal?.throwIfAborted();
  };

  const listen = (socketPath: string, listenOptions: ListenOptions = {}): Promise<AssuanListener> =>
    listenUnixSocket(
      socketPath,
      listenOptions,
      (socket, signal) => handle(socket, { signal }),
      () =>
        new AssuanError(
          makeGpgError(config.errorSource, GPG_ERROR_CODE.CANCELED),
          'the server is shutting down',
        ),
    );

  return { handle, listen };
}
