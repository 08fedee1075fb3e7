import { createECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EC_CURVES } from '../../src/contract/algorithms.js';
import type { KeyAlgorithm } from '../../src/contract/algorithms.js';
import { hasErrorCode } from '../../src/contract/errors.js';
import { GRIP_CURVES } from '../../src/identity/keygrip-curves.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import {
  computeKeygrip,
  describePublicKey,
  publicKeyAliases,
  spkiSha256,
} from '../../src/identity/index.js';

interface FixtureKey {
  readonly name: string;
  readonly algorithm: KeyAlgorithm;
  readonly source: string;
  readonly spki: string;
  readonly keygrip: string;
}

// Recorded by test/fixtures/identity/regenerate.mjs from gpg 2.2 and libgcrypt 1.10.
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/identity/keygrips.json', import.meta.url), 'utf8'),
) as { readonly keys: readonly FixtureKey[] };
const keys = fixture.keys.map((key) => ({
  ...key,
  der: new Uint8Array(Buffer.from(key.spki, 'base64')),
}));

describe('computeKeygrip against the recorded gpg/libgcrypt keygrips', () => {
  it('covers every algorithm and curve of the contract', () => {
    const kinds = new Set(keys.map((key) => key.algorithm.kind));
    expect([...kinds].sort()).toEqual(['ec', 'ed25519', 'ed448', 'rsa', 'x25519', 'x448']);
    const curves = new Set(
      keys.flatMap((key) => (key.algorithm.kind === 'ec' ? [key.algorithm.curve] : [])),
    );
    expect([...curves].sort()).toEqual([...EC_CURVES].sort());
  });

  it.each(keys)('$name ($source)', ({ der, algorithm, keygrip }) => {
    expect(keygrip).toMatch(/^[0-9A-F]{40}$/);
    expect(describePublicKey(der)).toEqual(algorithm);
    expect(computeKeygrip(der)).toBe(keygrip);
    expect(publicKeyAliases(der)).toEqual({ spkiSha256: spkiSha256(der), keygrip });
  });

  it('changes when one bit of the key changes', () => {
    // The last byte of an Ed25519 SPKI is the key's last byte; any 32 bytes are accepted.
    const key = keys.find((k) => k.algorithm.kind === 'ed25519');
    if (!key) throw new Error('fixture has no Ed25519 key');
    const flipped = Uint8Array.from(key.der);
    flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
    expect(computeKeygrip(flipped)).not.toBe(key.keygrip);
  });

  it('throws INVALID_INPUT for bytes that are not an SPKI', () => {
    const error = catchError(() => computeKeygrip(Uint8Array.of(0x30, 0x03, 0x02, 0x01)));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
  });
});

describe("libgcrypt's curve table as keyroute copied it", () => {
  // Independent check of the hex constants: OpenSSL derives G = 1·G and −G = (n−1)·G.
  it.each(EC_CURVES)('%s: p, n, G agree with OpenSSL and G is on y² = x³ + ax + b', (curve) => {
    const { p, a, b, n, gx, gy } = GRIP_CURVES[curve];
    const { opensslName, fieldBytes } = EC_CURVE_PARAMETERS[curve];
    const pad = (value: bigint): string => value.toString(16).padStart(fieldBytes * 2, '0');
    const pointOf = (scalar: bigint): string => {
      const party = createECDH(opensslName);
      party.setPrivateKey(Buffer.from(pad(scalar), 'hex'));
      return party.getPublicKey('hex', 'uncompressed');
    };
    const [P, A, B, N, X, Y] = [p, a, b, n, gx, gy].map((hex) => BigInt(`0x${hex}`)) as [
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    expect(pointOf(1n)).toBe(`04${pad(X)}${pad(Y)}`);
    expect(pointOf(N - 1n)).toBe(`04${pad(X)}${pad(P - Y)}`);
    const mod = (v: bigint): bigint => ((v % P) + P) % P;
    expect(mod(Y * Y)).toBe(mod(X * X * X + A * X + B));
  });
});

describe("libgcrypt's Edwards and Montgomery curves as keyroute copied them", () => {
  const big = (hex: string): bigint => BigInt(`0x${hex}`);
  const onCurve = (
    name: 'Ed25519' | 'Ed448' | 'Curve25519' | 'X448',
    equation: (x: bigint, y: bigint, a: bigint, b: bigint) => [bigint, bigint],
  ): void => {
    const { p, a, b, gx, gy } = GRIP_CURVES[name];
    const P = big(p);
    const [left, right] = equation(big(gx), big(gy), big(a), big(b));
    expect(((left % P) + P) % P).toBe(((right % P) + P) % P);
  };

  it('Ed25519: −x² + y² = 1 + d·x²·y², with a and b the magnitudes of −1 and −(p − d)', () => {
    // libgcrypt hashes |a| = 1 and |b| = p − d.
    const P = big(GRIP_CURVES.Ed25519.p);
    onCurve('Ed25519', (x, y, _a, b) => [-(x * x) + y * y, 1n + (P - b) * x * x * y * y]);
  });

  it('Ed448: x² + y² = 1 + d·x²·y², with b = d = −39081 mod p', () => {
    const P = big(GRIP_CURVES.Ed448.p);
    expect(big(GRIP_CURVES.Ed448.b)).toBe(P - 39081n);
    onCurve('Ed448', (x, y, _a, b) => [x * x + y * y, 1n + b * x * x * y * y]);
  });

  it.each([
    ['Curve25519', 486662n],
    ['X448', 156326n],
  ] as const)('%s: y² = x³ + A·x² + x, with a = (A − 2) / 4 and b = 1', (name, A) => {
    expect(big(GRIP_CURVES[name].a)).toBe((A - 2n) / 4n);
    expect(big(GRIP_CURVES[name].b)).toBe(1n);
    onCurve(name, (x, y) => [y * y, x * x * x + A * x * x + x]);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
