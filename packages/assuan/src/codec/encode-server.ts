/**
 * Encoding of what an Assuan server sends (libassuan manual, "Server responses"). Every function is
 * pure: nothing here opens a socket or starts a process. Data lines are encoded with
 * {@link encodeData} from `encode.ts` (the same on both sides).
 */
import { MAX_LINE_LENGTH } from '../constants.js';
import { AssuanProtocolError } from '../errors.js';
import { assertLineText, DEL, encodeLine, hex2, KEYWORD } from './text.js';

/**
 * `OK[ text]\n`: the command (or, as the first line of a connection, the greeting) succeeded.
 * libassuan manual, "Server responses": `OK [<arbitrary debugging information>]`.
 *
 * @throws AssuanProtocolError `invalid-argument` when `text` contains a control character, DEL or
 *   a lone surrogate; `line-too-long` when the line exceeds {@link MAX_LINE_LENGTH} bytes.
 */
export function encodeOk(text?: string): Uint8Array {
  if (text === undefined || text === '') return encodeLine('OK', 'OK line');
  assertLineText(text, 'OK text');
  return encodeLine(`OK ${text}`, 'OK line');
}

/**
 * `ERR <code>[ <description>]\n`: the command failed (libassuan manual, "Server responses": `ERR
 * errorcode [<human readable error description>]`, codes from libgpg-error).
 *
 * A server must always be able to report a failure, so the description never makes this throw:
 * C0 control characters and DEL are written as `%XX` (a literal '%' stays as is: the text is for
 * humans, nobody decodes it), lone surrogates become U+FFFD, and a description too long for the
 * line is cut at a UTF-8 character boundary (never inside an escape) so the line is at most
 * {@link MAX_LINE_LENGTH} bytes — the only place this package shortens anything, because it is
 * human-readable text. gpg-agent appends its source in angle brackets (`No secret key <GPG
 * Agent>`); this function sends the description as given.
 *
 * @param gpgError the whole gpg-error value, `(source << 24) | code` (see `makeGpgError`), an
 *   integer in 1..0xFFFFFFFF. 0 is refused: libassuan's client reads `ERR 0` as success.
 * @throws AssuanProtocolError `invalid-argument` only for an invalid `gpgError`.
 */
export function encodeErr(gpgError: number, description?: string): Uint8Array {
  if (!Number.isInteger(gpgError) || gpgError < 1 || gpgError > 0xffffffff) {
    throw new AssuanProtocolError(
      'invalid-argument',
      `ERR needs a gpg-error value in 1..0xFFFFFFFF, got ${String(gpgError)}`,
    );
  }
  const head = `ERR ${gpgError}`;
  if (description === undefined || description === '') return encodeLine(head, 'ERR line');
  const budget = MAX_LINE_LENGTH - head.length - 1;
  let text = '';
  let bytes = 0;
  for (const char of description) {
    const c = char.codePointAt(0) ?? 0;
    let piece = char;
    let size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (c < 0x20 || c === DEL) piece = `%${hex2(c)}`;
    else if (c >= 0xd800 && c <= 0xdfff) piece = '\uFFFD'; // 3 bytes, like the surrogate's slot
    if (piece !== char) size = 3;
    if (bytes + size > budget) break;
    text += piece;
    bytes += size;
  }
  return encodeLine(text === '' ? head : `${head} ${text}`, 'ERR line');
}

function keywordLine(kind: 'S' | 'INQUIRE', keyword: string, args: string | undefined): Uint8Array {
  const what = kind === 'S' ? 'status' : 'inquiry';
  if (!KEYWORD.test(keyword)) {
    throw new AssuanProtocolError(
      'invalid-argument',
      `${what} keyword ${JSON.stringify(keyword.slice(0, 40))} must start with a letter or underscore and match [A-Za-z_][A-Za-z0-9_-]*`,
    );
  }
  if (args === undefined || args === '') return encodeLine(`${kind} ${keyword}`, `${what} line`);
  assertLineText(args, `${what} ${keyword} arguments`);
  return encodeLine(`${kind} ${keyword} ${args}`, `${what} line ${keyword}`);
}

/**
 * `S <keyword>[ args]\n`: status information while a command runs (libassuan manual, "Server
 * responses": the keyword "shall start with a letter or an underscore").
 *
 * @throws AssuanProtocolError `invalid-argument` for a keyword outside `[A-Za-z_][A-Za-z0-9_-]*`
 *   or arguments with control characters (escape them first, e.g. with `escapeArgument`);
 *   `line-too-long` over {@link MAX_LINE_LENGTH} bytes.
 */
export function encodeStatus(keyword: string, args?: string): Uint8Array {
  return keywordLine('S', keyword, args);
}

/**
 * `INQUIRE <keyword>[ args]\n`: the server asks the client for data, answered with D lines and
 * `END`, or `CAN` (libassuan manual, "Server responses").
 *
 * @throws AssuanProtocolError as {@link encodeStatus}.
 */
export function encodeInquire(keyword: string, args?: string): Uint8Array {
  return keywordLine('INQUIRE', keyword, args);
}

/**
 * `# text\n` (just `#\n` for empty text): a comment, ignored by peers (libassuan manual, "Server
 * responses": "Comment line issued only for debugging purposes. Totally ignored."). HELP output
 * is sent this way.
 *
 * @throws AssuanProtocolError `invalid-argument` for control characters; `line-too-long` over
 *   {@link MAX_LINE_LENGTH} bytes.
 */
export function encodeComment(text: string): Uint8Array {
  if (text === '') return encodeLine('#', 'comment');
  assertLineText(text, 'comment');
  return encodeLine(`# ${text}`, 'comment');
}
