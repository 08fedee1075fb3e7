/**
 * Incremental parsers for both directions of an Assuan connection: `push(chunk)` bytes as they
 * arrive, get the complete messages back. Every function is pure: nothing here opens a socket or
 * starts a process.
 *
 * Framing (libassuan manual, "Implementation" and "Client requests"; `_assuan_read_line` in
 * `assuan-buffer.c`): a line ends with LF; one CR right before the LF is stripped; empty lines and
 * lines starting with `#` are ignored by libassuan on both sides (here: empty lines are dropped,
 * comments are returned so callers can log them). A line's text may be at most `maxLineLength`
 * bytes without its terminator (default {@link MAX_LINE_LENGTH}, 1000).
 *
 * Failure is terminal: the first malformed line makes `push` throw an {@link AssuanProtocolError},
 * the parser keeps it in `failed`, and every later `push` or `finish` throws that same error.
 * Messages completed earlier in the same chunk are dropped with it: the connection is unusable.
 *
 * Cost: each byte is scanned once and copied at most once (into the partial-line buffer, which
 * never holds more than `maxLineLength + 1` bytes), so parsing is O(n) whatever the chunking.
 */
import { MAX_LINE_LENGTH } from '../constants.js';
import { AssuanProtocolError } from '../errors.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { unescape } from './escape.js';
import { CR, decodeUtf8, HASH, LF, SPACE, TAB } from './text.js';

/** Options of {@link ServerMessageParser} and {@link ClientMessageParser}. */
export interface ParserOptions {
  /**
   * Longest accepted line in bytes, without its LF or CR LF; default {@link MAX_LINE_LENGTH}
   * (1000, libassuan's limit). Longer lines fail with `line-too-long` as soon as the length is
   * known, without waiting for the LF. A positive integer.
   */
  maxLineLength?: number;
  /**
   * Cap on the decoded bytes of one data stream, counted across its D lines: one response for
   * {@link ServerMessageParser} (reset by `OK` and `ERR`), one inquiry answer for
   * {@link ClientMessageParser} (reset by `END`, `CAN` and any command). Default `Infinity`; going
   * over fails with `data-limit`. A non-negative number.
   */
  maxDataBytes?: number;
}

const D = 0x44;
const E = 0x45;
const I = 0x49;
const O = 0x4f;
const S = 0x53;
const C = 0x43;

const WORD_OK = [O, 0x4b];
const WORD_ERR = [E, 0x52, 0x52];
const WORD_END = [E, 0x4e, D];
const WORD_CAN = [C, 0x41, 0x4e];
const WORD_INQUIRE = [I, 0x4e, 0x51, 0x55, I, 0x52, E];

/** True when `line` is `word` alone or `word` followed by a space. */
function isWord(line: Uint8Array, word: readonly number[]): boolean {
  const n = word.length;
  if (line.length < n || (line.length > n && line[n] !== SPACE)) return false;
  for (let i = 0; i < n; i++) if (line[i] !== word[i]) return false;
  return true;
}

/** Index of the first byte at or after `from` that is not a space (or, with `tabs`, a TAB). */
function skipBlanks(line: Uint8Array, from: number, tabs: boolean): number {
  let i = from;
  while (i < line.length && (line[i] === SPACE || (tabs && line[i] === TAB))) i++;
  return i;
}

/** Index of the first space (or TAB, with `tabs`) at or after `from`, else the line's length. */
function findBlank(line: Uint8Array, from: number, tabs: boolean): number {
  let i = from;
  while (i < line.length && line[i] !== SPACE && !(tabs && line[i] === TAB)) i++;
  return i;
}

/** A short, printable excerpt of a line's start for error messages (never a data line). */
function excerpt(line: Uint8Array): string {
  let text = '';
  for (const byte of line.subarray(0, 16)) {
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16)}`;
  }
  return JSON.stringify(line.length > 16 ? `${text}…` : text);
}

/** The shared line framing; subclasses turn one line into messages. */
abstract class LineParser<M> {
  readonly #maxLineLength: number;
  readonly #maxDataBytes: number;
  #pending = new Uint8Array(0);
  #pendingLength = 0;
  /** Stream offset of the first byte of the current (partial) line. */
  #lineOffset = 0;
  #dataBytes = 0;
  #failed: AssuanProtocolError | undefined;

  protected constructor(options: ParserOptions) {
    const maxLineLength = options.maxLineLength ?? MAX_LINE_LENGTH;
    if (!Number.isSafeInteger(maxLineLength) || maxLineLength < 1) {
      throw new RangeError(`maxLineLength must be a positive integer, got ${maxLineLength}`);
    }
    const maxDataBytes = options.maxDataBytes ?? Infinity;
    if (Number.isNaN(maxDataBytes) || maxDataBytes < 0) {
      throw new RangeError(`maxDataBytes must be a non-negative number, got ${maxDataBytes}`);
    }
    this.#maxLineLength = maxLineLength;
    this.#maxDataBytes = maxDataBytes;
  }

  /** The error that killed this parser, if any; every later `push`/`finish` throws it. */
  get failed(): AssuanProtocolError | undefined {
    return this.#failed;
  }

  /**
   * Feeds bytes; returns the messages of the lines they complete, in order. The chunk may be
   * reused by the caller afterwards: returned messages never alias it.
   *
   * @throws AssuanProtocolError on malformed traffic (then and on every later call).
   */
  push(chunk: Uint8Array): M[] {
    if (this.#failed !== undefined) throw this.#failed;
    const messages: M[] = [];
    try {
      let start = 0;
      while (start < chunk.length) {
        const lf = chunk.indexOf(LF, start);
        if (lf === -1) {
          this.#append(chunk.subarray(start), false);
          break;
        }
        let line: Uint8Array;
        if (this.#pendingLength === 0) {
          line = chunk.subarray(start, lf);
        } else {
          this.#append(chunk.subarray(start, lf), true);
          line = this.#pending.subarray(0, this.#pendingLength);
        }
        const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
        if (end > this.#maxLineLength) this.#tooLong(end);
        this.parseLine(line.subarray(0, end), messages);
        this.#pendingLength = 0;
        this.#lineOffset += line.length + 1;
        start = lf + 1;
      }
    } catch (error) {
      if (error instanceof AssuanProtocolError) this.#failed = error;
      throw error;
    }
    return messages;
  }

  /**
   * Declares the end of the stream.
   *
   * @throws AssuanProtocolError `incomplete-line` when bytes of an unterminated line remain (the
   *   parser is then dead); the stored error when the parser had already failed.
   */
  finish(): void {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#pendingLength > 0) {
      this.#failed = new AssuanProtocolError(
        'incomplete-line',
        `the stream ended inside a line: ${this.#pendingLength} bytes after offset ${this.#lineOffset} without a terminating LF`,
      );
      throw this.#failed;
    }
  }

  /** Adds decoded data bytes to the current stream's count; throws `data-limit` above the cap. */
  protected countData(bytes: number): void {
    this.#dataBytes += bytes;
    if (this.#dataBytes > this.#maxDataBytes) {
      throw new AssuanProtocolError(
        'data-limit',
        `the data stream exceeded the limit of ${this.#maxDataBytes} bytes (maxDataBytes) at a D line at offset ${this.#lineOffset}`,
      );
    }
  }

  /** Starts a new data stream (after OK/ERR, or END/CAN/a command). */
  protected resetData(): void {
    this.#dataBytes = 0;
  }

  protected protocolError(
    reason: 'unknown-line' | 'bad-err-line',
    what: string,
    line: Uint8Array,
  ): AssuanProtocolError {
    return new AssuanProtocolError(
      reason,
      `${what} at offset ${this.#lineOffset}: ${excerpt(line)}`,
    );
  }

  /** Parses one line (terminator stripped, length checked) and appends its messages. */
  protected abstract parseLine(line: Uint8Array, messages: M[]): void;

  #append(bytes: Uint8Array, complete: boolean): void {
    const length = this.#pendingLength + bytes.length;
    // A CR right before the LF does not count: up to maxLineLength + 1 bytes may be pending, the
    // last of them a CR. A partial line can only be known too long once that is impossible.
    if (
      length > this.#maxLineLength + 1 ||
      (!complete &&
        length === this.#maxLineLength + 1 &&
        (bytes.length > 0 ? bytes[bytes.length - 1] : this.#pending[length - 1]) !== CR)
    ) {
      this.#tooLong(length);
    }
    if (length > this.#pending.length) {
      const grown = new Uint8Array(
        Math.min(this.#maxLineLength + 1, Math.max(length, 2 * this.#pending.length, 256)),
      );
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(bytes, this.#pendingLength);
    this.#pendingLength = length;
  }

  #tooLong(length: number): never {
    throw new AssuanProtocolError(
      'line-too-long',
      `a line at offset ${this.#lineOffset} is longer than ${this.#maxLineLength} bytes (at least ${length} bytes without LF): Assuan lines hold at most ${MAX_LINE_LENGTH} bytes (libassuan ASSUAN_LINELENGTH)`,
    );
  }

  protected decodeData(line: Uint8Array): Uint8Array {
    const data = unescape(line.subarray(2));
    this.countData(data.length);
    return data;
  }
}

/** The text of a `#` line: everything after the `#` and one optional space. */
function commentText(line: Uint8Array): string {
  return decodeUtf8(line.subarray(line.length > 1 && line[1] === SPACE ? 2 : 1));
}

/**
 * Parses what a server sends (libassuan manual, "Server responses"; `assuan_client_parse_response`
 * in `client.c`): `OK [text]`, `ERR <code> [description]`, `S <keyword> [args]`, `D <data>`,
 * `INQUIRE <keyword> [args]`, `END`, `# comment`. Keywords are case-sensitive upper case and are
 * followed by a space or the end of the line (`OKAY`, `ok`, `D` without a space are unknown
 * lines). Blanks between fields are spaces only, as in libassuan's client.
 *
 * Stricter than libassuan's client, deliberately: `ERR` needs a decimal code in 1..0xFFFFFFFF
 * (libassuan uses `atoi`, so `ERR foo` would read as success); `S` and `INQUIRE` need a keyword;
 * a D line's escapes must be `%` plus two hex digits (`bad-escape`). Messages are yielded in wire
 * order with no state machine: an INQUIRE or S line in the middle of a command's data (allowed by
 * the manual: "Status and Inquiry Responses may be mixed with the Data lines") is just the next
 * message, and the connection decides what it means.
 *
 * @throws from `push`: AssuanProtocolError `line-too-long`, `unknown-line`, `bad-err-line`,
 *   `bad-escape`, `data-limit`; from `finish`: `incomplete-line`.
 */
export class ServerMessageParser extends LineParser<ServerMessage> {
  /** @throws RangeError for an invalid option value. */
  constructor(options: ParserOptions = {}) {
    super(options);
  }

  protected parseLine(line: Uint8Array, messages: ServerMessage[]): void {
    if (line.length === 0) return;
    switch (line[0]) {
      case HASH:
        messages.push({ type: 'comment', text: commentText(line) });
        return;
      case D:
        if (line.length >= 2 && line[1] === SPACE) {
          messages.push({ type: 'data', data: this.decodeData(line) });
          return;
        }
        break;
      case O:
        if (isWord(line, WORD_OK)) {
          this.resetData();
          messages.push({
            type: 'ok',
            text: decodeUtf8(line.subarray(skipBlanks(line, 2, false))),
          });
          return;
        }
        break;
      case E:
        if (isWord(line, WORD_ERR)) {
          this.resetData();
          messages.push(this.#parseErr(line));
          return;
        }
        if (isWord(line, WORD_END)) {
          messages.push({ type: 'end' });
          return;
        }
        break;
      case S:
        if (line.length === 1 || line[1] === SPACE) {
          messages.push({ type: 'status', ...this.#keywordAndArgs(line, 1, 'status') });
          return;
        }
        break;
      case I:
        if (isWord(line, WORD_INQUIRE)) {
          messages.push({ type: 'inquire', ...this.#keywordAndArgs(line, 7, 'INQUIRE') });
          return;
        }
        break;
    }
    throw this.protocolError('unknown-line', 'not an Assuan server response', line);
  }

  #keywordAndArgs(line: Uint8Array, from: number, what: string): { keyword: string; args: string } {
    const keywordStart = skipBlanks(line, from, false);
    const keywordEnd = findBlank(line, keywordStart, false);
    if (keywordEnd === keywordStart) {
      throw this.protocolError('unknown-line', `${what} line without a keyword`, line);
    }
    return {
      keyword: decodeUtf8(line.subarray(keywordStart, keywordEnd)),
      args: decodeUtf8(line.subarray(skipBlanks(line, keywordEnd, false))),
    };
  }

  #parseErr(line: Uint8Array): ServerMessage {
    const codeStart = skipBlanks(line, 3, false);
    let code = 0;
    let i = codeStart;
    while (i < line.length && i - codeStart <= 10) {
      const byte = line[i] ?? 0;
      if (byte < 0x30 || byte > 0x39) break;
      code = code * 10 + (byte - 0x30);
      i++;
    }
    if (
      i === codeStart ||
      (i < line.length && line[i] !== SPACE) ||
      code < 1 ||
      code > 0xffffffff
    ) {
      throw this.protocolError(
        'bad-err-line',
        'ERR line without a gpg-error code in 1..4294967295',
        line,
      );
    }
    return {
      type: 'err',
      code,
      description: decodeUtf8(line.subarray(skipBlanks(line, i, false))),
    };
  }
}

/**
 * Parses what a client sends (libassuan manual, "Client requests"; `dispatch_command` in
 * `assuan-handler.c`, `assuan_inquire` in `assuan-inquire.c`): `D <data>`, `END` and `CAN`
 * (case-sensitive, each alone or followed by a space, as libassuan's inquiry reader checks them),
 * `# comment`, and everything else as a command: `name` is the text up to the first space or TAB
 * exactly as sent (commands are case-insensitive: compare with `toUpperCase()`), `args` the rest
 * after the blanks. libassuan's inquiry reader also takes any line starting with `CAN` (`CANCEL`)
 * as a cancel; here `CANCEL` is a command, and a server may treat it as a cancel during an inquiry.
 *
 * No validation of names or arguments happens here (a line starting with a blank gives the name
 * `''`; NUL and other control bytes are kept): that is the server's job — libassuan answers such
 * lines with ERR and keeps the connection. Text is decoded as UTF-8 (invalid sequences become
 * U+FFFD); arguments keep their percent escapes (decode with `unescapeArgument` where a command
 * defines them).
 *
 * @throws from `push`: AssuanProtocolError `line-too-long`, `bad-escape` (D line), `data-limit`;
 *   from `finish`: `incomplete-line`.
 */
export class ClientMessageParser extends LineParser<ClientMessage> {
  /** @throws RangeError for an invalid option value. */
  constructor(options: ParserOptions = {}) {
    super(options);
  }

  protected parseLine(line: Uint8Array, messages: ClientMessage[]): void {
    if (line.length === 0) return;
    const first = line[0];
    if (first === HASH) {
      messages.push({ type: 'comment', text: commentText(line) });
      return;
    }
    if (first === D && line.length >= 2 && line[1] === SPACE) {
      messages.push({ type: 'data', data: this.decodeData(line) });
      return;
    }
    this.resetData();
    if (isWord(line, WORD_END)) {
      messages.push({ type: 'end' });
      return;
    }
    if (isWord(line, WORD_CAN)) {
      messages.push({ type: 'cancel' });
      return;
    }
    const nameEnd = findBlank(line, 0, true);
    messages.push({
      type: 'command',
      name: decodeUtf8(line.subarray(0, nameEnd)),
      args: decodeUtf8(line.subarray(skipBlanks(line, nameEnd, true))),
    });
  }
}
