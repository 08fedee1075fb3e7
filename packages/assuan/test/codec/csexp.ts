/**
 * A strict reader for canonical S-expressions (`(3:abc(1:x2:yz))`), the format of gpg-agent's
 * READKEY/PKSIGN/PKDECRYPT data. Test support only: if the Assuan layer dropped or mangled a single
 * byte, the length prefixes stop adding up and this throws.
 */

/** An atom (bytes) or a list. */
export type Sexp = Uint8Array | readonly Sexp[];

/**
 * Parses one canonical S-expression starting at `offset`.
 *
 * @returns the expression and the offset after it.
 * @throws Error on any deviation from the canonical encoding.
 */
export function parseCanonicalSexp(bytes: Uint8Array, offset = 0): { value: Sexp; end: number } {
  const byte = bytes[offset];
  if (byte === 0x28 /* ( */) {
    const items: Sexp[] = [];
    let i = offset + 1;
    while (bytes[i] !== 0x29 /* ) */) {
      if (i >= bytes.length) throw new Error(`unterminated list starting at ${offset}`);
      const { value, end } = parseCanonicalSexp(bytes, i);
      items.push(value);
      i = end;
    }
    return { value: items, end: i + 1 };
  }
  let length = 0;
  let i = offset;
  while (i < bytes.length && (bytes[i] ?? 0) >= 0x30 && (bytes[i] ?? 0) <= 0x39) {
    length = length * 10 + ((bytes[i] ?? 0) - 0x30);
    i++;
  }
  if (i === offset || bytes[i] !== 0x3a /* : */) {
    throw new Error(`expected an atom length at ${offset}`);
  }
  const start = i + 1;
  if (start + length > bytes.length) throw new Error(`atom at ${offset} runs past the end`);
  return { value: bytes.slice(start, start + length), end: start + length };
}

/** Parses a whole buffer that holds exactly one expression (optionally followed by NULs). */
export function parseWholeSexp(bytes: Uint8Array): Sexp {
  const { value, end } = parseCanonicalSexp(bytes);
  for (let i = end; i < bytes.length; i++) {
    if (bytes[i] !== 0) throw new Error(`trailing bytes after the S-expression at ${end}`);
  }
  return value;
}

function atomText(sexp: Sexp | undefined): string | undefined {
  return sexp instanceof Uint8Array ? new TextDecoder('latin1').decode(sexp) : undefined;
}

/** Finds the first list (depth-first) whose head atom is `name`. */
export function findList(sexp: Sexp, name: string): readonly Sexp[] | undefined {
  if (sexp instanceof Uint8Array) return undefined;
  if (atomText(sexp[0]) === name) return sexp;
  for (const item of sexp) {
    const found = findList(item, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The atom value of the `(name value)` list found by {@link findList}. */
export function findAtom(sexp: Sexp, name: string): Uint8Array {
  const list = findList(sexp, name);
  const value = list?.[1];
  if (!(value instanceof Uint8Array)) throw new Error(`no (${name} <atom>) in the S-expression`);
  return value;
}

/** Unsigned big-endian bytes to a bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A bigint to `length` unsigned big-endian bytes. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new Error(`value does not fit ${length} bytes`);
  return out;
}

/** `base ** exponent % modulus` by square-and-multiply. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}
