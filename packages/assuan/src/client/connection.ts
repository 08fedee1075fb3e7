import type { Duplex } from 'node:stream';
import { encodeCancel, encodeCommand, encodeData, encodeEnd } from '../codec/encode.js';
import type { ServerMessage } from '../codec/messages.js';
import { ServerMessageParser } from '../codec/parser.js';
import { concatBytes } from '../codec/text.js';
import { DEFAULT_MAX_DATA_BYTES } from '../constants.js';
import { AssuanError, AssuanProtocolError } from '../errors.js';
import type {
  ConnectionOptions,
  InquireAnswer,
  OpenOptions,
  StatusLine,
  TransactOptions,
  TransactResult,
} from './types.js';

/** One command, from `transact` until its `OK`/`ERR` (or its rejection). */
interface Pending {
  /** Command name, the only part of the request that may appear in messages. */
  readonly name: string;
  readonly line: Uint8Array;
  readonly options: TransactOptions;
  readonly maxDataBytes: number;
  /** The internal `BYE` of `close()`: its end (or the stream's) closes the connection cleanly. */
  readonly bye: boolean;
  readonly resolve: (result: TransactResult) => void;
  readonly reject: (error: unknown) => void;
  phase: 'queued' | 'response' | 'inquire';
  /** The caller's promise is settled (aborted): the rest of the response is only consumed. */
  settled: boolean;
  chunks: Uint8Array[];
  dataBytes: number;
  status: StatusLine[];
  /** A callback of the caller threw: the call rejects with it when the response ends. */
  callbackError: { readonly error: unknown } | undefined;
  /** Aborts the running inquiry's answer (call aborted, connection closed). */
  inquiry: AbortController | undefined;
  detachAbort: (() => void) | undefined;
}

const textEncoder = new TextEncoder();

function checkLimit(value: number | undefined, what: string): number | undefined {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${String(value)}`);
  }
  return value;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
  );
}

/** Settles with `promise`, or rejects with `signal.reason` as soon as the signal aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  });
}

/** Rethrows an exception of a user callback outside our stream handlers, like an event emitter. */
function callSafely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * A client connection to an Assuan server (gpg-agent, gpgsm, dirmngr, scdaemon, pinentry …)
 * over any `Duplex`: a Unix socket, or a child's stdin/stdout joined with `Duplex.from`.
 *
 * One command runs at a time; further {@link transact} calls queue in order. The connection
 * owns the stream: a protocol violation, a data limit, an abort of a running command or the
 * stream closing drops it, rejects everything queued and reports it to
 * {@link ConnectionOptions.onClose}. Nothing is logged, and errors name commands, never their
 * arguments or inquired data (those may be passphrases).
 *
 * Create one with {@link AssuanConnection.open} or a connector (`connectUnixSocket`,
 * `connectGpgAgent`, `spawnAssuanServer`).
 */
export class AssuanConnection implements AsyncDisposable {
  readonly #stream: Duplex;
  readonly #parser = new ServerMessageParser();
  readonly #options: ConnectionOptions;
  readonly #maxDataBytes: number;
  readonly #queue: Pending[] = [];
  #current: Pending | undefined;
  #greeting: string | undefined;
  #greetingWaiter:
    { resolve: (text: string) => void; reject: (error: unknown) => void } | undefined;
  #closing = false;
  #closed = false;
  #closeError: Error | undefined;
  readonly #closedWaiters: (() => void)[] = [];
  #closePromise: Promise<void> | undefined;

  private constructor(stream: Duplex, options: ConnectionOptions) {
    this.#stream = stream;
    this.#options = options;
    this.#maxDataBytes = checkLimit(options.maxDataBytes, 'maxDataBytes') ?? DEFAULT_MAX_DATA_BYTES;
    stream.on('data', (chunk: Uint8Array | string) => {
      this.#onChunk(typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk);
    });
    stream.on('end', () => {
      this.#onStreamEnd(undefined);
    });
    stream.on('close', () => {
      this.#onStreamEnd(undefined);
    });
    stream.on('error', (error: Error) => {
      this.#onStreamEnd(error);
    });
  }

  /**
   * Takes over `stream` and reads the server's greeting (`OK [text]`).
   *
   * @param stream - a connected stream to an Assuan server; the connection owns it from now on
   *   and destroys it on failure.
   * @throws AssuanError when the server greets with `ERR` (e.g. too many connections);
   *   AssuanProtocolError when the greeting is malformed or the stream closes first
   *   (`connection-closed`); RangeError for an invalid `maxDataBytes`. On abort the stream is
   *   destroyed and the promise rejects with `signal.reason`.
   */
  static async open(stream: Duplex, options: OpenOptions = {}): Promise<AssuanConnection> {
    const { signal, ...connectionOptions } = options;
    if (signal?.aborted === true) {
      stream.destroy();
      signal.throwIfAborted();
    }
    if (stream.destroyed || stream.readableEnded) {
      throw new AssuanProtocolError(
        'connection-closed',
        'cannot open an Assuan connection on a stream that is already closed',
      );
    }
    const connection = new AssuanConnection(stream, connectionOptions);
    const greeting = new Promise<string>((resolve, reject) => {
      connection.#greetingWaiter = { resolve, reject };
    });
    if (signal === undefined) {
      await greeting;
      return connection;
    }
    try {
      await raceAbort(greeting, signal);
    } catch (error) {
      if (signal.aborted) connection.destroy(signal.reason);
      throw error;
    }
    return connection;
  }

  /** The text of the server's `OK` greeting, e.g. `Pleased to meet you, process 1234`. */
  get greeting(): string {
    return this.#greeting ?? '';
  }

  /** True once the connection ended (cleanly or not); every later `transact` rejects. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Why the connection ended; undefined while open and after a clean `close()`. */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /**
   * Sends one command and collects its response: `D` lines (or streams them to `onData`),
   * status lines, inquiries answered by `onInquire`, until `OK` or `ERR`. Calls made while a
   * command runs are queued and sent in order.
   *
   * @param command - the command name, e.g. `PKSIGN` (named in error messages).
   * @param args - its arguments: one string, or several joined with spaces. They are never put
   *   into error messages.
   * @throws AssuanError when the server answers `ERR` (message: the command name and the
   *   server's description; branch on `code`/`source`). AssuanProtocolError `invalid-argument`
   *   or `line-too-long` when the command cannot be encoded (nothing is sent);
   *   `data-limit` when the response carries more than `maxDataBytes` (the connection is
   *   dropped); `connection-closed` when the connection is or becomes closed; any other reason
   *   when the server violates the protocol (the connection is dropped). The error an `onData`,
   *   `onStatus` or `onInquire` callback threw. On abort: `signal.reason` (see
   *   {@link TransactOptions.signal} for what happens to the connection).
   */
  async transact(
    command: string,
    args?: string | readonly string[],
    options: TransactOptions = {},
  ): Promise<TransactResult> {
    if (this.#closed || this.#closing) {
      throw new AssuanProtocolError(
        'connection-closed',
        `cannot send ${command}: the Assuan connection is ${this.#closed ? 'closed' : 'closing'}`,
        this.#closeError === undefined ? {} : { cause: this.#closeError },
      );
    }
    options.signal?.throwIfAborted();
    const maxDataBytes = checkLimit(options.maxDataBytes, 'maxDataBytes') ?? this.#maxDataBytes;
    // Encoding fails (nothing is sent) for control characters and over-long lines.
    const line = encodeCommand(command, args);
    // Everything above runs synchronously: calls are queued in the order they were made.
    return this.#enqueue(command, line, options, maxDataBytes, false);
  }

  /**
   * Ends the connection politely: waits for the queued commands, sends `BYE`, waits for its
   * `OK` (or the server closing), then ends the stream. Idempotent; never rejects because of
   * the connection's state (a connection that already failed just stays closed).
   *
   * @throws only `signal.reason` when `options.signal` aborts first; the connection is then
   *   destroyed.
   */
  close(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closePromise === undefined) {
      if (this.#closed) {
        this.#closePromise = Promise.resolve();
      } else {
        const bye = this.#enqueue('BYE', encodeCommand('BYE'), {}, this.#maxDataBytes, true);
        // The outcome of BYE does not matter: OK, ERR or the stream closing all end the connection.
        bye.catch(() => undefined);
        this.#closing = true;
        this.#closePromise = this.#whenClosed();
      }
    }
    const { signal } = options;
    if (signal === undefined) return this.#closePromise;
    return raceAbort(this.#closePromise, signal).catch((error: unknown) => {
      if (signal.aborted) this.destroy(signal.reason);
      throw error;
    });
  }

  /**
   * Drops the connection at once: destroys the stream, rejects the running and queued commands
   * with AssuanProtocolError `connection-closed` (with `reason` as its cause) and reports that
   * error to `onClose`. No-op when already closed.
   */
  destroy(reason?: unknown): void {
    this.#fail(
      new AssuanProtocolError(
        'connection-closed',
        'the Assuan connection was destroyed',
        reason === undefined ? {} : { cause: reason },
      ),
    );
  }

  /** Same as {@link close}: `await using connection = await connectGpgAgent()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #whenClosed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#closedWaiters.push(resolve);
    });
  }

  #enqueue(
    name: string,
    line: Uint8Array,
    options: TransactOptions,
    maxDataBytes: number,
    bye: boolean,
  ): Promise<TransactResult> {
    return new Promise<TransactResult>((resolve, reject) => {
      const pending: Pending = {
        name,
        line,
        options,
        maxDataBytes,
        bye,
        resolve,
        reject,
        phase: 'queued',
        settled: false,
        chunks: [],
        dataBytes: 0,
        status: [],
        callbackError: undefined,
        inquiry: undefined,
        detachAbort: undefined,
      };
      const { signal } = options;
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.#onAbort(pending, signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.detachAbort = () => {
          signal.removeEventListener('abort', onAbort);
        };
      }
      this.#queue.push(pending);
      this.#pump();
    });
  }

  /** Sends the next queued command when none is running. */
  #pump(): void {
    if (this.#closed || this.#current !== undefined || this.#greetingWaiter !== undefined) return;
    const next = this.#queue.shift();
    if (next === undefined) return;
    this.#current = next;
    next.phase = 'response';
    // No need to wait for 'drain': the next command is only written after this one's response.
    this.#stream.write(next.line);
  }

  #onAbort(pending: Pending, reason: unknown): void {
    if (pending.settled || this.#closed) return;
    switch (pending.phase) {
      case 'queued': {
        const index = this.#queue.indexOf(pending);
        if (index !== -1) this.#queue.splice(index, 1);
        this.#settle(pending, { error: reason });
        return;
      }
      case 'inquire':
        // The inquiry's answer sends CAN; the server's ERR is then consumed silently.
        this.#settle(pending, { error: reason });
        pending.inquiry?.abort(reason);
        return;
      case 'response':
        this.#settle(pending, { error: reason });
        this.#fail(
          new AssuanProtocolError(
            'connection-closed',
            `the Assuan connection was dropped: ${pending.name} was aborted while its response was pending (Assuan cannot cancel a running command)`,
            { cause: reason },
          ),
        );
        return;
    }
  }

  /** Settles the caller's promise once; the command may still occupy the connection. */
  #settle(pending: Pending, outcome: { result: TransactResult } | { error: unknown }): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.detachAbort?.();
    if ('result' in outcome) pending.resolve(outcome.result);
    else pending.reject(outcome.error);
  }

  #onChunk(chunk: Uint8Array): void {
    if (this.#closed) return;
    let messages: ServerMessage[];
    try {
      messages = this.#parser.push(chunk);
    } catch (error) {
      this.#fail(this.#asProtocolError(error));
      return;
    }
    for (const message of messages) {
      // A message can close the connection (a violation, a data limit, the end of BYE).
      if (this.#isClosed()) return;
      this.#onMessage(message);
    }
  }

  /** A method, not the field: TypeScript would keep a narrowing of the field across calls. */
  #isClosed(): boolean {
    return this.#closed;
  }

  #asProtocolError(error: unknown): Error {
    if (error instanceof AssuanProtocolError) return error;
    return new AssuanProtocolError('unexpected-message', 'cannot parse the server response', {
      cause: error,
    });
  }

  #onMessage(message: ServerMessage): void {
    if (message.type === 'comment') return;
    const waiter = this.#greetingWaiter;
    if (waiter !== undefined) {
      // #fail rejects the waiter with its error.
      if (message.type === 'ok') {
        this.#greetingWaiter = undefined;
        this.#greeting = message.text;
        waiter.resolve(message.text);
        this.#pump();
      } else if (message.type === 'err') {
        this.#fail(new AssuanError(message.code, message.description));
      } else {
        this.#fail(
          new AssuanProtocolError(
            'unexpected-message',
            `the server greeted with a ${message.type} line instead of OK`,
          ),
        );
      }
      return;
    }
    const pending = this.#current;
    if (pending === undefined) {
      this.#fail(
        new AssuanProtocolError(
          'unexpected-message',
          `the server sent a ${message.type} line while no command was running`,
        ),
      );
      return;
    }
    if (pending.phase === 'inquire') {
      this.#fail(
        new AssuanProtocolError(
          'unexpected-message',
          `the server sent a ${message.type} line to ${pending.name} before its INQUIRE was answered`,
        ),
      );
      return;
    }
    switch (message.type) {
      case 'data':
        this.#onData(pending, message.data);
        return;
      case 'status':
        this.#onStatus(pending, message.keyword, message.args);
        return;
      case 'inquire':
        pending.phase = 'inquire';
        void this.#answerInquiry(pending, message.keyword, message.args);
        return;
      case 'end':
        // END after D lines is optional for servers and carries nothing.
        return;
      case 'ok':
        this.#finish(pending, {
          result: {
            data:
              pending.chunks.length === 1 && pending.chunks[0] !== undefined
                ? pending.chunks[0]
                : concatBytes(pending.chunks),
            status: pending.status,
            text: message.text,
          },
        });
        return;
      case 'err':
        this.#finish(pending, {
          error: new AssuanError(message.code, message.description, { command: pending.name }),
        });
        return;
    }
  }

  #onData(pending: Pending, data: Uint8Array): void {
    pending.dataBytes += data.byteLength;
    if (pending.dataBytes > pending.maxDataBytes) {
      this.#fail(
        new AssuanProtocolError(
          'data-limit',
          `the response to ${pending.name} carries more than ${pending.maxDataBytes} data bytes (maxDataBytes); the connection was dropped`,
        ),
      );
      return;
    }
    if (pending.settled || pending.callbackError !== undefined) return;
    const { onData } = pending.options;
    if (onData === undefined) {
      pending.chunks.push(data);
      return;
    }
    try {
      onData(data);
    } catch (error) {
      pending.callbackError = { error };
    }
  }

  #onStatus(pending: Pending, keyword: string, args: string): void {
    if (pending.settled) return;
    pending.status.push({ keyword, args });
    if (pending.callbackError !== undefined) return;
    const onStatus = pending.options.onStatus ?? this.#options.onStatus;
    try {
      onStatus?.(keyword, args);
    } catch (error) {
      pending.callbackError = { error };
    }
  }

  /** The response of the running command ended with OK or ERR. */
  #finish(pending: Pending, outcome: { result: TransactResult } | { error: unknown }): void {
    this.#current = undefined;
    this.#settle(pending, pending.callbackError === undefined ? outcome : pending.callbackError);
    if (pending.bye) {
      this.#shutdown();
      return;
    }
    this.#pump();
  }

  /**
   * Answers an INQUIRE with the caller's `onInquire`, then `END`, or `CAN` when there is no
   * handler, it declines or fails, or the call is aborted meanwhile.
   */
  async #answerInquiry(pending: Pending, keyword: string, args: string): Promise<void> {
    const controller = new AbortController();
    pending.inquiry = controller;
    const { signal } = controller;
    let complete = false;
    try {
      const handler = pending.options.onInquire;
      // Without a handler, or when the call already failed, the inquiry is canceled.
      if (handler !== undefined && !pending.settled && pending.callbackError === undefined) {
        const answer: InquireAnswer = await raceAbort(
          Promise.resolve().then(() => handler(keyword, args, signal)),
          signal,
        );
        // An abort after the last D line still turns END into CAN.
        complete = (await this.#sendAnswer(answer, signal)) && !signal.aborted;
      }
    } catch (error) {
      if (!signal.aborted) pending.callbackError ??= { error };
    } finally {
      pending.inquiry = undefined;
    }
    if (this.#closed) return;
    // Switch before writing: the server's reply may be parsed before the write callback runs.
    pending.phase = 'response';
    this.#stream.write(complete ? encodeEnd() : encodeCancel());
  }

  /** Writes an answer's D lines; true when the answer is complete (END), false for CAN. */
  async #sendAnswer(answer: InquireAnswer, signal: AbortSignal): Promise<boolean> {
    if (answer === undefined) return false;
    if (typeof answer === 'string') {
      await this.#writeData(textEncoder.encode(answer), signal);
      return true;
    }
    if (answer instanceof Uint8Array) {
      await this.#writeData(answer, signal);
      return true;
    }
    if (isAsyncIterable(answer)) {
      const iterator = answer[Symbol.asyncIterator]();
      try {
        for (;;) {
          const step = await raceAbort(iterator.next(), signal);
          if (step.done === true) return true;
          const chunk: unknown = step.value;
          if (!(chunk instanceof Uint8Array)) {
            throw new TypeError('an inquiry answer stream must yield Uint8Array chunks');
          }
          await this.#writeData(chunk, signal);
        }
      } finally {
        // Stops (and for a Readable, destroys) the source when we leave early.
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
      }
    }
    // Checked at run time too: JavaScript callers may return anything.
    if ((answer as { cancel?: unknown }).cancel === true) return false;
    throw new TypeError('unsupported inquiry answer');
  }

  /** Writes data as D lines, waiting for 'drain' when the stream's buffer is full. */
  async #writeData(data: Uint8Array, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (data.byteLength === 0 || this.#closed) return;
    if (this.#stream.write(encodeData(data))) return;
    await raceAbort(
      new Promise<void>((resolve) => {
        const done = (): void => {
          this.#stream.off('drain', done);
          this.#stream.off('close', done);
          resolve();
        };
        this.#stream.on('drain', done);
        this.#stream.on('close', done);
      }),
      signal,
    );
  }

  #onStreamEnd(error: Error | undefined): void {
    if (this.#closed) return;
    if (this.#current?.bye === true && error === undefined) {
      // The server closed after (or instead of answering) BYE: that is a clean close.
      this.#shutdown();
      return;
    }
    if (error === undefined) {
      try {
        this.#parser.finish();
      } catch (parseError) {
        this.#fail(this.#asProtocolError(parseError));
        return;
      }
    }
    const running = this.#current?.name;
    const what =
      running !== undefined
        ? ` while ${running} was pending`
        : this.#greetingWaiter === undefined
          ? ''
          : ' before its greeting';
    this.#fail(
      new AssuanProtocolError(
        'connection-closed',
        error === undefined
          ? `the Assuan server closed the connection${what}`
          : `the Assuan connection failed${what}: ${error.message}`,
        error === undefined ? {} : { cause: error },
      ),
    );
  }

  /** Clean end after BYE. */
  #shutdown(): void {
    if (this.#closed) return;
    this.#end(undefined);
    const stream = this.#stream;
    if (stream.writableEnded) {
      stream.destroy();
    } else {
      stream.end(() => {
        stream.destroy();
      });
    }
  }

  /** The connection failed: destroy the stream and reject everything. */
  #fail(error: Error): void {
    if (this.#closed) return;
    this.#end(error);
    this.#stream.destroy();
  }

  #end(error: Error | undefined): void {
    this.#closed = true;
    this.#closeError = error;
    const rejection =
      error ?? new AssuanProtocolError('connection-closed', 'the Assuan connection is closed');
    const waiter = this.#greetingWaiter;
    this.#greetingWaiter = undefined;
    waiter?.reject(rejection);
    const current = this.#current;
    this.#current = undefined;
    if (current !== undefined) {
      current.inquiry?.abort(rejection);
      this.#settle(current, { error: rejection });
    }
    for (const pending of this.#queue.splice(0)) this.#settle(pending, { error: rejection });
    for (const resolve of this.#closedWaiters.splice(0)) resolve();
    const { onClose } = this.#options;
    if (onClose !== undefined) {
      callSafely(() => {
        if (error === undefined) onClose();
        else onClose(error);
      });
    }
  }
}
