import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SEXP_DEPTH,
  SexpError,
  atom,
  encodeCanonicalSexp,
  findList,
  listValue,
  parseCanonicalSexp,
} from './canonical.js';
import type { Sexp } from './canonical.js';

const latin1 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

const sexpArbitrary: fc.Arbitrary<Sexp> = fc.letrec<{ node: Sexp }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('node'), { maxLength: 5 }),
  ),
})).node;

// Arrays compare element-wise; atoms as plain arrays so toEqual never sees Buffer vs Uint8Array.
const normalise = (value: Sexp): unknown =>
  value instanceof Uint8Array ? { atom: [...value] } : value.map(normalise);

describe('parseCanonicalSexp / encodeCanonicalSexp', () => {
  it('parses a gpg-agent READKEY-like expression', () => {
    const parsed = parseCanonicalSexp(
      latin1('(10:public-key(3:rsa(1:n3:\x00\xff\x01)(1:e1:\x03)))'),
    );
    expect(normalise(parsed)).toEqual(
      normalise([
        atom('public-key'),
        [atom('rsa'), [atom('n'), latin1('\x00\xff\x01')], [atom('e'), Uint8Array.of(3)]],
      ]),
    );
  });

  it('encodes lists, empty lists and empty atoms', () => {
    expect(text(encodeCanonicalSexp([atom('foo'), [], new Uint8Array(0), [atom('bars')]]))).toBe(
      '(3:foo()0:(4:bars))',
    );
    expect(text(encodeCanonicalSexp(atom('x')))).toBe('1:x');
  });

  it('round-trips arbitrary nested lists of arbitrary bytes', () => {
    fc.assert(
      fc.property(sexpArbitrary, (value) => {
        const encoded = encodeCanonicalSexp(value);
        const parsed = parseCanonicalSexp(encoded);
        expect(normalise(parsed)).toEqual(normalise(value));
        expect(encodeCanonicalSexp(parsed)).toEqual(encoded);
      }),
      { numRuns: 500 },
    );
  });

  it('ignores trailing NUL bytes (gpg-agent ends PKDECRYPT values with one)', () => {
    const parsed = parseCanonicalSexp(latin1('(5:value3:abc)\x00'));
    expect(normalise(parsed)).toEqual(normalise([atom('value'), atom('abc')]));
    expect(() => parseCanonicalSexp(latin1('(5:value3:abc)\x00\x00\x00'))).not.toThrow();
  });

  it('rejects a strict prefix of every valid encoding', () => {
    fc.assert(
      fc.property(fc.array(sexpArbitrary, { maxLength: 4 }), (list) => {
        const encoded = encodeCanonicalSexp(list);
        for (let cut = 0; cut < encoded.length; cut++) {
          expect(() => parseCanonicalSexp(encoded.subarray(0, cut))).toThrow(SexpError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it.each([
    ['empty input', ''],
    ['trailing garbage', '(1:a)x'],
    ['a second expression', '(1:a)(1:b)'],
    ['a NUL and then garbage', '(1:a)\x00x'],
    ['a leading zero in a length', '(01:a)'],
    ['a length beyond the input', '(5:abc)'],
    ['a huge length prefix', `(${'9'.repeat(400)}:abc)`],
    ['a length without colon', '(3abc)'],
    ['an unclosed list', '((1:a)'],
    ['a stray closing paren', ')'],
    ['whitespace (advanced format)', '(1:a 1:b)'],
    ['a display hint', '([4:text]1:a)'],
    ['a token (advanced format)', '(abc)'],
  ])('rejects %s', (_name, input) => {
    expect(() => parseCanonicalSexp(latin1(input))).toThrow(SexpError);
  });

  it('never puts atom bytes into the error message', () => {
    const secret = 'SECRETSECRET';
    for (const input of [`(12:${secret}x`, `(12:${secret})x`, `(12:${secret}`]) {
      try {
        parseCanonicalSexp(latin1(input));
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(SexpError);
        expect((error as Error).message).not.toContain('SECRET');
      }
    }
  });

  it(`accepts ${MAX_SEXP_DEPTH} nested lists and rejects ${MAX_SEXP_DEPTH + 1}`, () => {
    const nested = (depth: number): string => '('.repeat(depth) + '1:a' + ')'.repeat(depth);
    expect(() => parseCanonicalSexp(latin1(nested(MAX_SEXP_DEPTH)))).not.toThrow();
    expect(() => parseCanonicalSexp(latin1(nested(MAX_SEXP_DEPTH + 1)))).toThrow(/deeper than 32/);
    expect(() => parseCanonicalSexp(latin1('('.repeat(100_000)))).toThrow(SexpError);

    let deep: Sexp = [atom('a')];
    for (let i = 1; i < MAX_SEXP_DEPTH; i++) deep = [deep];
    expect(() => encodeCanonicalSexp(deep)).not.toThrow();
    expect(() => encodeCanonicalSexp([deep])).toThrow(SexpError);
  });

  it('refuses to encode cycles and non-byte elements', () => {
    const cyclic: Sexp[] = [];
    cyclic.push(cyclic);
    expect(() => encodeCanonicalSexp(cyclic)).toThrow(SexpError);
    expect(() => encodeCanonicalSexp(['text' as unknown as Sexp])).toThrow(SexpError);
  });

  it('returns atoms that do not alias the input', () => {
    const input = latin1('(1:a)');
    const parsed = parseCanonicalSexp(input) as readonly Sexp[];
    input[4] = 0x62;
    expect(text(parsed[0] as Uint8Array)).toBe('a');
  });
});

describe('findList / listValue', () => {
  const key = parseCanonicalSexp(
    latin1('(10:public-key(3:ecc(5:curve10:NIST P-256)(5:flags5:eddsa)(1:q3:abc)(1:r)))'),
  );

  it('finds the first list with a given name, depth first', () => {
    const ecc = findList(key, 'ecc');
    expect(ecc).toBeDefined();
    expect(text(listValue(ecc ?? [], 'curve') ?? new Uint8Array())).toBe('NIST P-256');
    expect(text(listValue(ecc ?? [], 'q') ?? new Uint8Array())).toBe('abc');
    expect(findList(key, 'public-key')).toBe(key);
    expect(findList(key, 'curve')).toEqual([atom('curve'), atom('NIST P-256')]);
    expect(findList(key, 'rsa')).toBeUndefined();
    expect(findList(atom('ecc'), 'ecc')).toBeUndefined();
  });

  it('returns undefined for a missing name or a sublist without an atom value', () => {
    const ecc = findList(key, 'ecc') ?? [];
    expect(listValue(ecc, 'n')).toBeUndefined();
    expect(listValue(ecc, 'r')).toBeUndefined();
    // Only direct children count.
    expect(listValue(key as readonly Sexp[], 'curve')).toBeUndefined();
  });

  it('atom() encodes strings as UTF-8 and copies bytes', () => {
    const bytes = Uint8Array.of(1, 2);
    const copy = atom(bytes);
    expect(copy).toEqual(bytes);
    expect(copy).not.toBe(bytes);
    expect([...atom('é')]).toEqual([0xc3, 0xa9]);
  });
});
