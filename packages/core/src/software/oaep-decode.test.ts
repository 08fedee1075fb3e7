import {
  constants,
  createHash,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { hasErrorCode } from '../contract/errors.js';
import type { HashAlgorithm } from '../contract/algorithms.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOaep } from './oaep-decode.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const K = 256;

function encrypt(plaintext: Uint8Array, hash: HashAlgorithm, label?: Uint8Array): Buffer {
  return publicEncrypt(
    {
      key: publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: hash,
      ...(label === undefined ? {} : { oaepLabel: label }),
    },
    plaintext,
  );
}

// What gpg-agent does: the raw private-key operation, as an integer without leading zeros.
function rawDecrypt(ciphertext: Uint8Array, key: KeyObject = privateKey): Uint8Array {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  let start = 0;
  while (em[start] === 0) start++;
  return Uint8Array.from(em.subarray(start));
}

// RFC 8017 §7.1.1 steps 2.f–2.i with a random seed: EM = 00 ‖ maskedSeed ‖ maskedDB.
function emOf(db: Uint8Array, hash: HashAlgorithm): Uint8Array {
  const hLen = createHash(hash).digest().length;
  const seed = randomBytes(hLen);
  const maskedDb = xorBytes(db, testMgf1(hash, seed, db.length));
  const maskedSeed = xorBytes(seed, testMgf1(hash, maskedDb, hLen));
  return Uint8Array.from(Buffer.concat([Uint8Array.of(0), maskedSeed, maskedDb]));
}

function testMgf1(hash: HashAlgorithm, seed: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * hLenOf(hash) < length; i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    blocks.push(createHash(hash).update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function hLenOf(hash: HashAlgorithm): number {
  return createHash(hash).digest().length;
}

function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((byte, i) => byte ^ (b[i] as number));
}

function expectDecryptionFailed(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(hasErrorCode(caught, 'INVALID_INPUT')).toBe(true);
  expect((caught as Error).message).toBe('decryption failed');
  expect((caught as Error).cause).toBeUndefined();
}

describe('decodeOaep', () => {
  it.each([
    ['sha1', undefined],
    ['sha256', undefined],
    ['sha256', Uint8Array.from(Buffer.from('a label'))],
    ['sha384', Uint8Array.from(Buffer.from('another label'))],
    ['sha512', undefined],
  ] as const)('decodes node OAEP with %s and label %s', (hash, label) => {
    const plaintext = randomBytes(32);
    const encoded = rawDecrypt(encrypt(plaintext, hash, label));
    expect(encoded.length).toBeLessThan(K);
    expect(Buffer.from(decodeOaep(encoded, K, hash, label))).toEqual(plaintext);
  });

  it('decodes every plaintext length, including empty and maximal', () => {
    for (const length of [0, 1, 100, K - 2 * 32 - 2]) {
      const plaintext = randomBytes(length);
      const encoded = rawDecrypt(encrypt(plaintext, 'sha256'));
      expect(Buffer.from(decodeOaep(encoded, K, 'sha256'))).toEqual(plaintext);
    }
  });

  it("accepts the value padded to k bytes and with the agent's extra 00 before a set top bit", () => {
    const plaintext = randomBytes(16);
    const encoded = rawDecrypt(encrypt(plaintext, 'sha256'));
    const full = new Uint8Array(K);
    full.set(encoded, K - encoded.length);
    const signed = new Uint8Array(K + 1);
    signed.set(encoded, K + 1 - encoded.length);
    expect(Buffer.from(decodeOaep(full, K, 'sha256'))).toEqual(plaintext);
    expect(Buffer.from(decodeOaep(signed, K, 'sha256'))).toEqual(plaintext);
  });

  it('fails with one error, no cause, for every kind of tampering', () => {
    const plaintext = randomBytes(20);
    const label = Uint8Array.from(Buffer.from('label'));
    const encoded = rawDecrypt(encrypt(plaintext, 'sha256', label));
    // Wrong label, wrong hash.
    expectDecryptionFailed(() => decodeOaep(encoded, K, 'sha256'));
    expectDecryptionFailed(() => decodeOaep(encoded, K, 'sha1', label));
    // Y byte non-zero (the agent's form has no leading zero: put one back, then corrupt it).
    const withY = new Uint8Array(K);
    withY.set(encoded, K - encoded.length);
    withY[0] = 1;
    expectDecryptionFailed(() => decodeOaep(withY, K, 'sha256', label));
    // An extra byte that is not 00; a value longer than k + 1.
    expectDecryptionFailed(() =>
      decodeOaep(Uint8Array.of(1, ...withY.subarray(1)), K + 0, 'sha256', label),
    );
    const nonZeroExtra = new Uint8Array(K + 1);
    nonZeroExtra.set(encoded, K + 1 - encoded.length);
    nonZeroExtra[0] = 7;
    expectDecryptionFailed(() => decodeOaep(nonZeroExtra, K, 'sha256', label));
    expectDecryptionFailed(() => decodeOaep(new Uint8Array(K + 2), K, 'sha256', label));
    // All zeros: no 0x01 separator, wrong lHash.
    expectDecryptionFailed(() => decodeOaep(new Uint8Array(K), K, 'sha256'));
    expectDecryptionFailed(() => decodeOaep(new Uint8Array(0), K, 'sha256'));
  });

  it('fails alike for any single flipped bit', () => {
    const plaintext = randomBytes(20);
    const encoded = rawDecrypt(encrypt(plaintext, 'sha256'));
    fc.assert(
      fc.property(fc.nat(encoded.length * 8 - 1), (bit) => {
        const tampered = Uint8Array.from(encoded);
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        expectDecryptionFailed(() => decodeOaep(tampered, K, 'sha256'));
      }),
      { numRuns: 200 },
    );
  });

  it('checks PS and the 0x01 separator (EM built by hand, checked against node)', () => {
    const hash = 'sha256';
    const lHash = createHash(hash).digest();
    const message = Uint8Array.of(1, 2, 3);
    // DB = lHash ‖ PS (zeros) ‖ parts, k − hLen − 1 bytes.
    const dbOf = (...parts: Uint8Array[]): Uint8Array => {
      const tail = Buffer.concat(parts);
      const db = new Uint8Array(K - 32 - 1);
      db.set(lHash, 0);
      db.set(tail, db.length - tail.length);
      return db;
    };
    const valid = dbOf(Uint8Array.of(1), message);
    // node agrees that the hand-built EM is valid OAEP.
    const ciphertext = publicEncrypt(
      { key: publicKey, padding: constants.RSA_NO_PADDING },
      emOf(valid, hash),
    );
    expect([
      ...privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        ciphertext,
      ),
    ]).toEqual([...message]);
    expect([...decodeOaep(emOf(valid, hash), K, hash)]).toEqual([...message]);
    // No PS at all is valid too.
    const noPs = Buffer.concat([lHash, Uint8Array.of(1), randomBytes(K - 32 - 2 - 32)]);
    expect(decodeOaep(emOf(noPs, hash), K, hash)).toEqual(Uint8Array.from(noPs.subarray(33)));

    for (const bad of [
      dbOf(Uint8Array.of(2), message), // separator 0x02
      dbOf(Uint8Array.of(5, 0, 1), message), // garbage inside PS
      dbOf(Uint8Array.of(0xff)), // no 0x01 at all
      dbOf(), // all-zero PS, nothing else
    ]) {
      expectDecryptionFailed(() => decodeOaep(emOf(bad, hash), K, hash));
    }
  });

  it('names the sizes when the modulus is too small for the hash', () => {
    expect(() => decodeOaep(new Uint8Array(64), 64, 'sha512')).toThrow(/too small for OAEP/);
  });
});
