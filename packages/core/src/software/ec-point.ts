/**
 * Point arithmetic on the short Weierstrass curves of `encoding/ec-curves.ts`, in Jacobian
 * coordinates (x = X/Z², y = Y/Z³; Z = 0 is the point at infinity), with plain bigints.
 *
 * NOT constant-time: running time depends on the scalars. Fine for verification (public data);
 * signing with it leaks timing about the nonce and is meant for reference and test providers.
 */
import { bigIntToBytes, bytesToBigInt } from '../encoding/bytes.js';
import type { EcCurveParameters } from '../encoding/ec-curves.js';

/** A point in affine coordinates; the point at infinity is never represented this way. */
export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

interface JacobianPoint {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

const INFINITY: JacobianPoint = { x: 1n, y: 1n, z: 0n };

/** `value` mod `modulus`, in [0, modulus). */
export function mod(value: bigint, modulus: bigint): bigint {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}

/** The inverse of `value` modulo the prime `modulus` (extended Euclid); throws for 0. */
export function invert(value: bigint, modulus: bigint): bigint {
  let a = mod(value, modulus);
  if (a === 0n) throw new RangeError('0 has no inverse');
  let b = modulus;
  let x0 = 1n;
  let x1 = 0n;
  while (b !== 0n) {
    const q = a / b;
    [a, b] = [b, a - q * b];
    [x0, x1] = [x1, x0 - q * x1];
  }
  return mod(x0, modulus);
}

function powMod(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = mod(base, modulus);
  let e = exponent;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function isOnCurve(curve: EcCurveParameters, x: bigint, y: bigint): boolean {
  const { p, a, b } = curve;
  return mod(y * y - (x * x * x + a * x + b), p) === 0n;
}

/**
 * Decodes an uncompressed (04‖x‖y) or compressed (02/03‖x) point (SEC 1 §2.3.4) and checks
 * that it lies on the curve. Returns `undefined` for anything else, including infinity.
 */
export function decodePoint(curve: EcCurveParameters, bytes: Uint8Array): AffinePoint | undefined {
  const size = curve.fieldBytes;
  const prefix = bytes[0];
  if (prefix === 0x04 && bytes.length === 1 + 2 * size) {
    const x = bytesToBigInt(bytes.subarray(1, 1 + size));
    const y = bytesToBigInt(bytes.subarray(1 + size));
    if (x >= curve.p || y >= curve.p || !isOnCurve(curve, x, y)) return undefined;
    return { x, y };
  }
  if ((prefix === 0x02 || prefix === 0x03) && bytes.length === 1 + size) {
    const x = bytesToBigInt(bytes.subarray(1));
    if (x >= curve.p) return undefined;
    const rhs = mod(x * x * x + curve.a * x + curve.b, curve.p);
    // Every curve here has p ≡ 3 (mod 4), so a square root is rhs^((p+1)/4).
    const root = powMod(rhs, (curve.p + 1n) / 4n, curve.p);
    if ((root * root) % curve.p !== rhs) return undefined;
    // The prefix carries y's parity; root = 0 has no odd twin (p − 0 = p is not a field element).
    const parity = prefix === 0x03 ? 1n : 0n;
    const y = (root & 1n) === parity ? root : curve.p - root;
    if (y === curve.p) return undefined;
    return { x, y };
  }
  return undefined;
}

/** Encodes a point uncompressed: 04‖x‖y. */
export function encodePoint(curve: EcCurveParameters, point: AffinePoint): Uint8Array {
  const out = new Uint8Array(1 + 2 * curve.fieldBytes);
  out[0] = 0x04;
  out.set(bigIntToBytes(point.x, curve.fieldBytes), 1);
  out.set(bigIntToBytes(point.y, curve.fieldBytes), 1 + curve.fieldBytes);
  return out;
}

function double(curve: EcCurveParameters, point: JacobianPoint): JacobianPoint {
  const { p, a } = curve;
  const { x, y, z } = point;
  if (z === 0n || y === 0n) return INFINITY;
  const yy = (y * y) % p;
  const s = (4n * x * yy) % p;
  const zz = (z * z) % p;
  const m = (3n * x * x + a * ((zz * zz) % p)) % p;
  const x3 = mod(m * m - 2n * s, p);
  const y3 = mod(m * (s - x3) - 8n * ((yy * yy) % p), p);
  const z3 = (2n * y * z) % p;
  return { x: x3, y: y3, z: z3 };
}

function add(curve: EcCurveParameters, left: JacobianPoint, right: JacobianPoint): JacobianPoint {
  if (left.z === 0n) return right;
  if (right.z === 0n) return left;
  const { p } = curve;
  const z1z1 = (left.z * left.z) % p;
  const z2z2 = (right.z * right.z) % p;
  const u1 = (left.x * z2z2) % p;
  const u2 = (right.x * z1z1) % p;
  const s1 = (((left.y * right.z) % p) * z2z2) % p;
  const s2 = (((right.y * left.z) % p) * z1z1) % p;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  if (h === 0n) return r === 0n ? double(curve, left) : INFINITY;
  const hh = (h * h) % p;
  const hhh = (hh * h) % p;
  const v = (u1 * hh) % p;
  const x3 = mod(r * r - hhh - 2n * v, p);
  const y3 = mod(r * (v - x3) - s1 * hhh, p);
  const z3 = (((left.z * right.z) % p) * h) % p;
  return { x: x3, y: y3, z: z3 };
}

function toAffine(curve: EcCurveParameters, point: JacobianPoint): AffinePoint | undefined {
  if (point.z === 0n) return undefined;
  const zInv = invert(point.z, curve.p);
  const zInv2 = (zInv * zInv) % curve.p;
  return { x: (point.x * zInv2) % curve.p, y: (((point.y * zInv2) % curve.p) * zInv) % curve.p };
}

function fromAffine(point: AffinePoint): JacobianPoint {
  return { x: point.x, y: point.y, z: 1n };
}

/**
 * Computes u1·G + u2·Q with Shamir's trick (one shared double-and-add pass); `undefined` when
 * the sum is the point at infinity. Scalars must be non-negative.
 */
export function multiplyAndAdd(
  curve: EcCurveParameters,
  u1: bigint,
  u2: bigint,
  q: AffinePoint,
): AffinePoint | undefined {
  const g = fromAffine({ x: curve.gx, y: curve.gy });
  const qj = fromAffine(q);
  const gq = add(curve, g, qj);
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  let acc = INFINITY;
  for (let i = bits - 1; i >= 0; i--) {
    acc = double(curve, acc);
    const bit = BigInt(i);
    const b1 = (u1 >> bit) & 1n;
    const b2 = (u2 >> bit) & 1n;
    if (b1 === 1n && b2 === 1n) acc = add(curve, acc, gq);
    else if (b1 === 1n) acc = add(curve, acc, g);
    else if (b2 === 1n) acc = add(curve, acc, qj);
  }
  return toAffine(curve, acc);
}

/** Computes k·G; `undefined` when k ≡ 0 (mod n). */
export function multiplyBase(curve: EcCurveParameters, k: bigint): AffinePoint | undefined {
  return multiplyAndAdd(curve, mod(k, curve.n), 0n, { x: curve.gx, y: curve.gy });
}
