import { ECDH, createECDH, createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EcCurve, KeyAlgorithm } from '../../src/contract/algorithms.js';
import { EC_CURVES } from '../../src/contract/algorithms.js';
import { isProviderError } from '../../src/contract/errors.js';
import type { ErrorCode } from '../../src/contract/errors.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import {
  computeKeygrip,
  describePublicKey,
  publicKeyAliases,
  publicKeyToSpki,
  spkiSha256,
  spkiToRawPublicKey,
} from '../../src/identity/index.js';
import type { RawPublicKey } from '../../src/identity/index.js';

const der = (key: KeyObject): Uint8Array =>
  new Uint8Array(key.export({ type: 'spki', format: 'der' }));
const b64url = (value: string | undefined): Uint8Array => {
  if (value === undefined) throw new Error('JWK member missing');
  return new Uint8Array(Buffer.from(value, 'base64url'));
};

interface Sample {
  readonly label: string;
  readonly algorithm: KeyAlgorithm;
  readonly spki: Uint8Array;
  /** The raw key as node:crypto's JWK export states it, to check the parser against. */
  readonly raw: RawPublicKey;
}

function rsaSample(bits: number): Sample {
  const key = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey;
  const jwk = key.export({ format: 'jwk' });
  return {
    label: `RSA-${bits}`,
    algorithm: { kind: 'rsa', bits },
    spki: der(key),
    raw: { kind: 'rsa', n: b64url(jwk.n), e: b64url(jwk.e) },
  };
}

function ecSample(curve: EcCurve): Sample {
  const { opensslName, fieldBytes } = EC_CURVE_PARAMETERS[curve];
  const key = generateKeyPairSync('ec', { namedCurve: opensslName }).publicKey;
  const spki = der(key);
  let point: Uint8Array;
  if (curve.startsWith('brainpool')) {
    // node exports no JWK for brainpool curves: the expected point is the DER's tail, which
    // only shows the parser finds it. The round-trip property below checks brainpool points
    // against crypto.ECDH instead.
    point = new Uint8Array(spki.subarray(spki.length - 1 - 2 * fieldBytes));
  } else {
    const jwk = key.export({ format: 'jwk' });
    point = Uint8Array.from([4, ...b64url(jwk.x), ...b64url(jwk.y)]);
  }
  return {
    label: curve,
    algorithm: { kind: 'ec', curve },
    spki,
    raw: { kind: 'ec', curve, point },
  };
}

function okpSample(kind: 'ed25519' | 'ed448' | 'x25519' | 'x448'): Sample {
  // The overloads of generateKeyPairSync take literal types: spell each one out.
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'ed448'
        ? generateKeyPairSync('ed448')
        : kind === 'x25519'
          ? generateKeyPairSync('x25519')
          : generateKeyPairSync('x448');
  const jwk = pair.publicKey.export({ format: 'jwk' });
  return {
    label: kind,
    algorithm: { kind },
    spki: der(pair.publicKey),
    raw: { kind, publicKey: b64url(jwk.x) },
  };
}

const SAMPLES: readonly Sample[] = [
  rsaSample(1024),
  rsaSample(2048),
  rsaSample(1025),
  ...EC_CURVES.map(ecSample),
  okpSample('ed25519'),
  okpSample('ed448'),
  okpSample('x25519'),
  okpSample('x448'),
];

describe('describePublicKey', () => {
  it.each(SAMPLES)('$label', ({ spki, algorithm }) => {
    expect(describePublicKey(spki)).toEqual(algorithm);
  });
});

describe('spkiToRawPublicKey / publicKeyToSpki', () => {
  it.each(SAMPLES)(
    '$label: parses to the raw key and builds the same DER back',
    ({ spki, raw }) => {
      const parsed = spkiToRawPublicKey(spki);
      expect(parsed).toEqual(raw);
      expect(publicKeyToSpki(parsed)).toEqual(spki);
      expect(publicKeyToSpki(raw)).toEqual(spki);
    },
  );

  it('returns copies, not views of the input', () => {
    const sample = okpSample('ed25519');
    const parsed = spkiToRawPublicKey(sample.spki);
    if (parsed.kind !== 'ed25519') throw new Error(`expected ed25519, got ${parsed.kind}`);
    parsed.publicKey.fill(0);
    expect(spkiToRawPublicKey(sample.spki)).toEqual(sample.raw);
  });

  it('accepts RSA integers with leading zeros and writes them minimally', () => {
    const { raw, spki } = rsaSample(1024);
    if (raw.kind !== 'rsa') throw new Error('expected RSA');
    const padded = {
      kind: 'rsa',
      n: Uint8Array.from([0, 0, ...raw.n]),
      e: Uint8Array.from([0, ...raw.e]),
    } as const;
    expect(publicKeyToSpki(padded)).toEqual(spki);
  });

  it.each(EC_CURVES)('%s: round trips random points, compressed and uncompressed', (curve) => {
    const { opensslName } = EC_CURVE_PARAMETERS[curve];
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.boolean(),
        (seed, compress) => {
          const ecdh = createECDH(opensslName);
          // A 128-bit private scalar is below every curve order here, and non-zero.
          ecdh.setPrivateKey(Buffer.from([1, ...seed]));
          const point = new Uint8Array(
            ecdh.getPublicKey(undefined, compress ? 'compressed' : 'uncompressed'),
          );
          const spki = publicKeyToSpki({ kind: 'ec', curve, point });
          expect(spkiToRawPublicKey(spki)).toEqual({ kind: 'ec', curve, point });
          expect(describePublicKey(spki)).toEqual({ kind: 'ec', curve });
          // OpenSSL reads our DER as a key on the same curve with the same point.
          const nodeKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
          expect(nodeKey.asymmetricKeyDetails?.namedCurve).toBe(opensslName);
          const reread = spkiToRawPublicKey(der(nodeKey));
          if (reread.kind !== 'ec') throw new Error(`expected an EC key, got ${reread.kind}`);
          const uncompressed = (bytes: Uint8Array): Buffer =>
            ECDH.convertKey(
              Buffer.from(bytes),
              opensslName,
              undefined,
              undefined,
              'uncompressed',
            ) as Buffer;
          expect(uncompressed(reread.point)).toEqual(ecdh.getPublicKey(undefined, 'uncompressed'));
        },
      ),
      { numRuns: 20 },
    );
  });

  it.each(['ed25519', 'x25519', 'ed448', 'x448'] as const)(
    '%s: round trips random raw keys',
    (kind) => {
      const length = { ed25519: 32, x25519: 32, ed448: 57, x448: 56 }[kind];
      fc.assert(
        fc.property(fc.uint8Array({ minLength: length, maxLength: length }), (publicKey) => {
          let spki: Uint8Array;
          try {
            spki = publicKeyToSpki({ kind, publicKey });
          } catch (error) {
            // OpenSSL refuses some byte strings (e.g. Ed448 encodings off the curve).
            expect(isProviderError(error) && error.code).toBe('INVALID_INPUT');
            return;
          }
          expect(spkiToRawPublicKey(spki)).toEqual({ kind, publicKey });
          const nodeKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
          expect(b64url(nodeKey.export({ format: 'jwk' }).x)).toEqual(publicKey);
        }),
        { numRuns: 50 },
      );
    },
  );
});

describe('spkiSha256 and publicKeyAliases', () => {
  it.each(SAMPLES)('$label: SHA-256 of the DER, lower-case hex', ({ spki }) => {
    const expected = createHash('sha256').update(spki).digest('hex');
    expect(spkiSha256(spki)).toBe(expected);
    expect(publicKeyAliases(spki).spkiSha256).toBe(expected);
    expect(publicKeyAliases(spki).keygrip).toMatch(/^[0-9A-F]{40}$/);
  });

  it('gives a DSA key its SHA-256 alias but no keygrip', () => {
    const spki = dsaSpki();
    expect(publicKeyAliases(spki)).toEqual({
      spkiSha256: createHash('sha256').update(spki).digest('hex'),
    });
  });
});

describe('errors', () => {
  const valid = ecSample('P-256').spki;

  it.each([
    ['empty input', new Uint8Array(0)],
    ['a lone SEQUENCE tag', Uint8Array.of(0x30)],
    ['an INTEGER', Uint8Array.of(0x02, 0x01, 0x05)],
    ['indefinite length', Uint8Array.of(0x30, 0x80, 0x00, 0x00)],
    ['non-minimal length', Uint8Array.of(0x30, 0x81, 0x01, 0x05)],
    ['trailing bytes', Uint8Array.from([...valid, 0])],
    ['a PKCS#8 private key', pkcs8()],
    ['unused bits in the BIT STRING', withByte(valid, valid.length - 66, 0x01)],
    ['a point off the curve', withByte(valid, valid.length - 1, (valid.at(-1) ?? 0) ^ 1)],
    ['a hybrid (06) point', withByte(valid, valid.length - 65, 0x06)],
  ])('%s → INVALID_INPUT', (_label, input) => {
    expect(errorCode(() => describePublicKey(input))).toBe('INVALID_INPUT');
    expect(errorCode(() => spkiToRawPublicKey(input))).toBe('INVALID_INPUT');
  });

  it('structural garbage also fails spkiSha256 with INVALID_INPUT', () => {
    expect(errorCode(() => spkiSha256(Uint8Array.of(1, 2, 3)))).toBe('INVALID_INPUT');
    expect(errorCode(() => publicKeyAliases(Uint8Array.of(0x30, 0x00)))).toBe('INVALID_INPUT');
  });

  it('a DSA key → UNSUPPORTED', () => {
    const spki = dsaSpki();
    expect(errorCode(() => describePublicKey(spki))).toBe('UNSUPPORTED');
    expect(errorCode(() => spkiToRawPublicKey(spki))).toBe('UNSUPPORTED');
  });

  it.each(['secp224r1', 'prime192v1'])('a key on %s → UNSUPPORTED', (name) => {
    const spki = der(generateKeyPairSync('ec', { namedCurve: name }).publicKey);
    expect(errorCode(() => describePublicKey(spki))).toBe('UNSUPPORTED');
    expect(errorCode(() => computeKeygrip(spki))).toBe('UNSUPPORTED');
  });

  it.each<[string, RawPublicKey]>([
    ['a zero modulus', { kind: 'rsa', n: Uint8Array.of(0, 0), e: Uint8Array.of(1, 0, 1) }],
    ['an empty exponent', { kind: 'rsa', n: Uint8Array.of(0xc5), e: new Uint8Array(0) }],
    ['a short P-256 point', { kind: 'ec', curve: 'P-256', point: new Uint8Array(64).fill(4) }],
    ['a P-384 point on P-256', { kind: 'ec', curve: 'P-256', point: pointOf('P-384') }],
    [
      'a P-256 point off the curve',
      { kind: 'ec', curve: 'P-256', point: withByte(pointOf('P-256'), 64, 0) },
    ],
    ['the point at infinity', { kind: 'ec', curve: 'P-256', point: Uint8Array.of(0) }],
    ['a 31-byte Ed25519 key', { kind: 'ed25519', publicKey: new Uint8Array(31) }],
    ['a 57-byte X448 key', { kind: 'x448', publicKey: new Uint8Array(57) }],
  ])('publicKeyToSpki with %s → INVALID_INPUT', (_label, input) => {
    expect(errorCode(() => publicKeyToSpki(input))).toBe('INVALID_INPUT');
  });

  it('publicKeyToSpki with an unknown curve or kind → UNSUPPORTED', () => {
    const point = pointOf('P-256');
    expect(errorCode(() => publicKeyToSpki({ kind: 'ec', curve: 'P-192' as EcCurve, point }))).toBe(
      'UNSUPPORTED',
    );
    expect(errorCode(() => publicKeyToSpki({ kind: 'dsa' } as unknown as RawPublicKey))).toBe(
      'UNSUPPORTED',
    );
  });

  it('never throws anything but a ProviderError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(['INVALID_INPUT', 'UNSUPPORTED', 'none']).toContain(
          errorCode(() => describePublicKey(bytes)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every truncation and every single-byte change of a valid SPKI with a ProviderError', () => {
    const samples = [valid, rsaSample(1024).spki, okpSample('x448').spki];
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (spki, at, delta) => {
          const offset = at % spki.length;
          expect(errorCode(() => describePublicKey(spki.subarray(0, offset)))).toBe(
            'INVALID_INPUT',
          );
          const changed = withByte(spki, offset, ((spki[offset] ?? 0) + delta) % 256);
          expect(['INVALID_INPUT', 'UNSUPPORTED', 'none']).toContain(
            errorCode(() => describePublicKey(changed)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

function pointOf(curve: EcCurve): Uint8Array {
  const raw = ecSample(curve).raw;
  if (raw.kind !== 'ec') throw new Error('expected an EC key');
  return raw.point;
}

let dsa: Uint8Array | undefined;
function dsaSpki(): Uint8Array {
  dsa ??= der(generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey);
  return dsa;
}

function pkcs8(): Uint8Array {
  return new Uint8Array(
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }),
  );
}

function withByte(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[offset] = value;
  return copy;
}

/** The ProviderError code `fn` throws, `none` when it returns; fails on any other throw. */
function errorCode(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (error) {
    if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
    return error.code;
  }
}
