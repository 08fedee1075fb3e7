/**
 * Percent escaping of the Assuan protocol. Every function is pure: nothing here opens a socket or
 * starts a process.
 *
 * Two escapings meet on an Assuan connection:
 *
 * - **Data lines** (`D …`, libassuan manual, "Server responses" and "Client requests"): '%', CR and
 *   LF must be escaped as `%25`, `%0D`, `%0A` with upper-case hex; other bytes may be. libassuan's
 *   writer (`_assuan_cookie_write_data` in `assuan-buffer.c`, used by `assuan_send_data`) escapes
 *   exactly those three. Its readers (`assuan_client_read_response` in `client.c`,
 *   `assuan_inquire` in `assuan-inquire.c`) decode `%XX` without checking the digits and pass a '%'
 *   near the end of the line through literally; `+` is NOT a space in data lines.
 * - **Command arguments** are application text. The manual only asks for '%', CR and LF to be
 *   escaped and allows escapes anywhere in the parameters (never in the command name). What the
 *   server does with them is per command: gpg-agent's PUTVAL decodes percent *and* plus
 *   (`percent_plus_unescape`, GnuPG `common/percent.c`), SETKEYDESC turns '+' into spaces and
 *   leaves `%XX` for pinentry, which percent-decodes SETDESC; OPTION values are taken verbatim by
 *   libassuan (`std_handler_option` strips leading/trailing blanks) and by gpg-agent's
 *   `option_handler` (no unescaping).
 */
import { AssuanProtocolError } from '../errors.js';
import { CR, decodeUtf8, DEL, hex2, LF, PERCENT, PLUS, SPACE, utf8 } from './text.js';

/** Hex digit values (either case), -1 for other bytes. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}

/** ASCII codes of the upper-case hex digits. */
const HEX_DIGIT = new TextEncoder().encode('0123456789ABCDEF');

/** True for the bytes a data line must escape: '%', CR, LF. */
export function mustEscapeInData(byte: number): boolean {
  return byte === PERCENT || byte === CR || byte === LF;
}

/**
 * Writes `%XX` for `byte` at `offset` of `out`; returns the offset after it.
 * @internal
 */
export function writeEscape(out: Uint8Array, offset: number, byte: number): number {
  out[offset] = PERCENT;
  out[offset + 1] = HEX_DIGIT[byte >> 4] ?? 0;
  out[offset + 2] = HEX_DIGIT[byte & 0x0f] ?? 0;
  return offset + 3;
}

/**
 * Percent-escapes bytes for a data line exactly as libassuan's `assuan_send_data` does: '%', CR
 * and LF become `%25`, `%0D`, `%0A` (upper-case hex); every other byte, NUL and 0x80–0xFF
 * included, is copied. Does not split lines: {@link encodeData} does that.
 *
 * libassuan manual, "Server responses" (`D <raw data>`).
 *
 * @returns a new array (never `bytes` itself).
 */
export function escapeData(bytes: Uint8Array): Uint8Array {
  let specials = 0;
  for (const byte of bytes) if (mustEscapeInData(byte)) specials++;
  if (specials === 0) return bytes.slice();
  const out = new Uint8Array(bytes.length + 2 * specials);
  let o = 0;
  for (const byte of bytes) {
    if (mustEscapeInData(byte)) o = writeEscape(out, o, byte);
    else out[o++] = byte;
  }
  return out;
}

/**
 * Decodes `%XX` escapes (hex digits of either case); every other byte, '+' included, is copied.
 * This is the decoding of data lines (libassuan manual, "Server responses": `D <raw data>`).
 *
 * Stricter than libassuan, which decodes whatever two bytes follow a '%' and copies a '%' in the
 * last two bytes of a line: a malformed escape here means a broken or hostile peer.
 *
 * @returns a new array (never `bytes` itself).
 * @throws AssuanProtocolError `bad-escape` when a '%' is not followed by two hex digits (`%G1`,
 *   `%4`, a trailing `%`).
 */
export function unescape(bytes: Uint8Array): Uint8Array {
  let p = bytes.indexOf(PERCENT);
  if (p === -1) return bytes.slice();
  const out = new Uint8Array(bytes.length);
  out.set(bytes.subarray(0, p));
  let o = p;
  const n = bytes.length;
  while (p < n) {
    const byte = bytes[p] ?? 0;
    if (byte !== PERCENT) {
      out[o++] = byte;
      p++;
      continue;
    }
    const high = p + 1 < n ? (HEX_VALUE[bytes[p + 1] ?? 0] ?? -1) : -1;
    const low = p + 2 < n ? (HEX_VALUE[bytes[p + 2] ?? 0] ?? -1) : -1;
    if (high < 0 || low < 0) {
      throw new AssuanProtocolError(
        'bad-escape',
        `malformed percent escape at byte ${p} of a ${n}-byte field: '%' must be followed by two hex digits`,
      );
    }
    out[o++] = (high << 4) | low;
    p += 3;
  }
  return out.slice(0, o);
}

/**
 * Escapes a value for a command argument that the server percent-plus-decodes (GnuPG's
 * `percent_plus_unescape`: gpg-agent PUTVAL, SETKEYDESC/pinentry SETDESC descriptions, …). Same
 * rules as GnuPG's `percent_plus_escape` (`common/percent.c`) except for the quote character:
 *
 * - `%XX` (upper-case hex) for '%', '+', every C0 control character (NUL, TAB, CR, LF, … < 0x20),
 *   DEL (0x7F), and a backslash at the very end (the manual reserves a literal trailing backslash
 *   for line continuation: "Client requests");
 * - a space becomes '+', so the escaped value is one space-free word: gpg-agent's SETKEYDESC ends
 *   the description at the first space, and libassuan's OPTION parsing strips blanks;
 * - everything else, non-ASCII text included, is kept (sent as UTF-8).
 *
 * The result is accepted by {@link encodeCommand} (only its length can still be refused). A
 * percent-only decoder (pinentry's SETDESC) reads spaces back as '+': servers that decode percent
 * but not plus need a different escaping. An escaped NUL (`%00`) is replaced by GnuPG's decoders.
 *
 * libassuan manual, "Client requests".
 *
 * @throws AssuanProtocolError `invalid-argument` when `value` contains a lone UTF-16 surrogate.
 */
export function escapeArgument(value: string): string {
  let out = '';
  let start = 0;
  const last = value.length - 1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let replacement: string | undefined;
    if (c === SPACE) replacement = '+';
    else if (c < 0x20 || c === DEL || c === PERCENT || c === PLUS) replacement = `%${hex2(c)}`;
    else if (c === 0x5c && i === last) replacement = '%5C';
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair =
        c <= 0xdbff &&
        i < last &&
        value.charCodeAt(i + 1) >= 0xdc00 &&
        value.charCodeAt(i + 1) <= 0xdfff;
      if (!pair) {
        throw new AssuanProtocolError(
          'invalid-argument',
          `value contains a lone UTF-16 surrogate at index ${i}, which has no UTF-8 encoding`,
        );
      }
      i++; // keep the pair
    }
    if (replacement !== undefined) {
      out += value.slice(start, i) + replacement;
      start = i + 1;
    }
  }
  return start === 0 ? value : out + value.slice(start);
}

/**
 * Decodes a percent-escaped (and, by default, plus-escaped) argument: the inverse of
 * {@link escapeArgument}, for servers built on this package. `%XX` (either case) gives the byte
 * 0xXX, '+' a space (unless `plus: false`); the bytes are then read as UTF-8 (invalid sequences
 * become U+FFFD).
 *
 * Stricter than GnuPG's `percent_plus_unescape`, which decodes any two bytes after a '%'.
 *
 * libassuan manual, "Client requests".
 *
 * @throws AssuanProtocolError `bad-escape` when a '%' is not followed by two hex digits.
 */
export function unescapeArgument(value: string, options: { plus?: boolean } = {}): string {
  const plus = options.plus ?? true;
  if (!value.includes('%') && !(plus && value.includes('+'))) return value;
  const escaped = utf8(value);
  // '+' never occurs inside an escape's hex digits, so it can be mapped before decoding (and a
  // decoded %2B stays a '+').
  if (plus) {
    for (let i = 0; i < escaped.length; i++) if (escaped[i] === PLUS) escaped[i] = SPACE;
  }
  return decodeUtf8(unescape(escaped));
}
