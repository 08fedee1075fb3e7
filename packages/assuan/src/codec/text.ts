/**
 * Byte and text helpers shared by the codec (internal, not exported from the package). Pure: no
 * I/O. Assuan text is UTF-8 (libassuan manual, "Implementation": "All textual messages are assumed
 * to be in UTF-8 unless otherwise noted").
 */
import { MAX_LINE_LENGTH } from '../constants.js';
import { AssuanProtocolError } from '../errors.js';

/** Line terminator ("Client requests": a line ends with CR LF or just LF). */
export const LF = 0x0a;
/** Optional before LF; must be escaped (`%0D`) inside data. */
export const CR = 0x0d;
/** Separates keyword and arguments. */
export const SPACE = 0x20;
/** A blank between a command and its arguments for libassuan's server (`dispatch_command`). */
export const TAB = 0x09;
/** Starts an escape `%XX`. */
export const PERCENT = 0x25;
/** A space in percent-plus escaping (`percent_plus_unescape`). */
export const PLUS = 0x2b;
/** Starts a comment line. */
export const HASH = 0x23;
/** Refused in lines like the C0 control characters. */
export const DEL = 0x7f;

const encoder = new TextEncoder();
// Not fatal: a peer's invalid UTF-8 becomes U+FFFD instead of failing the connection. ignoreBOM
// keeps a leading U+FEFF as text instead of silently dropping it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 bytes of `text` (lone surrogates become U+FFFD). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Text of UTF-8 bytes; invalid sequences become U+FFFD, a BOM is kept. */
export function decodeUtf8(bytes: Uint8Array): string {
  return bytes.length === 0 ? '' : decoder.decode(bytes);
}

/** A lone UTF-16 surrogate: not representable in UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks text that goes verbatim into a line: no C0 control character (CR, LF, NUL, TAB, …), no
 * DEL, no lone surrogate.
 *
 * @throws AssuanProtocolError `invalid-argument`, naming `what` and the offending character's
 *   position (never the text itself: it may be a description or a secret-adjacent value).
 */
export function assertLineText(text: string, what: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === DEL) {
      throw new AssuanProtocolError(
        'invalid-argument',
        `${what} contains the control character 0x${hex2(c)} at index ${i}: Assuan lines cannot carry control characters; percent-escape the value (escapeArgument) or send it as data (D lines)`,
      );
    }
  }
  if (LONE_SURROGATE.test(text)) {
    throw new AssuanProtocolError(
      'invalid-argument',
      `${what} contains a lone UTF-16 surrogate, which has no UTF-8 encoding`,
    );
  }
}

/** Two upper-case hex digits (libassuan writes `%%%02X`). */
export function hex2(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Encodes one line: the UTF-8 of `text` plus LF.
 *
 * @throws AssuanProtocolError `line-too-long` when the text exceeds {@link MAX_LINE_LENGTH} bytes.
 */
export function encodeLine(text: string, what: string): Uint8Array {
  const body = utf8(text);
  if (body.length > MAX_LINE_LENGTH) {
    throw new AssuanProtocolError(
      'line-too-long',
      `${what} is ${body.length} bytes long, but an Assuan line holds at most ${MAX_LINE_LENGTH} bytes (libassuan ASSUAN_LINELENGTH): nothing was sent; pass long values as data (an inquiry's D lines) instead`,
    );
  }
  const line = new Uint8Array(body.length + 1);
  line.set(body);
  line[body.length] = LF;
  return line;
}

/** Keywords of commands, status lines and inquiries: a letter or underscore first. */
export const KEYWORD = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Concatenates byte arrays into a new one (always a copy: callers may wipe the parts). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
