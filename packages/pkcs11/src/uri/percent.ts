import { ProviderError } from '@keyroute/core';

/**
 * The component of a PKCS #11 URI a value lives in. It decides which characters may appear
 * unencoded: RFC 7512 §2.3 `pk11-pchar` for the path, `pk11-qchar` for the query.
 */
export type Pkcs11UriComponent = 'path' | 'query';

/** RFC 3986 `unreserved` minus the letters and digits. */
const UNRESERVED_MARKS = '-._~';
/** RFC 7512 `pk11-res-avail`: reserved characters that never delimit anything in a value. */
const RESERVED_AVAILABLE = ":[]@!$'()*+,=";
/** Extra characters RFC 7512 `pk11-path-res-avail` allows unencoded in a path value. */
const PATH_EXTRA_ACCEPTED = '&';
/** Extra characters RFC 7512 `pk11-query-res-avail` allows unencoded in a query value. */
const QUERY_EXTRA = '/?|';

const ACCEPTED_IN_PATH = 1;
const ACCEPTED_IN_QUERY = 2;
const WRITTEN_IN_PATH = 4;
const WRITTEN_IN_QUERY = 8;

/**
 * For each ASCII code: may it appear unencoded when reading (`ACCEPTED_IN_*`), and is it written
 * unencoded when formatting (`WRITTEN_IN_*`)? Writing is stricter than reading: `&` is accepted
 * in a path value, as RFC 7512 allows, but always written as `%26`.
 */
const CHARACTER_CLASSES = buildCharacterClasses();

function buildCharacterClasses(): Uint8Array {
  const classes = new Uint8Array(128);
  const mark = (characters: string, flags: number): void => {
    for (const character of characters) {
      const code = character.charCodeAt(0);
      classes[code] = (classes[code] ?? 0) | flags;
    }
  };
  const everywhere = ACCEPTED_IN_PATH | ACCEPTED_IN_QUERY | WRITTEN_IN_PATH | WRITTEN_IN_QUERY;
  for (let code = 0; code < 128; code++) {
    if (/[A-Za-z0-9]/.test(String.fromCharCode(code))) classes[code] = everywhere;
  }
  mark(UNRESERVED_MARKS, everywhere);
  mark(RESERVED_AVAILABLE, everywhere);
  mark(PATH_EXTRA_ACCEPTED, ACCEPTED_IN_PATH);
  mark(QUERY_EXTRA, ACCEPTED_IN_QUERY | WRITTEN_IN_QUERY);
  return classes;
}

function hasClass(code: number, flag: number): boolean {
  return ((CHARACTER_CLASSES[code] ?? 0) & flag) !== 0;
}

/**
 * @internal Whether `character` (one code point) may appear unencoded in a value of `component` when
 * reading a URI. Non-ASCII characters never may.
 */
export function isAcceptedUnencoded(character: string, component: Pkcs11UriComponent): boolean {
  const code = character.codePointAt(0) ?? 0x80;
  return hasClass(code, component === 'path' ? ACCEPTED_IN_PATH : ACCEPTED_IN_QUERY);
}

/** @internal Why {@link tryPercentDecode} failed. */
export type PercentDecodeProblem = 'malformed-escape' | 'must-be-encoded' | 'unpaired-surrogate';

/** @internal The outcome of {@link tryPercentDecode}. Never carries the value, only where it went wrong. */
export type PercentDecodeResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | {
      readonly ok: false;
      /** Offset, in UTF-16 code units from the start of the encoded value, of the problem. */
      readonly offset: number;
      /** What is wrong. */
      readonly problem: PercentDecodeProblem;
      /** The offending character or escape, for messages about values that are not secret. */
      readonly culprit: string;
    };

/**
 * @internal Describes a {@link PercentDecodeProblem} for an error message, quoting `culprit`
 * only when given (leave it out for secret values).
 */
export function describePercentProblem(
  problem: PercentDecodeProblem,
  culprit?: string,
  component?: Pkcs11UriComponent,
): string {
  const shown = culprit === undefined ? '' : ` ${JSON.stringify(culprit)}`;
  switch (problem) {
    case 'malformed-escape':
      return `a malformed percent-escape${shown} ("%" must be followed by two hex digits)`;
    case 'must-be-encoded':
      return `a character${shown} that must be percent-encoded${component === undefined ? '' : ` in the ${component}`}`;
    case 'unpaired-surrogate':
      return 'an unpaired UTF-16 surrogate';
  }
}

const HEX_DIGIT = /^[0-9A-Fa-f]{2}$/;
const utf8Encoder = new TextEncoder();

/**
 * @internal Percent-decodes `encoded` to bytes without throwing. Hex digits of `%XX` escapes are
 * case-insensitive; `+` is a plus sign, not a space. With `component`, a character that RFC
 * 7512 requires to be percent-encoded there is a failure; without, every character except a
 * stray `%` is taken literally (as its UTF-8 bytes).
 */
export function tryPercentDecode(
  encoded: string,
  component?: Pkcs11UriComponent,
): PercentDecodeResult {
  const bytes: number[] = [];
  let offset = 0;
  while (offset < encoded.length) {
    const character = String.fromCodePoint(encoded.codePointAt(offset) ?? 0);
    if (character === '%') {
      const hex = encoded.slice(offset + 1, offset + 3);
      if (!HEX_DIGIT.test(hex)) {
        return {
          ok: false,
          offset,
          problem: 'malformed-escape',
          culprit: `%${hex}`,
        };
      }
      bytes.push(Number.parseInt(hex, 16));
      offset += 3;
      continue;
    }
    if (component !== undefined && !isAcceptedUnencoded(character, component)) {
      return {
        ok: false,
        offset,
        problem: 'must-be-encoded',
        culprit: character,
      };
    }
    if (containsLoneSurrogate(character)) {
      return { ok: false, offset, problem: 'unpaired-surrogate', culprit: character };
    }
    for (const byte of utf8Encoder.encode(character)) bytes.push(byte);
    offset += character.length;
  }
  return { ok: true, bytes: Uint8Array.from(bytes) };
}

const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * @internal Decodes `bytes` as UTF-8, keeping a leading byte-order mark. Returns `undefined` when the
 * bytes are not well-formed UTF-8 (overlong forms, surrogates and truncated sequences included).
 */
export function tryDecodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Percent-decodes `encoded` to bytes (see {@link tryPercentDecode} for the rules).
 * @throws ProviderError `INVALID_INPUT` for a malformed escape or, with `component`, a character
 *   that must be encoded there. The message gives the offset, never the value.
 */
export function percentDecodeBytes(encoded: string, component?: Pkcs11UriComponent): Uint8Array {
  const result = tryPercentDecode(encoded, component);
  if (!result.ok) {
    throw new ProviderError(
      'INVALID_INPUT',
      `cannot percent-decode a value: at offset ${result.offset}, it has ` +
        describePercentProblem(result.problem, undefined, component),
    );
  }
  return result.bytes;
}

/**
 * Percent-decodes `encoded` and reads the bytes as UTF-8 text.
 * @throws ProviderError `INVALID_INPUT` as {@link percentDecodeBytes} does, or when the decoded
 *   bytes are not valid UTF-8. The message never contains the value.
 */
export function percentDecodeText(encoded: string, component?: Pkcs11UriComponent): string {
  const text = tryDecodeUtf8(percentDecodeBytes(encoded, component));
  if (text === undefined) {
    throw new ProviderError('INVALID_INPUT', 'cannot decode a value: it is not valid UTF-8');
  }
  return text;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** @internal Whether `text` contains a UTF-16 surrogate without its pair (text UTF-8 cannot represent). */
export function containsLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

function hexEscape(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * Percent-encodes text for a value of `component`: UTF-8 bytes, upper-case hex escapes.
 * Letters, digits, `-._~` and `: [ ] @ ! $ ' ( ) * + , =` are written as they are, and in the
 * query also `/ ? |`; everything else is escaped, so `;`, `&`, `%`, `#`, space and every
 * non-ASCII character always are.
 * @throws ProviderError `INVALID_INPUT` when `text` has an unpaired surrogate (not encodable as
 *   UTF-8). The message never contains the text.
 */
export function percentEncodeText(text: string, component: Pkcs11UriComponent): string {
  if (containsLoneSurrogate(text)) {
    throw new ProviderError(
      'INVALID_INPUT',
      'cannot percent-encode a value: it contains an unpaired UTF-16 surrogate',
    );
  }
  const flag = component === 'path' ? WRITTEN_IN_PATH : WRITTEN_IN_QUERY;
  let encoded = '';
  for (const byte of utf8Encoder.encode(text)) {
    encoded += hasClass(byte, flag) ? String.fromCharCode(byte) : hexEscape(byte);
  }
  return encoded;
}

/**
 * Percent-encodes every byte as `%XX` with upper-case hex: the form this module always writes
 * the binary `id` attribute in, whatever the bytes are.
 */
export function percentEncodeBytes(bytes: Uint8Array): string {
  let encoded = '';
  for (const byte of bytes) encoded += hexEscape(byte);
  return encoded;
}
