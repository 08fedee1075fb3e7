// The one DER module that SPKI parsing, ECDSA signatures and SEC 1 private keys share.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { stripLeadingZeros } from '../../src/encoding/bytes.js';
import {
  DerError,
  DerTag,
  decodeOid,
  decodeUnsignedInteger,
  encodeElement,
  encodeOid,
  encodeUnsignedInteger,
  expectElement,
  mapDerError,
  readChildren,
  readElement,
  readWholeElement,
  toPositiveTwosComplement,
} from '../../src/encoding/der.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import { SpkiOid } from '../../src/identity/oids.js';

const hex = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function derErrorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof DerError) return error.message;
    throw error;
  }
  return 'no error';
}

// Single-byte tags only: low five bits 0x1f would start a multi-byte tag.
const tag = fc.integer({ min: 0, max: 0xff }).filter((t) => (t & 0x1f) !== 0x1f);

describe('readElement and encodeElement', () => {
  it('read back what they write, with the minimal length form', () => {
    fc.assert(
      fc.property(tag, fc.uint8Array({ maxLength: 600 }), (t, content) => {
        const encoded = encodeElement(t, content);
        const element = readElement(encoded, 0);
        expect(element.tag).toBe(t);
        expect(toHex(element.content)).toBe(toHex(content));
        expect(element.end).toBe(encoded.length);
        const lengthOctets = content.length < 0x80 ? 1 : content.length < 0x100 ? 2 : 3;
        expect(encoded.length).toBe(1 + lengthOctets + content.length);
      }),
    );
  });

  it.each([
    [0, '00'],
    [0x7f, '7f'],
    [0x80, '8180'],
    [0xff, '81ff'],
    [0x100, '820100'],
    [0xffff, '82ffff'],
    [0x10000, '83010000'],
  ])('writes a length of %i as %s', (length, octets) => {
    const encoded = encodeElement(DerTag.OCTET_STRING, new Uint8Array(length));
    expect(toHex(encoded.subarray(1, 1 + octets.length / 2))).toBe(octets);
    expect(readElement(encoded, 0).content).toHaveLength(length);
  });

  it('concatenates the parts of a constructed value', () => {
    const inner = encodeElement(DerTag.NULL);
    expect(toHex(encodeElement(DerTag.SEQUENCE, inner, Uint8Array.of(1, 2)))).toBe('300405000102');
  });

  it('reads the element at an offset and says where the next one starts', () => {
    const bytes = hex('0500 020105 0400');
    expect(readElement(bytes, 2)).toEqual({ tag: 0x02, content: Uint8Array.of(5), end: 5 });
    expect(readElement(bytes, 5).end).toBe(7);
  });

  it.each([
    ['empty input', ''],
    ['a lone tag', '30'],
    ['a multi-byte tag', '1f0100'],
    ['an indefinite length', '30800000'],
    ['a long-form length that fits the short form', '30810100'],
    ['a length with a leading zero octet', '3082008000'],
    ['five length octets', '30850000000001'],
    ['truncated length octets', '308201'],
    ['content past the end', '300301'],
  ])('rejects %s', (_name, text) => {
    expect(derErrorOf(() => readElement(hex(text), 0))).not.toBe('no error');
  });
});

describe('expectElement, readWholeElement and readChildren', () => {
  it('check the tag', () => {
    expect(derErrorOf(() => expectElement(hex('0500'), 0, DerTag.SEQUENCE, 'thing'))).toBe(
      'thing: expected tag 0x30, found 0x05',
    );
    expect(expectElement(hex('0500'), 0, DerTag.NULL, 'thing').end).toBe(2);
  });

  it('readWholeElement refuses trailing bytes', () => {
    expect(toHex(readWholeElement(hex('3003020101'), DerTag.SEQUENCE, 'x').content)).toBe('020101');
    expect(derErrorOf(() => readWholeElement(hex('300302010100'), DerTag.SEQUENCE, 'x'))).toBe(
      'x: 1 trailing bytes',
    );
  });

  it('readChildren splits a SEQUENCE and fails on any malformed child', () => {
    const children = readChildren(hex('020101 0400 0500'));
    expect(children.map((child) => child.tag)).toEqual([0x02, 0x04, 0x05]);
    expect(readChildren(new Uint8Array(0))).toEqual([]);
    expect(derErrorOf(() => readChildren(hex('020101 0402')))).not.toBe('no error');
  });
});

describe('OBJECT IDENTIFIER', () => {
  it.each([
    [SpkiOid.EC_PUBLIC_KEY, '06072a8648ce3d0201'],
    [SpkiOid.ED25519, '06032b6570'],
    [SpkiOid.RSA, '06092a864886f70d010101'],
    ['2.999.3', '0603883703'],
  ])('%s is %s', (oid, der) => {
    expect(toHex(encodeOid(oid))).toBe(der);
    expect(decodeOid(readElement(hex(der), 0).content)).toBe(oid);
  });

  it('round-trips every OID keyroute writes', () => {
    const oids = [
      ...Object.values(SpkiOid),
      ...Object.values(EC_CURVE_PARAMETERS).map((c) => c.oid),
    ];
    for (const oid of oids) expect(decodeOid(readElement(encodeOid(oid), 0).content)).toBe(oid);
  });

  it('round-trips arbitrary arcs', () => {
    const oid = fc
      .tuple(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.nat({ max: 2 ** 40 }), { maxLength: 8 }),
      )
      .map(([first, second, rest]) => [first, second, ...rest].join('.'));
    fc.assert(
      fc.property(oid, (dotted) => {
        expect(decodeOid(readElement(encodeOid(dotted), 0).content)).toBe(dotted);
      }),
    );
  });

  it.each([
    ['empty content', ''],
    ['an arc starting with 0x80', '2a8001'],
    ['a truncated arc', '2a86'],
  ])('rejects %s', (_name, text) => {
    expect(derErrorOf(() => decodeOid(hex(text)))).not.toBe('no error');
  });
});

describe('unsigned INTEGER', () => {
  it.each([
    ['', '020100'],
    ['00', '020100'],
    ['0000007f', '02017f'],
    ['80', '02020080'],
    ['00ff01', '020300ff01'],
  ])('%s is written as %s', (magnitude, der) => {
    expect(toHex(encodeUnsignedInteger(hex(magnitude)))).toBe(der);
  });

  it('reads back the magnitude without leading zeros', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (magnitude) => {
        const element = readElement(encodeUnsignedInteger(magnitude), 0);
        expect(element.tag).toBe(DerTag.INTEGER);
        expect(toHex(decodeUnsignedInteger(element.content, 'n'))).toBe(
          toHex(stripLeadingZeros(magnitude)),
        );
        expect(toHex(element.content)).toBe(toHex(toPositiveTwosComplement(magnitude)));
      }),
    );
  });

  it.each([
    ['an empty INTEGER', '', 'n: empty INTEGER'],
    ['a negative INTEGER', '81', 'n: negative INTEGER'],
    ['a non-minimal INTEGER', '0001', 'n: non-minimal INTEGER'],
  ])('rejects %s', (_name, text, message) => {
    expect(derErrorOf(() => decodeUnsignedInteger(hex(text), 'n'))).toBe(message);
  });
});

describe('mapDerError', () => {
  it('turns a DerError into the caller’s error and lets other errors through', () => {
    const mapped = new Error('mapped');
    const toError = (error: DerError): Error => {
      expect(error).toBeInstanceOf(DerError);
      return mapped;
    };
    expect(() => mapDerError(() => readElement(new Uint8Array(0), 0), toError)).toThrow(mapped);
    const other = new RangeError('other');
    expect(() =>
      mapDerError(() => {
        throw other;
      }, toError),
    ).toThrow(other);
    expect(mapDerError(() => 7, toError)).toBe(7);
  });
});
