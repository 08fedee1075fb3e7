/**
 * Property tests (fast-check) for the codec: round trips and invariants over arbitrary input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCommand, encodeData } from '../../src/codec/encode.js';
import { encodeErr } from '../../src/codec/encode-server.js';
import { escapeArgument, escapeData, unescape } from '../../src/codec/escape.js';
import { ClientMessageParser, ServerMessageParser } from '../../src/codec/parser.js';
import { concatBytes } from '../../src/codec/text.js';
import { MAX_LINE_LENGTH } from '../../src/constants.js';
import { AssuanProtocolError } from '../../src/errors.js';
import { fingerprint, run } from './three-ways.js';
import type { MessageParser } from './three-ways.js';

/** Bytes rich in the characters the protocol cares about. */
const interestingByte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 2, arbitrary: fc.constantFrom(0x25, 0x0d, 0x0a, 0x00, 0x2b, 0x20, 0x80, 0xff) },
);
const interestingBytes = fc
  .array(interestingByte, { maxLength: 4000 })
  .map((values) => Uint8Array.from(values));

/** Splits `input` at the given cut points (taken modulo its length). */
function split(input: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => (input.length === 0 ? 0 : cut % input.length)))];
  points.sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(input.subarray(previous, point));
    previous = point;
  }
  chunks.push(input.subarray(previous));
  return chunks;
}

function lines(encoded: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === 0x0a) {
      out.push(encoded.subarray(start, i));
      start = i + 1;
    }
  }
  expect(start, 'encoded data ends with LF').toBe(encoded.length);
  return out;
}

/**
 * GnuPG's `percent_plus_unescape` (common/percent.c), written here independently: a '%' followed
 * by two bytes is decoded, '+' becomes a space.
 */
function gnupgPercentPlusUnescape(escaped: string): string {
  const input = new TextEncoder().encode(escaped);
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] ?? 0;
    if (byte === 0x25 && i + 2 < input.length) {
      out.push(Number.parseInt(String.fromCharCode(input[i + 1] ?? 0, input[i + 2] ?? 0), 16));
      i += 2;
    } else {
      out.push(byte === 0x2b ? 0x20 : byte);
    }
  }
  return new TextDecoder().decode(Uint8Array.from(out));
}

describe('encodeData round trip', () => {
  it('gives back arbitrary bytes through both parsers, in lines of at most 1000 bytes', () => {
    fc.assert(
      fc.property(interestingBytes, fc.array(fc.nat(), { maxLength: 8 }), (data, cuts) => {
        const encoded = encodeData(data);
        if (data.length === 0) expect(encoded).toHaveLength(0);
        for (const line of lines(encoded)) {
          expect(line.length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
          expect(line[0]).toBe(0x44);
          expect(line[1]).toBe(0x20);
          expect(line.includes(0x0d)).toBe(false);
          expect(line.length).toBeGreaterThan(2);
        }
        for (const parser of [new ClientMessageParser(), new ServerMessageParser()]) {
          const outcome = run<{ type: string; data?: Uint8Array }>(parser, split(encoded, cuts));
          expect(outcome.ok).toBe(true);
          const parts = outcome.messages.map((m) => {
            expect(m.type).toBe('data');
            return m.data ?? new Uint8Array(0);
          });
          expect(Buffer.from(concatBytes(parts)).equals(Buffer.from(data))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fills every line but the last to at least 998 bytes', () => {
    fc.assert(
      fc.property(interestingBytes, (data) => {
        const all = lines(encodeData(data));
        for (const line of all.slice(0, -1)) expect(line.length).toBeGreaterThanOrEqual(998);
      }),
      { numRuns: 100 },
    );
  });
});

describe('escapeData / unescape', () => {
  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(interestingBytes, (data) => {
        const escaped = escapeData(data);
        expect(escaped.includes(0x0a) || escaped.includes(0x0d)).toBe(false);
        expect(Buffer.from(unescape(escaped)).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });
});

describe('escapeArgument', () => {
  const anyText = fc.string({
    unit: fc.constantFrom(
      '%',
      '+',
      ' ',
      '\n',
      '\r',
      '\t',
      '\\',
      'ä',
      '🔑',
      '\x00',
      '\x7f',
      'a',
      '"',
    ),
    maxLength: 60,
  });
  const fullText = fc.string({ unit: 'grapheme', maxLength: 60 });

  it('round-trips through a percent-plus decoder written like GnuPG', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fullText), (value) => {
        const escaped = escapeArgument(value);
        for (let i = 0; i < escaped.length; i++) {
          const c = escaped.charCodeAt(i);
          expect(c > 0x20 && c !== 0x7f, `no blank or control at ${i}`).toBe(true);
        }
        expect(escaped.endsWith('\\')).toBe(false);
        expect(gnupgPercentPlusUnescape(escaped)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('always yields an argument encodeCommand accepts as one command', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fullText), (value) => {
        const escaped = escapeArgument(value);
        const line = encodeCommand('SETKEYDESC', escaped);
        expect(new ClientMessageParser().push(line)).toEqual([
          { type: 'command', name: 'SETKEYDESC', args: escaped },
        ]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodeErr', () => {
  it('never throws for any description and always fits one line', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.string({ unit: 'binary', maxLength: 1200 }),
        (code, description) => {
          const line = encodeErr(code, description);
          expect(line.length).toBeLessThanOrEqual(MAX_LINE_LENGTH + 1);
          const messages = new ServerMessageParser().push(line);
          expect(messages).toHaveLength(1);
          expect(messages[0]).toMatchObject({ type: 'err', code });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parsers on arbitrary bytes', () => {
  const protocolish = fc
    .array(
      fc.oneof(
        fc.constantFrom('OK', 'ERR 1 x', 'ERR', 'S X', 'D ', 'D %', 'END', 'CAN', 'INQUIRE Y', '#'),
        fc.constantFrom('\n', '\r\n', '%', '%0A', ' '),
        fc.string({ maxLength: 30 }),
      ),
      { maxLength: 30 },
    )
    .map((parts) => new TextEncoder().encode(parts.join('')));
  const input = fc.oneof(interestingBytes, protocolish);

  function check<M>(make: () => MessageParser<M>, data: Uint8Array, cuts: number[]): void {
    const whole = run(make(), [data]);
    const chunked = run(make(), split(data, cuts));
    expect(chunked.ok).toBe(whole.ok);
    if (whole.ok && chunked.ok)
      expect(fingerprint(chunked.messages)).toBe(fingerprint(whole.messages));
    if (!whole.ok && !chunked.ok) {
      expect(chunked.error).toBeInstanceOf(AssuanProtocolError);
      expect(chunked.error.reason).toBe(whole.error.reason);
    }
  }

  it('only throw AssuanProtocolError, and the same way whatever the chunking', () => {
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 10 }), (data, cuts) => {
        check(() => new ServerMessageParser(), data, cuts);
        check(() => new ClientMessageParser({ maxDataBytes: 100 }), data, cuts);
      }),
      { numRuns: 1000 },
    );
  });
});
