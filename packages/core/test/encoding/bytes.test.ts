import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  bigIntToBytes,
  bitLength,
  bytesToBigInt,
  concatBytes,
  equalBytes,
  stripLeadingZeros,
} from '../../src/encoding/bytes.js';

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('bytes ↔ bigint', () => {
  it('round-trip at a fixed length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        expect(toHex(bigIntToBytes(bytesToBigInt(bytes), bytes.length))).toBe(toHex(bytes));
      }),
    );
  });

  it('reads a subarray, not its whole buffer', () => {
    expect(bytesToBigInt(Uint8Array.of(9, 1, 2, 9).subarray(1, 3))).toBe(0x0102n);
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n);
  });

  it('refuses values that do not fit or are negative', () => {
    expect(() => bigIntToBytes(0x100n, 1)).toThrow(RangeError);
    expect(() => bigIntToBytes(-1n, 4)).toThrow(RangeError);
    expect(toHex(bigIntToBytes(0n, 2))).toBe('0000');
  });

  it('bitLength counts significant bits', () => {
    expect([0n, 1n, 0xffn, 0x100n, (1n << 521n) - 1n].map(bitLength)).toEqual([0, 1, 8, 9, 521]);
  });
});

describe('byte arrays', () => {
  it('stripLeadingZeros keeps the value and turns zero into nothing', () => {
    expect(toHex(stripLeadingZeros(Uint8Array.of(0, 0, 1, 0)))).toBe('0100');
    expect(stripLeadingZeros(Uint8Array.of(0, 0))).toHaveLength(0);
  });

  it('concatBytes joins in order', () => {
    expect(toHex(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)))).toBe(
      '010203',
    );
    expect(concatBytes()).toHaveLength(0);
  });

  it('equalBytes compares contents and lengths', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
  });
});
