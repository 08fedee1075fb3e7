// A minimal canonical S-expression reader (`(10:public-key(3:rsa(1:n257:…)))`), enough to take
// apart what gpg-agent's READKEY, PKSIGN and PKDECRYPT return. Strict: any malformed byte throws.

/** An atom (bytes) or a list. */
export type Sexp = Uint8Array | readonly Sexp[];

/**
 * Parses one canonical S-expression at the start of `bytes`.
 *
 * @returns the expression and the offset after it (gpg-agent may append a NUL).
 */
export function parseSexp(bytes: Uint8Array): { value: Sexp; end: number } {
  let offset = 0;
  const readAtom = (): Uint8Array => {
    let length = 0;
    const start = offset;
    while (offset < bytes.length && (bytes[offset] ?? 0) >= 0x30 && (bytes[offset] ?? 0) <= 0x39) {
      length = length * 10 + ((bytes[offset] ?? 0) - 0x30);
      offset++;
    }
    if (offset === start || bytes[offset] !== 0x3a) throw new Error(`bad atom at ${start}`);
    offset++;
    if (offset + length > bytes.length) throw new Error(`atom at ${start} runs past the end`);
    const atom = bytes.slice(offset, offset + length);
    offset += length;
    return atom;
  };
  const readList = (): Sexp[] => {
    if (bytes[offset] !== 0x28) throw new Error(`expected "(" at ${offset}`);
    offset++;
    const items: Sexp[] = [];
    while (bytes[offset] !== 0x29) {
      if (offset >= bytes.length) throw new Error('unterminated list');
      items.push(bytes[offset] === 0x28 ? readList() : readAtom());
    }
    offset++;
    return items;
  };
  const value = readList();
  return { value, end: offset };
}

function text(atom: Sexp | undefined): string | undefined {
  return atom instanceof Uint8Array ? Buffer.from(atom).toString('latin1') : undefined;
}

/** The list whose first atom is `name`, searched depth-first. */
export function findList(sexp: Sexp, name: string): readonly Sexp[] | undefined {
  if (sexp instanceof Uint8Array) return undefined;
  if (text(sexp[0]) === name) return sexp;
  for (const item of sexp) {
    const found = findList(item, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The atom value of `(name value)` somewhere in `sexp`. */
export function atomOf(sexp: Sexp, name: string): Uint8Array {
  const value = findList(sexp, name)?.[1];
  if (!(value instanceof Uint8Array)) throw new Error(`no (${name} …) atom`);
  return value;
}

/** Left-pads an unsigned big-endian integer to `length` bytes (gpg-agent drops leading zeros). */
export function padStart(value: Uint8Array, length: number): Buffer {
  if (value.length > length) throw new Error(`${value.length}-byte value exceeds ${length} bytes`);
  return Buffer.concat([Buffer.alloc(length - value.length), value]);
}
