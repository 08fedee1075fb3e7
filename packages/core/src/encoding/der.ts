/**
 * The little of ASN.1 DER (ITU-T X.690) that keyroute reads and writes: SubjectPublicKeyInfo,
 * ECDSA `Ecdsa-Sig-Value` and SEC 1 `ECPrivateKey`. Definite-length TLVs with one-byte tags,
 * OBJECT IDENTIFIER, INTEGER, BIT STRING and OCTET STRING. Every function is pure.
 *
 * The reader is strict DER: minimal length octets, no indefinite length, no trailing bytes
 * where a caller asks for a whole value. It throws {@link DerError}; callers map that to their
 * own error with {@link mapDerError}.
 */
import { concatBytes, stripLeadingZeros } from './bytes.js';

/** Universal tags used here (X.690 §8, X.680 §8.6). */
export const DerTag = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  SEQUENCE: 0x30,
} as const;

/** Malformed DER. Internal: the public functions wrap it in a ProviderError. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/**
 * Runs `decode` and throws `toError(error)` in place of any {@link DerError} it throws; other
 * errors pass through unchanged.
 */
export function mapDerError<T>(decode: () => T, toError: (error: DerError) => Error): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DerError) throw toError(error);
    throw error;
  }
}

/** One decoded TLV: its tag, its content octets and where the next TLV starts. */
export interface DerElement {
  readonly tag: number;
  readonly content: Uint8Array;
  readonly end: number;
}

// Lengths above 2^32 cannot occur in a key or signature; refusing them keeps the arithmetic exact.
const MAX_LENGTH_OCTETS = 4;

/** Reads the TLV that starts at `offset`. Throws {@link DerError} when it is malformed. */
export function readElement(bytes: Uint8Array, offset: number): DerElement {
  const tag = bytes[offset];
  if (tag === undefined) throw new DerError(`expected a DER element at offset ${offset}`);
  // High-tag-number form (X.690 §8.1.2.4) never occurs in the structures read here.
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at offset ${offset}`);
  const first = bytes[offset + 1];
  if (first === undefined) throw new DerError(`truncated length at offset ${offset + 1}`);
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = offset + 2;
  } else {
    const count = first & 0x7f;
    // 0x80 is the indefinite form (BER only); more than 4 octets is absurd here.
    if (count === 0 || count > MAX_LENGTH_OCTETS) {
      throw new DerError(`unsupported length form 0x${first.toString(16)} at offset ${offset + 1}`);
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      const octet = bytes[offset + 2 + i];
      if (octet === undefined) throw new DerError(`truncated length at offset ${offset + 2 + i}`);
      length = length * 256 + octet;
    }
    // X.690 §10.1: the definite form must use the minimum number of octets.
    if (length < 0x80 || (count > 1 && bytes[offset + 2] === 0)) {
      throw new DerError(`non-minimal length at offset ${offset + 1}`);
    }
    start = offset + 2 + count;
  }
  const end = start + length;
  if (end > bytes.length) {
    throw new DerError(
      `element at offset ${offset} claims ${length} bytes, ${bytes.length - start} left`,
    );
  }
  return { tag, content: bytes.subarray(start, end), end };
}

/** Reads the TLV at `offset` and checks its tag. */
export function expectElement(
  bytes: Uint8Array,
  offset: number,
  tag: number,
  what: string,
): DerElement {
  const element = readElement(bytes, offset);
  if (element.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${hex2(tag)}, found 0x${hex2(element.tag)}`);
  }
  return element;
}

/** Reads one element with tag `tag` that spans all of `bytes`, with nothing after it. */
export function readWholeElement(bytes: Uint8Array, tag: number, what: string): DerElement {
  const element = expectElement(bytes, 0, tag, what);
  if (element.end !== bytes.length) {
    throw new DerError(`${what}: ${bytes.length - element.end} trailing bytes`);
  }
  return element;
}

/** Splits the content of a constructed value (a SEQUENCE) into its elements. */
export function readChildren(content: Uint8Array): DerElement[] {
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < content.length) {
    const child = readElement(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Decodes OBJECT IDENTIFIER content octets to dotted form (X.690 §8.19). */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  let fresh = true;
  for (const octet of content) {
    // A subidentifier must not start with 0x80 (non-minimal).
    if (fresh && octet === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    value = value * 128 + (octet & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128)
      throw new DerError('OBJECT IDENTIFIER arc too large');
    fresh = (octet & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0;
    }
  }
  if (!fresh) throw new DerError('truncated OBJECT IDENTIFIER');
  const head = arcs[0] ?? 0;
  const first = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [first, head - first * 40, ...arcs.slice(1)].join('.');
}

/** Encodes a dotted OBJECT IDENTIFIER as a whole TLV. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const octets: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      groups.unshift((v & 0x7f) | 0x80);
    octets.push(...groups);
  }
  return encodeElement(DerTag.OBJECT_IDENTIFIER, Uint8Array.from(octets));
}

/** Encodes a TLV with a definite, minimal length. */
export function encodeElement(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header = [tag];
  if (length < 0x80) {
    header.push(length);
  } else {
    const octets: number[] = [];
    for (let v = length; v > 0; v = Math.floor(v / 256)) octets.unshift(v & 0xff);
    header.push(0x80 | octets.length, ...octets);
  }
  return concatBytes(Uint8Array.from(header), ...parts);
}

/** Encodes a non-negative integer given as unsigned big-endian bytes (leading zeros allowed). */
export function encodeUnsignedInteger(unsigned: Uint8Array): Uint8Array {
  return encodeElement(DerTag.INTEGER, toPositiveTwosComplement(unsigned));
}

/**
 * Reads INTEGER content that must be non-negative and minimally encoded (X.690 §8.3.2), and
 * returns its unsigned big-endian magnitude without leading zeros (zero is empty).
 */
export function decodeUnsignedInteger(content: Uint8Array, what: string): Uint8Array {
  const [first, second] = content;
  if (first === undefined) throw new DerError(`${what}: empty INTEGER`);
  if (first >= 0x80) throw new DerError(`${what}: negative INTEGER`);
  if (first === 0 && second !== undefined && second < 0x80) {
    throw new DerError(`${what}: non-minimal INTEGER`);
  }
  return stripLeadingZeros(content);
}

/**
 * Minimal two's-complement bytes of a non-negative number: the magnitude, with a 0x00 prefix
 * when its top bit is set. This is both DER INTEGER content and libgcrypt's `%m` encoding.
 */
export function toPositiveTwosComplement(unsigned: Uint8Array): Uint8Array {
  const magnitude = stripLeadingZeros(unsigned);
  const top = magnitude[0];
  if (top === undefined) return Uint8Array.of(0);
  if (top < 0x80) return magnitude;
  const out = new Uint8Array(magnitude.length + 1);
  out.set(magnitude, 1);
  return out;
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
