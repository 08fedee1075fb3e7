import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { EC_CURVES } from '../../src/contract/algorithms.js';
import { ErrorCode, isProviderError } from '../../src/contract/errors.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import { ecdsaDerToP1363, ecdsaP1363ToDer } from '../../src/software/ecdsa-encoding.js';

const hex = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isProviderError(error)) return error.code;
    throw error;
  }
  return 'OK';
}

const curveAndSignature = fc.constantFrom(...EC_CURVES).chain((curve) =>
  fc
    .uint8Array({
      minLength: 2 * EC_CURVE_PARAMETERS[curve].orderBytes,
      maxLength: 2 * EC_CURVE_PARAMETERS[curve].orderBytes,
    })
    .map((signature) => ({ curve, signature })),
);

describe('ECDSA signature encodings', () => {
  it('P1363 → DER → P1363 is the identity for every curve', () => {
    fc.assert(
      fc.property(curveAndSignature, ({ curve, signature }) => {
        expect(toHex(ecdsaDerToP1363(ecdsaP1363ToDer(signature), curve))).toBe(toHex(signature));
      }),
      { numRuns: 500 },
    );
  });

  it('DER → P1363 → DER is the identity on the DER it produces', () => {
    fc.assert(
      fc.property(curveAndSignature, ({ curve, signature }) => {
        const der = ecdsaP1363ToDer(signature);
        expect(toHex(ecdsaP1363ToDer(ecdsaDerToP1363(der, curve)))).toBe(toHex(der));
      }),
      { numRuns: 500 },
    );
  });

  it('survives leading zeros and high bits (values near 0 and 2^n)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EC_CURVES),
        fc.nat({ max: 66 }),
        fc.boolean(),
        (curve, zeros, high) => {
          const size = EC_CURVE_PARAMETERS[curve].orderBytes;
          const half = new Uint8Array(size).fill(high ? 0xff : 0x01);
          half.fill(0, 0, Math.min(zeros, size));
          const signature = new Uint8Array([...half, ...half]);
          expect(toHex(ecdsaDerToP1363(ecdsaP1363ToDer(signature), curve))).toBe(toHex(signature));
        },
      ),
    );
  });

  it('encodes known values minimally, with a sign byte and the long length form', () => {
    expect(toHex(ecdsaP1363ToDer(hex('0001 0080')))).toBe('300702010102020080');
    expect(toHex(ecdsaP1363ToDer(hex('0000 0000')))).toBe('3006020100020100');
    // P-521: two 67-byte INTEGERs make 138 bytes of contents, so the length takes 0x81 0x8a.
    const p521 = ecdsaP1363ToDer(new Uint8Array(132).fill(0xff));
    expect(toHex(p521.subarray(0, 3))).toBe('30818a');
    expect(p521).toHaveLength(141);
  });

  it.each([
    ['empty input', ''],
    ['an empty SEQUENCE', '3000'],
    ['one INTEGER', '3003020101'],
    ['three INTEGERs', '3009020101020101020101'],
    ['trailing bytes', '300602010102010100'],
    ['a truncated element', '3006020101020201'],
    ['a wrong outer tag', '3106020101020101'],
    ['an OCTET STRING instead of an INTEGER', '3006040101020101'],
    ['a negative INTEGER', '3006020181020101'],
    ['a non-minimal INTEGER', '300702020001020101'],
    ['an empty INTEGER', '30050200020101'],
    ['a long-form length that fits the short form', '308106020101020101'],
    ['an indefinite length', '30800201010201010000'],
    ['an INTEGER longer than the order', `3026022101${'ff'.repeat(32)}020101`],
  ])('rejects %s with INVALID_INPUT', (_name, text) => {
    expect(codeOf(() => ecdsaDerToP1363(hex(text), 'P-256'))).toBe(ErrorCode.INVALID_INPUT);
  });

  it('accepts an INTEGER exactly as long as the order, with its sign byte', () => {
    const der = hex(`3046022100${'ff'.repeat(32)}022100${'80'.repeat(32)}`);
    expect(toHex(ecdsaDerToP1363(der, 'P-256'))).toBe('ff'.repeat(32) + '80'.repeat(32));
  });

  it('rejects P1363 input of odd or zero length', () => {
    expect(codeOf(() => ecdsaP1363ToDer(new Uint8Array(0)))).toBe(ErrorCode.INVALID_INPUT);
    expect(codeOf(() => ecdsaP1363ToDer(new Uint8Array(63)))).toBe(ErrorCode.INVALID_INPUT);
  });
});
