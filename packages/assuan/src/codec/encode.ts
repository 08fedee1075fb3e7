/**
 * Encoding of what an Assuan client sends (libassuan manual, "Client requests"). Every function is
 * pure: nothing here opens a socket or starts a process. Nothing is ever truncated: a request that
 * cannot be sent as given is refused with an {@link AssuanProtocolError} before any byte exists.
 */
import { MAX_LINE_LENGTH } from '../constants.js';
import { AssuanProtocolError } from '../errors.js';
import { mustEscapeInData, writeEscape } from './escape.js';
import { assertLineText, encodeLine, KEYWORD, LF, utf8 } from './text.js';

/**
 * Names a client must not use as commands (compared case-insensitively): the data-line, end and
 * cancel markers a server reads during an inquiry, and the server's response keywords.
 */
const RESERVED_COMMAND_NAMES: ReadonlySet<string> = new Set([
  'D',
  'END',
  'CAN',
  'OK',
  'ERR',
  'S',
  'INQUIRE',
]);

/** `D` + space. */
const D_PREFIX = utf8('D ');

/**
 * Encodes a command line `NAME[ args]\n` (libassuan manual, "Client requests": a one-word command
 * without preceding white space, then command-specific parameters).
 *
 * - `name` must match `/^[A-Za-z_][A-Za-z0-9_-]*$/` and must not be `D`, `END`, `CAN`, `OK`,
 *   `ERR`, `S` or `INQUIRE` in any case (`#` lines are comments: {@link encodeComment} on the
 *   server side; a client has no reason to send one). Use {@link encodeEnd} / {@link encodeCancel}
 *   / {@link encodeData} for inquiry answers.
 * - `args` (an array is joined with single spaces, each element sent verbatim) must not contain
 *   any C0 control character — CR, LF and NUL, but also TAB, because libassuan splits arguments at
 *   TABs as at spaces (`dispatch_command`, `std_handler_option`) — nor DEL or a lone surrogate.
 *   So `"a\r\nBYE"` is refused, never sent: an argument cannot start a second command. Text that
 *   merely looks like an escape (`%0A`) is sent as the three bytes it is; a server that
 *   percent-decodes that argument sees a LF *inside* the argument, which cannot end the line or
 *   start a command. To carry arbitrary text use {@link escapeArgument} on the value first.
 * - The whole line (without LF) must fit {@link MAX_LINE_LENGTH} bytes of UTF-8.
 *
 * @throws AssuanProtocolError `invalid-argument` for a bad name or argument; `line-too-long` when
 *   the line exceeds 1000 bytes. Never truncates.
 */
export function encodeCommand(name: string, args?: string | readonly string[]): Uint8Array {
  if (!KEYWORD.test(name)) {
    throw new AssuanProtocolError(
      'invalid-argument',
      `command name ${JSON.stringify(name.slice(0, 40))} is not an Assuan command word: it must match [A-Za-z_][A-Za-z0-9_-]*`,
    );
  }
  if (RESERVED_COMMAND_NAMES.has(name.toUpperCase())) {
    throw new AssuanProtocolError(
      'invalid-argument',
      `"${name}" is a protocol keyword, not a command: use encodeData/encodeEnd/encodeCancel to answer an inquiry`,
    );
  }
  const text = args === undefined ? '' : typeof args === 'string' ? args : args.join(' ');
  assertLineText(text, `argument of command ${name}`);
  return encodeLine(text === '' ? name : `${name} ${text}`, `command ${name}`);
}

/**
 * Encodes bytes as data lines `D <escaped>\n` (libassuan manual, "Client requests" / "Server
 * responses": exactly one space after the `D`; '%', CR, LF escaped as `%25`, `%0D`, `%0A`). Used
 * by clients answering an inquiry and by servers returning data: the lines are the same.
 *
 * Escaping is that of {@link escapeData}. Lines are filled up to exactly {@link MAX_LINE_LENGTH}
 * bytes (prefix included, LF excluded) and an escape sequence is never split across lines; libassuan
 * (`_assuan_cookie_write_data`) fills to at most the same 1000 bytes. Empty data gives no lines
 * (an empty array). The data is not terminated: send {@link encodeEnd} after the last chunk of an
 * inquiry answer.
 */
export function encodeData(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n === 0) return new Uint8Array(0);
  let specials = 0;
  for (const byte of data) if (mustEscapeInData(byte)) specials++;
  const escapedLength = n + 2 * specials;
  const payload = MAX_LINE_LENGTH - D_PREFIX.length;
  // A line is cut only when the next piece (1 or 3 bytes) does not fit, so every line but the last
  // carries at least payload - 2 escaped bytes.
  const maxLines = Math.ceil(escapedLength / (payload - 2)) + 1;
  const out = new Uint8Array(escapedLength + maxLines * (D_PREFIX.length + 1));
  let o = 0;
  let i = 0;
  while (i < n) {
    out.set(D_PREFIX, o);
    o += D_PREFIX.length;
    const lineEnd = o + payload;
    while (i < n) {
      const byte = data[i] ?? 0;
      if (mustEscapeInData(byte)) {
        if (o + 3 > lineEnd) break;
        o = writeEscape(out, o, byte);
      } else {
        if (o + 1 > lineEnd) break;
        out[o++] = byte;
      }
      i++;
    }
    out[o++] = LF;
  }
  return out.slice(0, o);
}

const END_LINE = utf8('END\n');
const CAN_LINE = utf8('CAN\n');

/**
 * `END\n`: ends the data a client sends for an inquiry (libassuan manual, "Client requests"; a
 * server may also send `END` to mark a partial end of its data).
 */
export function encodeEnd(): Uint8Array {
  return END_LINE.slice();
}

/**
 * `CAN\n`: the client cancels the current inquiry instead of answering it (libassuan manual,
 * "Server responses", INQUIRE). The server usually answers the command with `ERR`.
 */
export function encodeCancel(): Uint8Array {
  return CAN_LINE.slice();
}
