/**
 * The few DER pieces needed to turn PKCS#11 public-key attributes into a SubjectPublicKeyInfo:
 * lengths, SEQUENCE, BIT STRING and reading the OCTET STRING that wraps `CKA_EC_POINT`. Pure.
 */

const OCTET_STRING = 0x04;

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Encodes one element: tag, length, the concatenated parts. */
export function derElement(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  return Buffer.concat([Uint8Array.of(tag), encodeLength(length), ...parts]);
}

/** Encodes a BIT STRING with no unused bits. */
export function derBitString(bytes: Uint8Array): Uint8Array {
  return derElement(0x03, Uint8Array.of(0), bytes);
}

/**
 * Unwraps a DER OCTET STRING when `value` is exactly one (PKCS#11 says `CKA_EC_POINT` is one;
 * some modules store the bare point). Returns `value` unchanged otherwise.
 */
export function unwrapOctetString(value: Uint8Array): Uint8Array {
  if (value.length < 2 || value[0] !== OCTET_STRING) return value;
  const first = value[1] ?? 0;
  let offset = 2;
  let length = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || value.length < 2 + count) return value;
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + (value[2 + index] ?? 0);
    offset = 2 + count;
  }
  return offset + length === value.length ? value.subarray(offset) : value;
}
