import { hasErrorCode } from '@keyroute/core';
import { describe, expect, it } from 'vitest';

import {
  percentDecodeBytes,
  percentDecodeText,
  percentEncodeBytes,
  percentEncodeText,
  tryPercentDecode,
} from './percent.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('percentEncodeText', () => {
  it('keeps unreserved and RFC 7512 pk11-res-avail characters', () => {
    const kept = "AZaz09-._~:[]@!$'()*+,=";
    expect(percentEncodeText(kept, 'path')).toBe(kept);
    expect(percentEncodeText(kept, 'query')).toBe(kept);
  });

  it('always encodes the delimiters, "%", space and "&"', () => {
    for (const component of ['path', 'query'] as const) {
      expect(percentEncodeText('a b', component)).toBe('a%20b');
      expect(percentEncodeText(';', component)).toBe('%3B');
      expect(percentEncodeText('#', component)).toBe('%23');
      expect(percentEncodeText('&', component)).toBe('%26');
      expect(percentEncodeText('%', component)).toBe('%25');
      expect(percentEncodeText('"<>\\^`{}', component)).toBe('%22%3C%3E%5C%5E%60%7B%7D');
      expect(percentEncodeText('\n\t\u0000\u007f', component)).toBe('%0A%09%00%7F');
    }
  });

  it('encodes "/", "?" and "|" in the path but not in the query', () => {
    expect(percentEncodeText('a/b?c|d', 'path')).toBe('a%2Fb%3Fc%7Cd');
    expect(percentEncodeText('a/b?c|d', 'query')).toBe('a/b?c|d');
  });

  it('encodes non-ASCII text as UTF-8 with upper-case hex', () => {
    expect(percentEncodeText("Müller's key", 'path')).toBe("M%C3%BCller's%20key");
    expect(percentEncodeText('á', 'query')).toBe('%C3%A1');
    expect(percentEncodeText('🔑', 'path')).toBe('%F0%9F%94%91');
    expect(percentEncodeText('\uFEFFx', 'path')).toBe('%EF%BB%BFx');
  });

  it('refuses an unpaired surrogate, which UTF-8 cannot carry', () => {
    expect(
      hasErrorCode(
        thrown(() => percentEncodeText('a\uD800b', 'path')),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});

describe('percentEncodeBytes', () => {
  it('writes every byte as %XX with upper-case hex', () => {
    expect(percentEncodeBytes(Uint8Array.of(0x00, 0x41, 0x7a, 0xba, 0xff))).toBe('%00%41%7A%BA%FF');
    expect(percentEncodeBytes(new Uint8Array())).toBe('');
  });
});

describe('percentDecodeBytes', () => {
  it('decodes escapes in either case and keeps other characters', () => {
    expect([...percentDecodeBytes('%01%Ba%dd%CA%fe')]).toEqual([0x01, 0xba, 0xdd, 0xca, 0xfe]);
    expect([...percentDecodeBytes('ab+')]).toEqual([0x61, 0x62, 0x2b]);
  });

  it('refuses malformed escapes, naming the offset', () => {
    for (const [encoded, offset] of [
      ['%', 0],
      ['ab%4', 2],
      ['%zz', 0],
      ['%4g', 0],
      ['x%%41', 1],
    ] as const) {
      const error = thrown(() => percentDecodeBytes(encoded));
      expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
      expect((error as Error).message).toContain(`offset ${offset}`);
    }
  });

  it('with a component, refuses characters that must be encoded there', () => {
    expect(tryPercentDecode('a&b', 'path').ok).toBe(true);
    expect(tryPercentDecode('a&b', 'query')).toMatchObject({ ok: false, offset: 1 });
    expect(tryPercentDecode('a/b?c|d', 'query').ok).toBe(true);
    expect(tryPercentDecode('a/b', 'path')).toMatchObject({ ok: false, offset: 1, culprit: '/' });
    expect(tryPercentDecode('a b', 'path')).toMatchObject({ ok: false, offset: 1, culprit: ' ' });
    expect(tryPercentDecode('aé', 'query')).toMatchObject({ ok: false, offset: 1 });
    expect(tryPercentDecode('a;b', 'query')).toMatchObject({ ok: false, offset: 1 });
  });
});

describe('percentDecodeText', () => {
  it('reads UTF-8 and keeps a leading byte-order mark', () => {
    expect(percentDecodeText('M%C3%BCller%27s%20key')).toBe("Müller's key");
    expect(percentDecodeText('%EF%BB%BFx')).toBe('\uFEFFx');
  });

  it('refuses bytes that are not UTF-8', () => {
    for (const encoded of ['%FF', '%C3', '%C3%28', '%ED%A0%80', '%C0%AF']) {
      expect(
        hasErrorCode(
          thrown(() => percentDecodeText(encoded)),
          'INVALID_INPUT',
        ),
      ).toBe(true);
    }
  });
});
