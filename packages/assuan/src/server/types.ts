/**
 * The public contract of the Assuan server framework: a table of command handlers served over any
 * `Duplex` (or a Unix socket), one command at a time per connection, like libassuan's
 * `assuan_process`.
 */

import type { Duplex } from 'node:stream';

/**
 * What a command handler sees of its connection while it runs. Every method rejects once the
 * command has completed (the context must not outlive its handler) and, after the connection was
 * aborted (client gone, server closing, idle timeout), with `signal.reason`.
 */
export interface CommandContext {
  /** The command name, upper-cased (Assuan command names are case-insensitive). */
  readonly command: string;
  /**
   * The raw argument text after the command name and the blanks that follow it, still
   * percent-escaped as sent (unescape with `unescape` from the codec where the command's syntax
   * says so).
   */
  readonly args: string;
  /**
   * Aborts when the connection is gone (closed or reset, a stream error, a failed write), the
   * server closes, or the idle timeout fires. Long-running handlers should pass it on to their
   * own I/O. A client that only ends its sending side (half-close) does not abort it: the
   * command completes and is answered, like the lines the client sent before its end.
   */
  readonly signal: AbortSignal;
  /** Per-connection state that survives between commands (e.g. a key chosen by `SIGKEY`); `RESET` clears it. */
  readonly session: Map<string, unknown>;
  /** The values set with `OPTION` on this connection (a bare `OPTION name` stores `''`). */
  readonly options: ReadonlyMap<string, string>;
  /**
   * Sends a status line `S <keyword> [args]`. `args` is sent as given (escape it yourself with
   * `escapeArgument` where it may contain `%`, CR or LF).
   * Rejects with `AssuanProtocolError` (`invalid-argument`) when the line cannot be encoded.
   */
  status(keyword: string, args?: string): Promise<void>;
  /**
   * Sends bytes (a string is UTF-8 encoded) as `D` lines, percent-escaped, at most 1000 bytes per
   * line. Resolves when the stream accepted them (waits for `drain`: backpressure). Several calls
   * form one data stream that the client receives up to the command's `OK`/`ERR`.
   */
  data(bytes: Uint8Array | string): Promise<void>;
  /**
   * Sends `INQUIRE <keyword> [args]` and collects the client's `D` lines up to `END`.
   * Rejects with `AssuanError`: `ASS_CANCELED` when the client answers `CAN`,
   * `ASS_TOO_MUCH_DATA` when the data exceeds `limits.maxBytes` (default: the server's
   * `maxInquireBytes`; the rest up to `END` is read and discarded first), `ASS_UNEXPECTED_CMD` when
   * the client sends a command instead, `ASS_NESTED_COMMANDS` when an inquiry is already running.
   * A handler that lets these propagate answers the command with the matching `ERR`.
   */
  inquire(
    keyword: string,
    args?: string,
    limits?: { readonly maxBytes?: number },
  ): Promise<Uint8Array>;
  /** Sends a comment line `# text` (clients ignore them; useful for debugging). */
  comment(text: string): Promise<void>;
}

/**
 * Handles one command. The returned string (if any) becomes the text of the `OK` line.
 * Throw an `AssuanError` to answer `ERR <its gpgError> <its description>`; any other error answers
 * `ERR` with `GENERAL` and a fixed text (never the error's message), and is passed to `onError`.
 */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- void lets a handler that only sends data (or nothing) omit its return statement, sync or async
export type CommandHandler = (context: CommandContext) => Promise<string | void> | string | void;

/** A command with its help text for `HELP` (first line: the synopsis, starting with the name). */
export interface CommandDefinition {
  readonly handler: CommandHandler;
  /** Shown by `HELP NAME` line by line; its first line is listed by `HELP` when it starts with the name. */
  readonly help?: string;
}

/** How `OPTION` values are unescaped before they reach `onOption` and `context.options`. */
export type OptionValueEscaping =
  /** Percent escapes (`%20`) are decoded; `+` stays a plus. The Assuan manual allows percent escapes in any parameter. */
  | 'percent'
  /** Percent escapes are decoded and `+` becomes a space (the "plus-percent" escaping some gpg-agent commands use). */
  | 'percent-plus'
  /** The value is passed exactly as sent, like libassuan's `OPTION` handler and gpg-agent do (the default). */
  | 'raw';

/** Configuration of {@link createAssuanServer}. */
export interface AssuanServerOptions {
  /**
   * The application's commands by name (case-insensitive, letters, digits, `_` and `-`). The
   * built-ins `BYE`, `RESET`, `NOP`, `OPTION`, `HELP` (and the inquiry words `END`, `CAN`, `D`)
   * cannot be replaced.
   */
  readonly commands: Readonly<Record<string, CommandHandler | CommandDefinition>>;
  /**
   * Text of the greeting `OK` line. Default `Pleased to meet you` (libassuan appends
   * `, process <pid>` with the *client's* pid from `SO_PEERCRED`, which Node cannot read).
   * Lines before the last one of a multi-line greeting are sent as comments, like libassuan.
   */
  readonly greeting?: string;
  /**
   * gpg-error source of the errors the framework itself reports (unknown command, syntax, …).
   * Default `GPG_ERROR_SOURCE.UNKNOWN` (libassuan's default); a gpg-agent look-alike uses
   * `GPG_ERROR_SOURCE.GPG_AGENT`.
   */
  readonly errorSource?: number;
  /**
   * Option names `OPTION` accepts (case-sensitive, after the optional `--`). Others are refused
   * with `UNKNOWN_OPTION`, like gpg-agent. Default: every name is accepted (libassuan's behaviour
   * without an option handler).
   */
  readonly knownOptions?: readonly string[];
  /**
   * How option values are unescaped. Default `'raw'`: values are used as sent, as libassuan and
   * gpg-agent do (`OPTION display=a%20b` sets `a%20b`).
   */
  readonly optionValueEscaping?: OptionValueEscaping;
  /**
   * Called for each `OPTION` after parsing (and the `knownOptions` check), before the value is
   * stored. `value` is `undefined` for a bare `OPTION name`. Throw an `AssuanError` to refuse it.
   */
  readonly onOption?: (
    name: string,
    value: string | undefined,
    context: CommandContext,
  ) => void | Promise<void>;
  /**
   * Called by `RESET` before the session map is cleared (release what it holds). Throw an
   * `AssuanError` to refuse the reset: the session is then kept.
   */
  readonly onReset?: (
    session: Map<string, unknown>,
    context: CommandContext,
  ) => void | Promise<void>;
  /**
   * Called with every error a handler throws that is not an `AssuanError` (the client only sees
   * a generic `ERR`). Must not throw; it is never called for the connection's own abort reason.
   */
  readonly onError?: (error: unknown, context: CommandContext) => void;
  /** Longest accepted line without its LF. Default and Assuan maximum: 1000. */
  readonly maxLineLength?: number;
  /** Default limit of `context.inquire` in bytes. Default 1 MiB. */
  readonly maxInquireBytes?: number;
  /**
   * How many bytes of complete lines the server buffers while a command runs (a client may send
   * its next commands early; they are processed in order). Above it the server stops reading
   * from the stream until the backlog is consumed. Default 64 KiB.
   */
  readonly maxPendingBytes?: number;
  /**
   * Closes a connection that sends nothing for this long while the server waits for it (between
   * commands or during an inquiry). The running command's signal aborts with an `AssuanError`
   * `TIMEOUT`. Default: no timeout.
   */
  readonly idleTimeoutMs?: number;
}

/** Options of {@link AssuanServer.listen}. */
export interface ListenOptions {
  /** Permission bits of the socket file. Default `0o600` (owner only). */
  readonly mode?: number;
  /** Aborting before the listener is ready rejects with `signal.reason`; afterwards it closes the listener. */
  readonly signal?: AbortSignal;
}

/** A server built by {@link createAssuanServer}: one command table, any number of connections. */
export interface AssuanServer {
  /**
   * Serves one connection: sends the greeting, then processes commands in order until `BYE`, end
   * of input, a stream error, or a malformed line (answered with `ERR`, then the connection
   * closes because the parser cannot resynchronise). Resolves when the connection is over and the
   * server's side of the stream has been ended. Never rejects for the client's behaviour.
   *
   * End of input (`'end'`, e.g. a client that half-closes after `NOP\nBYE\n`) is handled like
   * libassuan: every complete line received before it is still processed and answered in order,
   * then the connection closes. An incomplete last line (no LF) is an error (libassuan's
   * `ASS_INCOMPLETE_LINE`): outside an inquiry it is not answered and the connection closes, as
   * libassuan's `assuan_process` returns it to the server without a reply; a running inquiry
   * rejects with it. An inquiry cut short by the end of input rejects with `EOF`. The stream must
   * stay writable after its end for the answers to arrive (`allowHalfOpen`, the `Duplex` default;
   * {@link AssuanServer.listen} sets it on its sockets).
   *
   * Abort: `options.signal` aborts the running command's signal, ends the stream and rejects with
   * `signal.reason`.
   */
  handle(stream: Duplex, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /**
   * Listens on a Unix socket at `socketPath`, created with `options.mode` (default `0o600`)
   * without a window in which it has looser permissions: the socket is bound in a fresh private
   * (`0700`) directory next to `socketPath`, chmod-ed, then hard-linked to `socketPath` (which
   * fails instead of replacing a file that appeared meanwhile).
   * Rejects when `socketPath` exists and is not a socket, or when a server answers on it; a stale
   * socket file (connection refused) is removed first.
   */
  listen(socketPath: string, options?: ListenOptions): Promise<AssuanListener>;
}

/** A listening Unix socket. `await using` closes it. */
export interface AssuanListener extends AsyncDisposable {
  /** The absolute path of the socket file. */
  readonly path: string;
  /**
   * Stops accepting, aborts every connection's signal (reason: `AssuanError` `CANCELED`), waits
   * for the running handlers to return and the connections to end, and removes the socket file
   * if it is still the one this listener created. Idempotent.
   */
  close(): Promise<void>;
}
