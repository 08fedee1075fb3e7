/**
 * Unsigned big-endian integers and byte arrays: the conversions DER, keygrips and the bigint
 * curve arithmetic share. Every function is pure.
 */
import { timingSafeEqual } from 'node:crypto';

/** Reads big-endian unsigned bytes as a bigint (empty input is 0). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}

/**
 * Writes `value` as exactly `length` big-endian bytes. Throws a `RangeError` when it does not
 * fit: callers only pass values already reduced below the modulus, so this is a bug guard.
 */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new RangeError('cannot encode a negative integer');
  const hex = value.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new RangeError(`integer does not fit in ${length} bytes`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Number of significant bits of a non-negative bigint (0 for 0). */
export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** The unsigned big-endian value without leading zero bytes (zero becomes an empty array). */
export function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/** Concatenates byte arrays into a new `Uint8Array`. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
