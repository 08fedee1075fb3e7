// EMSA-PSS edge cases that genuine signatures never reach: each check in the verifier must
// reject an encoding that is right everywhere else.
import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { emsaPssEncode, emsaPssVerify } from '../../src/software/pss-encoding.js';
import { verifyRsaPssDigest } from '../../src/software/rsa-digest.js';

const mHash = createHash('sha256').update('pss').digest();
const salt = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

describe('emsaPssVerify', () => {
  // 2047-bit modulus: emBits 2046, emLen 256, the top two bits of EM must be zero.
  const emBits = 2046;
  const encoded = emsaPssEncode('sha256', mHash, emBits, 32, salt);
  const separator = 256 - 32 - 32 - 2;
  const tweak = (index: number, mask: number): Uint8Array => {
    const copy = Uint8Array.from(encoded);
    copy[index] = (copy[index] ?? 0) ^ mask;
    return copy;
  };

  it('accepts the encoding with the right hash and salt length only', () => {
    expect(emsaPssVerify('sha256', mHash, encoded, emBits, 32)).toBe(true);
    expect(emsaPssVerify('sha256', mHash, encoded, emBits, 31)).toBe(false);
    expect(emsaPssVerify('sha256', mHash, encoded, emBits, 33)).toBe(false);
    expect(
      emsaPssVerify('sha384', createHash('sha384').update('pss').digest(), encoded, emBits, 32),
    ).toBe(false);
    expect(emsaPssVerify('sha256', new Uint8Array(32), encoded, emBits, 32)).toBe(false);
  });

  it('is deterministic for a given salt and puts 0xbc last', () => {
    expect(
      Buffer.from(emsaPssEncode('sha256', mHash, emBits, 32, salt)).equals(Buffer.from(encoded)),
    ).toBe(true);
    expect(encoded[255]).toBe(0xbc);
    expect((encoded[0] ?? 0) & 0xc0).toBe(0);
  });

  it('rejects a 0x01 separator turned into 0x00 (the hash still matches)', () => {
    expect(emsaPssVerify('sha256', mHash, tweak(separator, 0x01), emBits, 32)).toBe(false);
  });

  it('rejects a non-zero padding byte', () => {
    expect(emsaPssVerify('sha256', mHash, tweak(separator - 1, 0x01), emBits, 32)).toBe(false);
  });

  it('rejects set bits above emBits', () => {
    expect(emsaPssVerify('sha256', mHash, tweak(0, 0x40), emBits, 32)).toBe(false);
  });

  it('rejects a wrong trailer and a wrong length', () => {
    expect(emsaPssVerify('sha256', mHash, tweak(255, 0x01), emBits, 32)).toBe(false);
    expect(emsaPssVerify('sha256', mHash, encoded.subarray(1), emBits, 32)).toBe(false);
  });
});

describe('verifyRsaPssDigest on a 1025-bit modulus (emLen = k − 1)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1025 });

  it('rejects a signature whose message representative has a non-zero leading byte', () => {
    const em = emsaPssEncode('sha256', mHash, 1024, 32, salt);
    const good = privateDecrypt(
      { key: privateKey, padding: constants.RSA_NO_PADDING },
      Uint8Array.from([0, ...em]),
    );
    expect(verifyRsaPssDigest(publicKey, 1025, 'sha256', 32, mHash, good)).toBe(true);
    // The same EM behind a leading 0x01: below the modulus (whose top byte is 0x01) as long as
    // EM is below the modulus' lower 1024 bits, so try salts until one is.
    for (let attempt = 0; attempt < 64; attempt++) {
      const salted = emsaPssEncode('sha256', mHash, 1024, 32);
      let forged: Uint8Array;
      try {
        forged = privateDecrypt(
          { key: privateKey, padding: constants.RSA_NO_PADDING },
          Uint8Array.from([1, ...salted]),
        );
      } catch {
        continue;
      }
      expect(verifyRsaPssDigest(publicKey, 1025, 'sha256', 32, mHash, forged)).toBe(false);
      return;
    }
    throw new Error('no EM below the modulus in 64 attempts');
  });
});
