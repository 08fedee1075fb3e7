/**
 * One server-side Assuan connection: owns the stream, feeds the incremental parser, runs one
 * command at a time (libassuan's `assuan_process` loop) and routes the client's `D`/`END`/`CAN`
 * lines to a running inquiry.
 *
 * The end of the client's input (`'end'`, e.g. a half-closed socket) is not the end of the
 * connection: like libassuan, which reads EOF only after the lines before it, every complete line
 * received before it is still processed and answered, then the connection closes. Only a
 * connection that is really gone (`'close'`, `'error'`, a failed write) aborts the running command.
 */

import { finished, type Duplex } from 'node:stream';

import {
  encodeComment,
  encodeErr,
  encodeInquire,
  encodeOk,
  encodeStatus,
} from '../codec/encode-server.js';
import { encodeData } from '../codec/encode.js';
import { unescapeArgument } from '../codec/escape.js';
import type { ClientMessage } from '../codec/messages.js';
import { ClientMessageParser } from '../codec/parser.js';
import { concatBytes } from '../codec/text.js';
import { GPG_ERROR_CODE } from '../constants.js';
import { AssuanError, AssuanProtocolError, makeGpgError } from '../errors.js';
import { parseOptionArguments } from './option.js';
import type {
  AssuanServerOptions,
  CommandContext,
  CommandDefinition,
  CommandHandler,
  OptionValueEscaping,
} from './types.js';

/** The validated, defaulted server configuration shared by all connections. */
export interface ServerConfig {
  /** Application commands by upper-cased name, in registration order. */
  readonly commands: ReadonlyMap<string, CommandDefinition>;
  readonly greeting: string;
  readonly errorSource: number;
  readonly knownOptions: ReadonlySet<string> | undefined;
  readonly optionValueEscaping: OptionValueEscaping;
  readonly onOption: AssuanServerOptions['onOption'];
  readonly onReset: AssuanServerOptions['onReset'];
  readonly onError: AssuanServerOptions['onError'];
  readonly maxLineLength: number;
  readonly maxInquireBytes: number;
  readonly maxPendingBytes: number;
  readonly idleTimeoutMs: number | undefined;
}

/**
 * Commands the framework implements (libassuan's std_cmd_table, minus the reserved CANCEL/AUTH
 * and the fd-passing INPUT/OUTPUT), in the order `HELP` lists them.
 */
export const BUILTIN_COMMANDS = ['NOP', 'OPTION', 'BYE', 'RESET', 'HELP'] as const;

/** Words that only mean something inside an inquiry; outside one they are unexpected. */
export const INQUIRY_WORDS = ['END', 'CAN', 'D'] as const;

/** Raw bytes per `encodeData` call, so a large `data()` is written in slices with backpressure. */
const DATA_SLICE_BYTES = 16 * 1024;

const utf8 = new TextEncoder();

/** Upper-cases ASCII letters only (libassuan's my_strcasecmp ignores the locale). */
export function upperAscii(value: string): string {
  return value.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

interface QueuedMessage {
  readonly message: ClientMessage;
  /** Input bytes this message accounts for in the pending-bytes backlog. */
  readonly size: number;
}

/** Serves one stream; create one per connection and call {@link serve} once. */
export class ServerConnection {
  readonly #stream: Duplex;
  readonly #config: ServerConfig;
  readonly #parser: ClientMessageParser;
  readonly #controller = new AbortController();
  readonly #session = new Map<string, unknown>();
  readonly #options = new Map<string, string>();
  readonly #queue: QueuedMessage[] = [];
  /** Bytes pushed into the parser since it last produced a message. */
  #unassignedBytes = 0;
  #pendingBytes = 0;
  #paused = false;
  /** Who waits for client input: the command loop, or a running command's inquiry. */
  readonly #waiters = new Set<() => void>();
  #idleTimer: NodeJS.Timeout | undefined;
  #parseError: AssuanProtocolError | undefined;
  #parseErrorAnswered = false;
  /** The client ended its input: once the queue is drained, no more messages will come. */
  #inputEnded = false;
  #inquiring = false;

  constructor(stream: Duplex, config: ServerConfig) {
    this.#stream = stream;
    this.#config = config;
    // No maxDataBytes: the inquiry enforces its own limit and drains what exceeds it, where the
    // parser's limit would kill the connection.
    this.#parser = new ClientMessageParser({ maxLineLength: config.maxLineLength });
  }

  /** The connection's signal: what every command context exposes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Aborts the running command and ends the connection (idempotent). */
  abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    this.#clearIdleTimer();
    this.#wakeUp();
  }

  /** Greets, processes commands until BYE or the end of the connection, then ends the stream. */
  async serve(): Promise<void> {
    const stream = this.#stream;
    const onData = (chunk: Uint8Array | string): void => {
      this.#onData(typeof chunk === 'string' ? utf8.encode(chunk) : chunk);
    };
    const onEnd = (): void => {
      this.#onInputEnd();
    };
    const onGone = (): void => {
      this.abort(new AssuanProtocolError('connection-closed', 'the client closed the connection'));
    };
    const onError = (error: Error): void => {
      this.abort(
        new AssuanProtocolError('connection-closed', 'the connection failed', { cause: error }),
      );
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onGone);
    stream.on('error', onError);
    // A stream that is already gone or ended emits no more events: nothing would wake the loop.
    if (stream.destroyed) onGone();
    else if (stream.readableEnded) onEnd();
    try {
      this.#sendGreeting();
      await this.#commandLoop();
    } finally {
      this.#clearIdleTimer();
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onGone);
      await this.#endStream();
      stream.off('error', onError);
      // Errors after we are done (e.g. EPIPE on a late write) must not crash the process.
      stream.on('error', ignore);
    }
  }

  async #commandLoop(): Promise<void> {
    for (;;) {
      const message = await this.#next();
      if (message === undefined) break;
      if (message.type === 'comment') continue;
      if (message.type !== 'command') {
        this.#writeError(
          GPG_ERROR_CODE.ASS_UNEXPECTED_CMD,
          'Unexpected command: no inquiry is running',
        );
        continue;
      }
      if ((await this.#dispatch(message.name, message.args)) === 'close') return;
    }
    const parseError = this.#parseError;
    if (
      parseError !== undefined &&
      !this.#parseErrorAnswered &&
      !this.signal.aborted &&
      // libassuan's assuan_process returns ASS_INCOMPLETE_LINE to the server without a reply.
      parseError.reason !== 'incomplete-line'
    ) {
      const { code, text } = describeParseError(parseError);
      this.#writeError(code, text);
    }
  }

  async #dispatch(rawName: string, args: string): Promise<'close' | undefined> {
    const name = upperAscii(rawName);
    if (name === '') {
      this.#writeError(GPG_ERROR_CODE.ASS_SYNTAX, 'leading white-space');
      return undefined;
    }
    if (name === 'BYE') {
      this.#writeLine(encodeOk('closing connection'));
      return 'close';
    }
    if ((INQUIRY_WORDS as readonly string[]).includes(name)) {
      this.#writeError(
        GPG_ERROR_CODE.ASS_UNEXPECTED_CMD,
        'Unexpected command: no inquiry is running',
      );
      return undefined;
    }
    const handler = this.#builtinHandler(name) ?? this.#config.commands.get(name)?.handler;
    if (handler === undefined) {
      this.#writeError(GPG_ERROR_CODE.ASS_UNKNOWN_CMD, 'Unknown command');
      return undefined;
    }
    await this.#run(name, args, handler);
    return undefined;
  }

  async #run(command: string, args: string, handler: CommandHandler): Promise<void> {
    let active = true;
    const context = this.#createContext(command, args, () => active);
    let response: Uint8Array;
    try {
      const text = await handler(context);
      response = encodeOk(typeof text === 'string' && text !== '' ? text : undefined);
    } catch (error) {
      response = this.#errorResponse(error, context);
    } finally {
      active = false;
      // Lets an inquiry the handler left behind notice that its command is over.
      this.#wakeUp();
    }
    this.#writeLine(response);
  }

  #errorResponse(error: unknown, context: CommandContext): Uint8Array {
    if (error instanceof AssuanError) {
      try {
        return encodeErr(error.gpgError, error.description);
      } catch {
        // The description cannot go on one line (CR/LF, too long): the code alone still informs.
        return encodeErr(error.gpgError);
      }
    }
    if (error !== this.signal.reason) {
      try {
        this.#config.onError?.(error, context);
      } catch {
        // A failing error hook must not take the connection down.
      }
    }
    // Never the error's message: it could carry secrets.
    return encodeErr(this.#gpgError(GPG_ERROR_CODE.GENERAL), 'Internal error');
  }

  #createContext(command: string, args: string, isActive: () => boolean): CommandContext {
    const signal = this.signal;
    const assertUsable = (): void => {
      signal.throwIfAborted();
      if (!isActive()) {
        throw new Error(`the ${command} command has completed: its context can no longer send`);
      }
    };
    return {
      command,
      args,
      signal,
      session: this.#session,
      options: this.#options,
      status: async (keyword, statusArgs) => {
        assertUsable();
        await this.#send(encodeStatus(keyword, statusArgs));
      },
      comment: async (text) => {
        assertUsable();
        await this.#send(encodeComment(text));
      },
      data: async (bytes) => {
        assertUsable();
        const raw = typeof bytes === 'string' ? utf8.encode(bytes) : bytes;
        for (let offset = 0; offset < raw.length; offset += DATA_SLICE_BYTES) {
          assertUsable();
          await this.#send(encodeData(raw.subarray(offset, offset + DATA_SLICE_BYTES)));
        }
      },
      inquire: async (keyword, inquireArgs, limits) => {
        assertUsable();
        return this.#inquire(
          keyword,
          inquireArgs,
          limits?.maxBytes ?? this.#config.maxInquireBytes,
          isActive,
        );
      },
    };
  }

  /**
   * Sends INQUIRE and reads the answer (libassuan's assuan_inquire): comments are skipped, a line
   * starting with CAN cancels, END finishes, anything but D is unexpected and ends the inquiry.
   */
  async #inquire(
    keyword: string,
    args: string | undefined,
    maxBytes: number,
    isActive: () => boolean,
  ): Promise<Uint8Array> {
    if (this.#inquiring) {
      throw new AssuanError(
        this.#gpgError(GPG_ERROR_CODE.ASS_NESTED_COMMANDS),
        'an inquiry is already running',
      );
    }
    const line = encodeInquire(keyword, args);
    this.#inquiring = true;
    const chunks: Uint8Array[] = [];
    let total = 0;
    let tooMuch = false;
    try {
      await this.#send(line);
      for (;;) {
        const message = await this.#next(isActive);
        if (message === undefined) {
          if (!isActive()) {
            // The handler returned without awaiting its inquiry: the next lines are not for it.
            throw new Error('the command completed before its inquiry was answered');
          }
          throw this.#inputGoneError();
        }
        switch (message.type) {
          case 'comment':
            continue;
          case 'data':
            if (tooMuch) continue;
            if (total + message.data.length > maxBytes) {
              // Keep reading up to END so the client's remaining D lines are not taken for commands.
              tooMuch = true;
              wipe(chunks);
              chunks.length = 0;
              continue;
            }
            chunks.push(message.data);
            total += message.data.length;
            continue;
          case 'end':
            if (tooMuch) {
              throw new AssuanError(
                this.#gpgError(GPG_ERROR_CODE.ASS_TOO_MUCH_DATA),
                `the inquired ${keyword} exceeds ${maxBytes} bytes`,
              );
            }
            return concatBytes(chunks);
          case 'cancel':
            throw this.#canceledError();
          case 'command': {
            const name = upperAscii(message.name);
            // libassuan accepts any line starting with CAN (gpg-connect-agent sends CANCEL).
            if (name.startsWith('CAN')) throw this.#canceledError();
            if (name === 'END') {
              if (tooMuch) {
                throw new AssuanError(
                  this.#gpgError(GPG_ERROR_CODE.ASS_TOO_MUCH_DATA),
                  `the inquired ${keyword} exceeds ${maxBytes} bytes`,
                );
              }
              return concatBytes(chunks);
            }
            throw new AssuanError(
              this.#gpgError(GPG_ERROR_CODE.ASS_UNEXPECTED_CMD),
              'Unexpected command during an inquiry',
            );
          }
        }
      }
    } finally {
      this.#inquiring = false;
      wipe(chunks);
    }
  }

  #canceledError(): AssuanError {
    return new AssuanError(this.#gpgError(GPG_ERROR_CODE.ASS_CANCELED), 'canceled by the client');
  }

  /**
   * Why #next returned nothing during an inquiry: the connection's abort, a malformed (or, at the
   * end of input, incomplete) line, or the end of input (`EOF`, as libassuan's assuan_inquire).
   */
  #inputGoneError(): unknown {
    if (this.signal.aborted) return this.signal.reason;
    const parseError = this.#parseError;
    if (parseError !== undefined) {
      this.#parseErrorAnswered = true;
      const { code, text } = describeParseError(parseError);
      return new AssuanError(this.#gpgError(code), text);
    }
    return new AssuanError(
      this.#gpgError(GPG_ERROR_CODE.EOF),
      'the client ended its input during the inquiry',
    );
  }

  #builtinHandler(name: string): CommandHandler | undefined {
    switch (name) {
      case 'NOP':
        return () => undefined;
      case 'RESET':
        return async (context) => {
          await this.#config.onReset?.(this.#session, context);
          this.#session.clear();
        };
      case 'OPTION':
        return async (context) => {
          await this.#option(context);
        };
      case 'HELP':
        return async (context) => {
          await this.#help(context);
        };
      default:
        return undefined;
    }
  }

  async #option(context: CommandContext): Promise<void> {
    const parsed = parseOptionArguments(context.args);
    if (typeof parsed === 'string') {
      throw new AssuanError(this.#gpgError(GPG_ERROR_CODE.ASS_SYNTAX), parsed);
    }
    const { name } = parsed;
    const value = parsed.value === undefined ? undefined : this.#decodeOptionValue(parsed.value);
    if (this.#config.knownOptions !== undefined && !this.#config.knownOptions.has(name)) {
      throw new AssuanError(this.#gpgError(GPG_ERROR_CODE.UNKNOWN_OPTION), 'Unknown option');
    }
    await this.#config.onOption?.(name, value, context);
    this.#options.set(name, value ?? '');
  }

  #decodeOptionValue(value: string): string {
    const escaping = this.#config.optionValueEscaping;
    if (escaping === 'raw') return value;
    try {
      return unescapeArgument(value, { plus: escaping === 'percent-plus' });
    } catch {
      throw new AssuanError(
        this.#gpgError(GPG_ERROR_CODE.ASS_SYNTAX),
        'invalid percent escape in the option value',
      );
    }
  }

  /** HELP as libassuan's std_handler_help: `# NAME` (or the help's synopsis line) per command. */
  async #help(context: CommandContext): Promise<void> {
    const topic = /^[^ \t]*/.exec(context.args.trimStart())?.[0] ?? '';
    if (topic === '') {
      for (const name of BUILTIN_COMMANDS) await context.comment(name);
      for (const [name, definition] of this.#config.commands) {
        await context.comment(helpSummary(name, definition.help));
      }
      return;
    }
    const name = upperAscii(topic);
    const isBuiltin = (BUILTIN_COMMANDS as readonly string[]).includes(name);
    const definition = this.#config.commands.get(name);
    if (!isBuiltin && definition === undefined) {
      throw new AssuanError(this.#gpgError(GPG_ERROR_CODE.UNKNOWN_COMMAND), 'Unknown command');
    }
    const help = definition?.help;
    if (help === undefined) {
      throw new AssuanError(this.#gpgError(GPG_ERROR_CODE.NOT_FOUND), 'No help available');
    }
    for (const line of help.split('\n')) await context.comment(line);
  }

  #sendGreeting(): void {
    const lines = this.#config.greeting.split('\n');
    const last = lines.pop() ?? '';
    for (const line of lines) this.#writeLine(encodeComment(line));
    this.#writeLine(encodeOk(last === '' ? undefined : last));
  }

  /**
   * The next message from the client, or `undefined` once none will come (aborted, malformed
   * input, end of input with nothing left queued) or the caller no longer wants one (`isWanted`:
   * an inquiry whose command completed).
   */
  async #next(isWanted: () => boolean = () => true): Promise<ClientMessage | undefined> {
    for (;;) {
      if (this.signal.aborted || !isWanted()) return undefined;
      const entry = this.#queue.shift();
      if (entry !== undefined) {
        this.#pendingBytes -= entry.size;
        if (this.#paused && this.#pendingBytes <= this.#config.maxPendingBytes) {
          this.#paused = false;
          this.#stream.resume();
        }
        return entry.message;
      }
      if (this.#parseError !== undefined || this.#inputEnded) return undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve);
        this.#armIdleTimer();
      });
    }
  }

  #onData(chunk: Uint8Array): void {
    if (this.#parseError !== undefined || this.signal.aborted) return;
    // Push line by line so that a malformed line does not swallow the good lines before it.
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      if (!this.#pushToParser(chunk.subarray(start, end))) break;
      start = end;
    }
    if (this.#pendingBytes > this.#config.maxPendingBytes && !this.#paused) {
      this.#paused = true;
      this.#stream.pause();
    }
    this.#wakeUp();
  }

  /**
   * The client will send nothing more. The lines already queued are still served; a partial last
   * line fails the parser with `incomplete-line` (libassuan's ASS_INCOMPLETE_LINE).
   */
  #onInputEnd(): void {
    this.#inputEnded = true;
    if (this.#parseError === undefined) {
      try {
        this.#parser.finish();
      } catch {
        this.#parseError = this.#parser.failed;
      }
    }
    this.#wakeUp();
  }

  /** Feeds one piece (at most one line) to the parser; `false` once the parser has failed. */
  #pushToParser(piece: Uint8Array): boolean {
    this.#unassignedBytes += piece.length;
    let messages: ClientMessage[];
    try {
      messages = this.#parser.push(piece);
    } catch (error) {
      this.#parseError =
        error instanceof AssuanProtocolError
          ? error
          : new AssuanProtocolError('unknown-line', 'the parser failed', { cause: error });
      return false;
    }
    for (const message of messages) {
      this.#queue.push({ message, size: this.#unassignedBytes });
      this.#pendingBytes += this.#unassignedBytes;
      this.#unassignedBytes = 0;
    }
    this.#parseError = this.#parser.failed;
    return this.#parseError === undefined;
  }

  /** Wakes every waiter (each re-checks and waits again if needed); restarts the idle clock. */
  #wakeUp(): void {
    this.#clearIdleTimer();
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  #armIdleTimer(): void {
    const timeout = this.#config.idleTimeoutMs;
    if (timeout === undefined || this.#idleTimer !== undefined) return;
    this.#idleTimer = setTimeout(() => {
      this.abort(new AssuanError(this.#gpgError(GPG_ERROR_CODE.TIMEOUT), 'idle timeout'));
    }, timeout);
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Writes a handler's line, waiting for `drain` when the stream is full. */
  async #send(bytes: Uint8Array): Promise<void> {
    this.signal.throwIfAborted();
    if (!this.#stream.writable) {
      // Nobody can receive the answer: the connection is gone for every command, not just this one.
      this.abort(
        new AssuanProtocolError('connection-closed', 'the connection is no longer writable'),
      );
      throw this.signal.reason as Error;
    }
    if (!this.#stream.write(bytes)) await this.#drained();
  }

  #drained(): Promise<void> {
    const signal = this.signal;
    const stream = this.#stream;
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        stream.off('drain', onDrain);
        reject(signal.reason as Error);
      };
      stream.once('drain', onDrain);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Writes a framework line (greeting, OK, ERR): small, so no backpressure wait. When the stream
   * can no longer be written, the connection is over (libassuan's assuan_process stops at a failed
   * write): queued commands must not run unanswered.
   */
  #writeLine(bytes: Uint8Array): void {
    if (this.#stream.writable) {
      this.#stream.write(bytes);
    } else {
      this.abort(
        new AssuanProtocolError('connection-closed', 'the connection is no longer writable'),
      );
    }
  }

  #writeError(code: number, text: string): void {
    this.#writeLine(encodeErr(this.#gpgError(code), text));
  }

  #gpgError(code: number): number {
    return makeGpgError(this.#config.errorSource, code);
  }

  /**
   * Ends our side; waits for the flush unless the connection is aborted, before or during the wait
   * (the peer may be gone, or never read what is left).
   */
  async #endStream(): Promise<void> {
    const stream = this.#stream;
    if (stream.destroyed || stream.writableEnded) return;
    stream.end();
    const signal = this.signal;
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const cleanup = finished(stream, { readable: false }, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        cleanup();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function describeParseError(error: AssuanProtocolError): { code: number; text: string } {
  switch (error.reason) {
    case 'line-too-long':
      return { code: GPG_ERROR_CODE.ASS_LINE_TOO_LONG, text: 'Line too long' };
    case 'data-limit':
      return { code: GPG_ERROR_CODE.ASS_TOO_MUCH_DATA, text: 'Too much data' };
    case 'incomplete-line':
      return { code: GPG_ERROR_CODE.ASS_INCOMPLETE_LINE, text: 'Incomplete line' };
    default:
      return { code: GPG_ERROR_CODE.ASS_SYNTAX, text: `Malformed line (${error.reason})` };
  }
}

/** `HELP` without a topic lists the help's first line when it starts with the command name. */
function helpSummary(name: string, help: string | undefined): string {
  if (help === undefined) return name;
  const firstLine = help.split('\n', 1)[0] ?? '';
  const after = firstLine.charAt(name.length);
  const startsWithName =
    upperAscii(firstLine.slice(0, name.length)) === name && (after === '' || after === ' ');
  return startsWithName ? firstLine : name;
}

/** Inquired data is often a passphrase or PIN: do not leave copies behind. */
function wipe(chunks: readonly Uint8Array[]): void {
  for (const chunk of chunks) chunk.fill(0);
}

function ignore(): void {
  // Intentionally empty: see the caller.
}
