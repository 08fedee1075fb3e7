/** A status line (`S <keyword> <args>`) the server sent while a command ran. */
export interface StatusLine {
  /** The keyword, e.g. `KEYINFO`, `INQUIRE_MAXLEN`, `GOODSIG`. */
  readonly keyword: string;
  /**
   * The rest of the line exactly as sent: still percent-escaped where the keyword's format
   * escapes (Assuan leaves the meaning of status arguments to each keyword).
   */
  readonly args: string;
}

/** What a command answered once it ended with `OK`. */
export interface TransactResult {
  /**
   * The bytes of every `D` line of the response, unescaped and concatenated; empty when the
   * call streamed them to {@link TransactOptions.onData}.
   */
  readonly data: Uint8Array;
  /** The status lines of the response, in order. */
  readonly status: readonly StatusLine[];
  /** The text after `OK` (often empty). */
  readonly text: string;
}

/**
 * How to answer an `INQUIRE`:
 * - `Uint8Array`: sent as `D` lines, then `END`;
 * - `string`: sent UTF-8 encoded, then `END`;
 * - `AsyncIterable<Uint8Array>` (e.g. a `Readable`): each chunk sent as it comes, then `END`;
 * - `{ cancel: true }` or `undefined`: `CAN`; the server then fails the command with `ERR`
 *   (gpg-agent 2.2: GPG_ERR_ASS_CANCELED, code 277).
 */
export type InquireAnswer =
  Uint8Array | string | AsyncIterable<Uint8Array> | { readonly cancel: true } | undefined;

/**
 * Answers one `INQUIRE` of the running command.
 *
 * @param keyword - what the server asks for, e.g. `PASSPHRASE`, `CIPHERTEXT`.
 * @param args - the rest of the `INQUIRE` line, as sent.
 * @param signal - aborts when the call is aborted or the connection closes; the answer is then
 *   discarded (a `CAN` is sent when the connection is still open).
 * @returns the answer; throwing (or rejecting) sends `CAN` and the call rejects with that error
 *   once the server has answered.
 */
export type InquireHandler = (
  keyword: string,
  args: string,
  signal: AbortSignal,
) => Promise<InquireAnswer> | InquireAnswer;

/** Options of one {@link AssuanConnection.transact} call. */
export interface TransactOptions {
  /**
   * Receives each `D` line's bytes as it arrives instead of collecting them into
   * {@link TransactResult.data}. A throw fails the call (with that error, once the server ended
   * the response); the connection stays usable.
   */
  readonly onData?: (chunk: Uint8Array) => void;
  /**
   * Receives the status lines of this call (instead of the connection's
   * {@link ConnectionOptions.onStatus}); they are also listed in {@link TransactResult.status}.
   * A throw fails the call like one from `onData`.
   */
  readonly onStatus?: (keyword: string, args: string) => void;
  /**
   * Answers the server's `INQUIRE`s. Without one every inquiry is answered with `CAN`, and the
   * call rejects with the server's `ERR`.
   */
  readonly onInquire?: InquireHandler;
  /**
   * Most bytes the response's `D` lines may carry (the connection's limit by default). More is
   * an `AssuanProtocolError` with reason `data-limit`, and the connection is dropped: the rest
   * of the response cannot be skipped safely.
   */
  readonly maxDataBytes?: number;
  /**
   * Aborts the call, which rejects with `signal.reason`. A queued command is just removed. While
   * an inquiry is being answered, `CAN` is sent and the connection stays usable. Once the
   * command (or its inquired data) was sent, the connection is dropped: Assuan cannot cancel a
   * running command.
   */
  readonly signal?: AbortSignal;
}

/** Options of an {@link AssuanConnection}, also accepted by every connector. */
export interface ConnectionOptions {
  /** Receives status lines of calls that have no `onStatus` of their own. */
  readonly onStatus?: (keyword: string, args: string) => void;
  /**
   * Called once when the connection ends: without an argument after a clean `close()`, with
   * the error otherwise (protocol violation, the stream closing or failing, a data limit, an
   * abort that dropped the connection, `destroy()`). It runs synchronously inside the stream's
   * event handling; an exception it throws is rethrown as an uncaught exception, as from an
   * event listener.
   */
  readonly onClose?: (error?: Error) => void;
  /**
   * Default for {@link TransactOptions.maxDataBytes}: `DEFAULT_MAX_DATA_BYTES` (16 MiB) when
   * absent.
   */
  readonly maxDataBytes?: number;
}

/** Options of {@link AssuanConnection.open}. */
export interface OpenOptions extends ConnectionOptions {
  /** Aborts waiting for the greeting: the stream is destroyed and `open` rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}
