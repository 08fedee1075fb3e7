/**
 * The little of ASN.1 DER that ECDSA signatures and SEC 1 private keys need (X.690 §8, §10).
 * Every function is pure; the reader is strict (definite, minimal lengths) and returns
 * `undefined` instead of throwing, so callers choose the error.
 */

/** ASN.1 universal tags used here. */
export const DerTag = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  SEQUENCE: 0x30,
} as const;

/** One tag-length-value element found in a buffer. */
export interface DerElement {
  readonly tag: number;
  /** The contents octets. */
  readonly value: Uint8Array;
  /** Offset of the byte after this element. */
  readonly end: number;
}

/** Reads the element at `offset`; `undefined` if it is truncated or not minimally encoded. */
export function readDerElement(bytes: Uint8Array, offset = 0): DerElement | undefined {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  // Only single-byte tags occur in the structures read here.
  if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) return undefined;
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = offset + 2;
  } else {
    const count = first & 0x7f;
    // 0x80 is the indefinite form (BER only); more than 3 length bytes is far beyond any key.
    if (count === 0 || count > 3) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = bytes[offset + 2 + i];
      if (byte === undefined) return undefined;
      length = length * 256 + byte;
    }
    // DER: the long form only when needed, without leading zero bytes (X.690 §10.1).
    if (length < 0x80 || bytes[offset + 2] === 0) return undefined;
    start = offset + 2 + count;
  }
  const end = start + length;
  if (end > bytes.length) return undefined;
  return { tag, value: bytes.subarray(start, end), end };
}

/** Reads all elements that make up `bytes` (the contents of a SEQUENCE); `undefined` if any is bad. */
export function readDerSequence(bytes: Uint8Array): DerElement[] | undefined {
  const elements: DerElement[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const element = readDerElement(bytes, offset);
    if (element === undefined) return undefined;
    elements.push(element);
    offset = element.end;
  }
  return elements;
}

/** Reads exactly one element spanning all of `bytes` with the expected tag. */
export function readWholeDerElement(bytes: Uint8Array, tag: number): Uint8Array | undefined {
  const element = readDerElement(bytes);
  if (element?.tag !== tag || element.end !== bytes.length) return undefined;
  return element.value;
}

/**
 * Returns the magnitude bytes of a DER INTEGER's contents when it is non-negative and minimally
 * encoded (X.690 §8.3.2), without the 0x00 sign byte; `undefined` otherwise.
 */
export function unsignedIntegerBytes(contents: Uint8Array): Uint8Array | undefined {
  const first = contents[0];
  if (first === undefined || (first & 0x80) !== 0) return undefined;
  if (contents.length === 1) return contents;
  const second = contents[1] ?? 0;
  if (first === 0 && (second & 0x80) === 0) return undefined;
  return first === 0 ? contents.subarray(1) : contents;
}

/** Encodes one element with a definite, minimal length. */
export function encodeDerElement(tag: number, value: Uint8Array): Uint8Array {
  const length = value.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else if (length < 0x100) header = [tag, 0x81, length];
  else if (length < 0x10000) header = [tag, 0x82, length >> 8, length & 0xff];
  else throw new RangeError('DER element too long');
  const out = new Uint8Array(header.length + length);
  out.set(header);
  out.set(value, header.length);
  return out;
}

/** Encodes unsigned big-endian magnitude bytes as a minimal DER INTEGER. */
export function encodeDerUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let digits = magnitude.subarray(start);
  if (digits.length === 0) digits = new Uint8Array(1);
  const needsSignByte = ((digits[0] ?? 0) & 0x80) !== 0;
  const contents = new Uint8Array(digits.length + (needsSignByte ? 1 : 0));
  contents.set(digits, needsSignByte ? 1 : 0);
  return encodeDerElement(DerTag.INTEGER, contents);
}
