import { hasErrorCode } from '@keyroute/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHkpIndex, unescapeHkpField } from './hkp-index.js';
import type { HkpIndexEntry } from './hkp-index.js';

function parseError(text: string): unknown {
  try {
    parseHkpIndex(text);
  } catch (error) {
    return error;
  }
  throw new Error('expected a parse error');
}

describe('parseHkpIndex', () => {
  it('parses the example of draft-shaw-openpgp-hkp', () => {
    const text = [
      'info:1:1',
      'pub:0123456789ABCDEF0123456789ABCDEF01234567:1:2048:900000000::',
      'uid:Alice%20Example%20%3Calice@example.org%3E:900000000::',
      'uid:Alice (work) <alice@work.example>:900000001:1000000000:r',
      '',
    ].join('\r\n');
    expect(parseHkpIndex(text)).toEqual([
      {
        fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567',
        keyId: '89ABCDEF01234567',
        userIds: ['Alice Example <alice@example.org>', 'Alice (work) <alice@work.example>'],
        algorithm: 1,
        bits: 2048,
        created: new Date(900_000_000_000),
        flags: '',
      },
    ]);
  });

  it('takes key ids, v6 fingerprints, flags, and several keys', () => {
    const v6 = 'AB'.repeat(32);
    const entries = parseHkpIndex(
      [
        'info:1:2',
        'pub:0xdeadbeefdeadbeef:22::1700000000:1800000000:re',
        'uid:bob@example.org',
        `pub:${v6}:27:255:1700000000::`,
        'something:new:that:is:ignored',
      ].join('\n'),
    );
    expect(entries).toEqual([
      {
        keyId: 'DEADBEEFDEADBEEF',
        userIds: ['bob@example.org'],
        algorithm: 22,
        created: new Date(1_700_000_000_000),
        expires: new Date(1_800_000_000_000),
        flags: 're',
      },
      {
        fingerprint: v6,
        keyId: 'AB'.repeat(8),
        userIds: [],
        algorithm: 27,
        bits: 255,
        created: new Date(1_700_000_000_000),
        flags: '',
      },
    ]);
    expect(parseHkpIndex('info:1:0\n')).toEqual([]);
  });

  it('refuses what the format does not allow with PROTOCOL', () => {
    for (const text of [
      'info:2:1',
      'uid:orphan',
      'pub:nothex:1:2048:1::',
      'pub:0123:1:2048:1::',
      'pub:DEADBEEFDEADBEEF:rsa:2048:1::',
      'pub:DEADBEEFDEADBEEF:1:2048:yesterday::',
    ]) {
      expect(hasErrorCode(parseError(text), 'PROTOCOL'), text).toBe(true);
    }
  });

  it('decodes escaped user IDs as UTF-8', () => {
    expect(unescapeHkpField('J%C3%BCrgen%3A%25')).toBe('Jürgen:%');
    expect(unescapeHkpField('Jürgen 100%')).toBe('Jürgen 100%');
  });

  it('reads back any index it is given (property)', () => {
    const hex = (length: number): fc.Arbitrary<string> =>
      fc
        .array(fc.integer({ min: 0, max: 15 }), { minLength: length, maxLength: length })
        .map((digits) => digits.map((digit) => digit.toString(16).toUpperCase()).join(''));
    const seconds = fc.integer({ min: 0, max: 4_000_000_000 });
    const entry = fc.record({
      id: fc.oneof(hex(16), hex(40), hex(64)),
      algorithm: fc.option(fc.integer({ min: 1, max: 110 }), { nil: undefined }),
      bits: fc.option(fc.integer({ min: 1, max: 16_384 }), { nil: undefined }),
      created: fc.option(seconds, { nil: undefined }),
      expires: fc.option(seconds, { nil: undefined }),
      flags: fc.subarray(['r', 'd', 'e']).map((flags) => flags.join('')),
      userIds: fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { maxLength: 3 }),
    });
    const escape = (text: string): string =>
      [...new TextEncoder().encode(text)]
        .map((byte) =>
          byte === 0x3a || byte === 0x25 || byte < 0x20 || byte > 0x7e
            ? `%${byte.toString(16).padStart(2, '0').toUpperCase()}`
            : String.fromCharCode(byte),
        )
        .join('');
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
        const optional = (value: number | undefined): string =>
          value === undefined ? '' : String(value);
        const text = [
          `info:1:${entries.length}`,
          ...entries.flatMap((e) => [
            `pub:${e.id}:${optional(e.algorithm)}:${optional(e.bits)}:${optional(e.created)}:${optional(e.expires)}:${e.flags}`,
            ...e.userIds.map((userId) => `uid:${escape(userId)}:::`),
          ]),
        ].join('\n');
        const parsed = parseHkpIndex(text);
        const expected = entries.map((e): HkpIndexEntry => {
          const result: HkpIndexEntry = {
            keyId:
              e.id.length === 16 ? e.id : e.id.length === 40 ? e.id.slice(24) : e.id.slice(0, 16),
            userIds: e.userIds,
            flags: e.flags,
          };
          if (e.id.length > 16) result.fingerprint = e.id;
          if (e.algorithm !== undefined) result.algorithm = e.algorithm;
          if (e.bits !== undefined) result.bits = e.bits;
          if (e.created !== undefined) result.created = new Date(e.created * 1000);
          if (e.expires !== undefined) result.expires = new Date(e.expires * 1000);
          return result;
        });
        expect(parsed).toEqual(expected);
      }),
    );
  });
});
