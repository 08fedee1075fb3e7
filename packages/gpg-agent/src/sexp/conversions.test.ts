import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ecdsaP1363ToDer, hasErrorCode } from '@keyroute/core';
import type { ErrorCode } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { atom, encodeCanonicalSexp } from './canonical.js';
import type { Sexp } from './canonical.js';
import {
  decodeDecryptedValue,
  ecdhCiphertextSexp,
  ecdhSharedSecret,
  rsaCiphertextSexp,
} from './ciphertext.js';
import { publicKeySexpToSpki } from './public-key.js';
import { decodeSignatureSexp } from './signature.js';

const latin1 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const spkiOf = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'spki' });
const jwkBytes = (value: string | undefined): Uint8Array =>
  Uint8Array.from(Buffer.from(value ?? '', 'base64url'));

function expectCode(run: () => unknown, code: ErrorCode): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(hasErrorCode(caught, code), String(caught)).toBe(true);
}

const publicKeySexp = (algorithm: string, ...params: Sexp[]): Uint8Array =>
  encodeCanonicalSexp([atom('public-key'), [atom(algorithm), ...params]]);

describe('publicKeySexpToSpki', () => {
  it('converts RSA keys, with and without the leading 00 of n', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const n = jwkBytes(jwk.n);
    const e = jwkBytes(jwk.e);
    for (const modulus of [n, Uint8Array.of(0, ...n)]) {
      const sexp = publicKeySexp('rsa', [atom('n'), modulus], [atom('e'), e]);
      expect(Buffer.from(publicKeySexpToSpki(sexp))).toEqual(spkiOf(publicKey));
    }
  });

  it.each([
    [
      'prime256v1',
      32,
      ['NIST P-256', 'nistp256', 'prime256v1', 'secp256r1', '1.2.840.10045.3.1.7'],
    ],
    ['secp384r1', 48, ['NIST P-384', 'nistp384', '1.3.132.0.34']],
    ['secp521r1', 66, ['NIST P-521', 'nistp521']],
    ['secp256k1', 32, ['secp256k1', '1.3.132.0.10']],
    ['brainpoolP256r1', 32, ['brainpoolP256r1', '1.3.36.3.3.2.8.1.1.7']],
    ['brainpoolP384r1', 48, ['brainpoolP384r1']],
    ['brainpoolP512r1', 64, ['brainpoolP512r1']],
  ] as const)('converts %s keys under every libgcrypt name', (namedCurve, size, names) => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve });
    const spki = spkiOf(publicKey);
    // The SPKI ends with the uncompressed point (JWK has no brainpool curves).
    const point = Uint8Array.from(spki.subarray(-(1 + 2 * size)));
    expect(point[0]).toBe(4);
    for (const name of names) {
      const sexp = publicKeySexp('ecc', [atom('curve'), atom(name)], [atom('q'), point]);
      expect(Buffer.from(publicKeySexpToSpki(sexp)), name).toEqual(spki);
    }
  });

  it.each([
    ['ed25519', 'Ed25519', 'eddsa'],
    ['x25519', 'Curve25519', 'djb-tweak'],
    ['ed448', 'Ed448', undefined],
    ['x448', 'X448', undefined],
  ] as const)('converts %s keys, with and without the 0x40 prefix', (type, curve, flag) => {
    const { publicKey } =
      type === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : type === 'x25519'
          ? generateKeyPairSync('x25519')
          : type === 'ed448'
            ? generateKeyPairSync('ed448')
            : generateKeyPairSync('x448');
    const raw = jwkBytes(publicKey.export({ format: 'jwk' }).x);
    for (const q of [Uint8Array.of(0x40, ...raw), raw]) {
      const sexp = publicKeySexp(
        'ecc',
        [atom('curve'), atom(curve)],
        ...(flag === undefined ? [] : [[atom('flags'), atom(flag)]]),
        [atom('q'), q],
      );
      expect(Buffer.from(publicKeySexpToSpki(sexp))).toEqual(spkiOf(publicKey));
    }
  });

  it('ignores a trailing NUL', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = jwkBytes(publicKey.export({ format: 'jwk' }).x);
    const sexp = publicKeySexp('ecc', [atom('curve'), atom('Ed25519')], [atom('q'), raw]);
    expect(Buffer.from(publicKeySexpToSpki(Uint8Array.of(...sexp, 0)))).toEqual(spkiOf(publicKey));
  });

  it('throws UNSUPPORTED for other algorithms and curves', () => {
    expectCode(
      () => publicKeySexpToSpki(publicKeySexp('dsa', [atom('p'), Uint8Array.of(7)])),
      'UNSUPPORTED',
    );
    expectCode(
      () =>
        publicKeySexpToSpki(
          publicKeySexp(
            'ecc',
            [atom('curve'), atom('GOST2001-test')],
            [atom('q'), Uint8Array.of(4)],
          ),
        ),
      'UNSUPPORTED',
    );
  });

  it.each([
    ['garbage', latin1('(10:public-key')],
    ['trailing garbage', latin1('(10:public-key(3:rsa(1:n1:\x05)(1:e1:\x03)))x')],
    ['a private key', latin1('(11:private-key(3:rsa(1:n1:\x05)(1:e1:\x03)))')],
    ['no algorithm list', latin1('(10:public-key3:rsa)')],
    ['RSA without e', publicKeySexp('rsa', [atom('n'), Uint8Array.of(5)])],
    ['ECC without q', publicKeySexp('ecc', [atom('curve'), atom('NIST P-256')])],
    [
      'a point off the curve',
      publicKeySexp(
        'ecc',
        [atom('curve'), atom('NIST P-256')],
        [atom('q'), Uint8Array.of(4, ...new Uint8Array(64).fill(1))],
      ),
    ],
    [
      'an Ed25519 key of the wrong length',
      publicKeySexp('ecc', [atom('curve'), atom('Ed25519')], [atom('q'), new Uint8Array(31)]),
    ],
  ])('throws PROTOCOL for %s', (_name, bytes) => {
    expectCode(() => publicKeySexpToSpki(bytes), 'PROTOCOL');
  });
});

const sigVal = (scheme: string, ...params: Sexp[]): Uint8Array =>
  encodeCanonicalSexp([atom('sig-val'), [atom(scheme), ...params]]);

describe('decodeSignatureSexp', () => {
  it('left-pads RSA s to the modulus length and drops a 00 prefix', () => {
    const s = Uint8Array.of(1, 2, 3);
    const padded = decodeSignatureSexp(sigVal('rsa', [atom('s'), s]), { kind: 'rsa', bits: 2048 });
    expect(padded.length).toBe(256);
    expect([...padded.subarray(253)]).toEqual([1, 2, 3]);
    expect(padded.subarray(0, 253).every((b) => b === 0)).toBe(true);
    const full = new Uint8Array(384).fill(0xff);
    const signed = sigVal('rsa', [atom('s'), Uint8Array.of(0, ...full)]);
    expect(decodeSignatureSexp(signed, { kind: 'rsa', bits: 3072 })).toEqual(full);
    // An odd modulus size rounds up.
    expect(
      decodeSignatureSexp(sigVal('rsa', [atom('s'), s]), { kind: 'rsa', bits: 2047 }).length,
    ).toBe(256);
  });

  it('pads ECDSA r and s to the curve size, in P1363 or DER', () => {
    const r = Uint8Array.of(0, 9); // a 00 prefix and a short value
    const s = new Uint8Array(66).fill(0x01);
    const sexp = sigVal('ecdsa', [atom('r'), r], [atom('s'), s]);
    const p1363 = decodeSignatureSexp(sexp, { kind: 'ec', curve: 'P-521' });
    expect(p1363.length).toBe(132);
    expect(p1363[65]).toBe(9);
    expect(p1363.subarray(0, 65).every((b) => b === 0)).toBe(true);
    expect(p1363.subarray(66)).toEqual(s);
    expect(decodeSignatureSexp(sexp, { kind: 'ec', curve: 'P-521' }, 'der')).toEqual(
      ecdsaP1363ToDer(p1363),
    );
    for (const [curve, size] of [
      ['P-256', 32],
      ['P-384', 48],
      ['secp256k1', 32],
      ['brainpoolP256r1', 32],
      ['brainpoolP384r1', 48],
      ['brainpoolP512r1', 64],
    ] as const) {
      const small = sigVal('ecdsa', [atom('r'), Uint8Array.of(1)], [atom('s'), Uint8Array.of(2)]);
      expect(decodeSignatureSexp(small, { kind: 'ec', curve }).length, curve).toBe(2 * size);
    }
  });

  it('concatenates EdDSA r and s, skipping a flags list', () => {
    const r = new Uint8Array(32).fill(7);
    const s = new Uint8Array(31).fill(8);
    const sexp = encodeCanonicalSexp([
      atom('sig-val'),
      [atom('flags'), atom('eddsa')],
      [atom('eddsa'), [atom('r'), r], [atom('s'), s]],
    ]);
    const signature = decodeSignatureSexp(sexp, { kind: 'ed25519' });
    expect(signature.length).toBe(64);
    expect(signature.subarray(0, 32)).toEqual(r);
    expect(signature[32]).toBe(0);
    expect(signature.subarray(33)).toEqual(s);
  });

  it.each([
    [
      'an RSA signature for an EC key',
      sigVal('rsa', [atom('s'), Uint8Array.of(1)]),
      { kind: 'ec', curve: 'P-256' },
    ],
    [
      'an ECDSA signature for an RSA key',
      sigVal('ecdsa', [atom('r'), Uint8Array.of(1)], [atom('s'), Uint8Array.of(1)]),
      { kind: 'rsa', bits: 2048 },
    ],
    [
      'an ECDSA signature without s',
      sigVal('ecdsa', [atom('r'), Uint8Array.of(1)]),
      { kind: 'ec', curve: 'P-256' },
    ],
    [
      'an over-long s',
      sigVal('rsa', [atom('s'), new Uint8Array(257).fill(1)]),
      { kind: 'rsa', bits: 2048 },
    ],
    [
      'an over-long ECDSA r',
      sigVal('ecdsa', [atom('r'), new Uint8Array(33).fill(1)], [atom('s'), Uint8Array.of(1)]),
      { kind: 'ec', curve: 'P-256' },
    ],
    [
      'a key that cannot sign',
      sigVal('eddsa', [atom('r'), Uint8Array.of(1)], [atom('s'), Uint8Array.of(1)]),
      { kind: 'x25519' },
    ],
    [
      'no sig-val',
      encodeCanonicalSexp([atom('enc-val'), [atom('rsa'), [atom('s'), Uint8Array.of(1)]]]),
      { kind: 'rsa', bits: 2048 },
    ],
    ['malformed bytes', latin1('(7:sig-val(3:rsa(1:s'), { kind: 'rsa', bits: 2048 }],
    ['an atom', latin1('7:sig-val'), { kind: 'rsa', bits: 2048 }],
  ] as const)('throws PROTOCOL for %s', (_name, bytes, algorithm) => {
    expectCode(() => decodeSignatureSexp(bytes, algorithm), 'PROTOCOL');
  });
});

describe('ciphertext S-expressions', () => {
  it('writes the RSA ciphertext as gpg does: no leading zeros, a 00 before a set top bit', () => {
    expect(text(rsaCiphertextSexp(Uint8Array.of(0, 0, 0x12, 0x34)))).toBe(
      '(7:enc-val(3:rsa(1:a2:\x12\x34)))',
    );
    expect(text(rsaCiphertextSexp(Uint8Array.of(0, 0x80, 1)))).toBe(
      '(7:enc-val(3:rsa(1:a3:\x00\x80\x01)))',
    );
    expectCode(() => rsaCiphertextSexp(new Uint8Array(4)), 'INVALID_INPUT');
    expectCode(() => rsaCiphertextSexp(new Uint8Array(0)), 'INVALID_INPUT');
  });

  it('writes the ECDH ephemeral point with a placeholder s', () => {
    const point = Uint8Array.of(0x40, ...new Uint8Array(32).fill(0xaa));
    expect(text(ecdhCiphertextSexp(point))).toBe(
      `(7:enc-val(4:ecdh(1:s1:\x00)(1:e33:${text(point)})))`,
    );
    expectCode(() => ecdhCiphertextSexp(new Uint8Array(0)), 'INVALID_INPUT');
  });

  it('reads (value …) with a trailing NUL, or nested next to padding hints', () => {
    expect(text(decodeDecryptedValue(latin1('(5:value3:abc)\x00')))).toBe('abc');
    expect(text(decodeDecryptedValue(latin1('(5:value3:abc)')))).toBe('abc');
    expect(text(decodeDecryptedValue(latin1('((5:value3:abc)(7:padding1:0))')))).toBe('abc');
  });

  it.each([
    ['no value', '(7:padding1:0)'],
    ['a value list', '(5:value(1:a))'],
    ['two values', '(5:value1:a1:b)'],
    ['garbage after', '(5:value3:abc)\x00x'],
    ['truncated', '(5:value3:ab'],
  ])('throws PROTOCOL for a decryption result with %s, never showing the value', (_name, input) => {
    let caught: unknown;
    try {
      decodeDecryptedValue(latin1(input));
    } catch (error) {
      caught = error;
    }
    expect(hasErrorCode(caught, 'PROTOCOL')).toBe(true);
    expect((caught as Error).message).not.toMatch(/abc/);
  });

  it('extracts the ECDH shared secret', () => {
    const u = new Uint8Array(32).fill(3);
    expect(ecdhSharedSecret(Uint8Array.of(0x40, ...u), 'x25519')).toEqual(u);
    expect(ecdhSharedSecret(u, 'x25519')).toEqual(u);
    const x = new Uint8Array(48).fill(4);
    const y = new Uint8Array(48).fill(5);
    expect(ecdhSharedSecret(Uint8Array.of(4, ...x, ...y), 'P-384')).toEqual(x);
    expectCode(() => ecdhSharedSecret(Uint8Array.of(0x41, ...u), 'x25519'), 'PROTOCOL');
    expectCode(() => ecdhSharedSecret(Uint8Array.of(2, ...x), 'P-384'), 'PROTOCOL');
    expectCode(() => ecdhSharedSecret(Uint8Array.of(4, ...x, ...y), 'P-256'), 'PROTOCOL');
  });
});
