/**
 * Canonical S-expressions as libgcrypt and gpg-agent exchange them (Rivest's draft
 * "S-Expressions", §6.2 canonical representation): a list is `(` elements `)`, an atom is its
 * decimal length, `:` and that many raw bytes, with no whitespace, e.g. `(3:foo4:bars)`.
 * Display hints (`[…]`) are not used by gpg-agent and are rejected.
 *
 * Every function is pure: nothing here opens a socket or starts a process.
 */

/** An atom (its raw bytes) or a list of S-expressions. */
export type Sexp = Uint8Array | readonly Sexp[];

/**
 * A malformed canonical S-expression (or a value that cannot be encoded as one). The message
 * names the problem and the byte offset, never the bytes themselves: S-expressions carry keys,
 * signatures and decrypted values.
 */
export class SexpError extends Error {
  override readonly name = 'SexpError';
}

/** Deepest list nesting accepted: gpg-agent's key and value expressions nest at most 3–4 deep. */
export const MAX_SEXP_DEPTH = 32;

const OPEN = 0x28; // (
const CLOSE = 0x29; // )
const COLON = 0x3a; // :
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const NUL = 0x00;

const textEncoder = new TextEncoder();

/**
 * Parses one canonical S-expression (a list or a single atom) that fills `bytes`.
 *
 * NUL bytes after the expression are ignored: gpg-agent terminates some `PKDECRYPT` results with
 * one. Atoms are returned as copies.
 *
 * @throws SexpError for empty input, a length with leading zeros or longer than the remaining
 *   input, a missing `:` or `)`, a stray `)`, a display hint, lists nested deeper than
 *   {@link MAX_SEXP_DEPTH}, or any byte other than NUL after the expression.
 */
export function parseCanonicalSexp(bytes: Uint8Array): Sexp {
  if (bytes.length === 0) throw new SexpError('empty S-expression');
  const stack: Sexp[][] = [];
  let result: Sexp | undefined;
  let offset = 0;
  while (result === undefined) {
    if (offset >= bytes.length) {
      throw new SexpError(`S-expression ends inside a list (${stack.length} still open)`);
    }
    const byte = bytes[offset] as number;
    let completed: Sexp | undefined;
    if (byte === OPEN) {
      if (stack.length >= MAX_SEXP_DEPTH) {
        throw new SexpError(
          `S-expression nests deeper than ${MAX_SEXP_DEPTH} lists at offset ${offset}`,
        );
      }
      stack.push([]);
      offset += 1;
      continue;
    } else if (byte === CLOSE) {
      const list = stack.pop();
      if (list === undefined) throw new SexpError(`unbalanced ")" at offset ${offset}`);
      offset += 1;
      completed = list;
    } else if (byte >= DIGIT_0 && byte <= DIGIT_9) {
      const [value, next] = readAtom(bytes, offset);
      offset = next;
      completed = value;
    } else {
      throw new SexpError(
        `unexpected byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset}: expected "(", ")" or an atom length`,
      );
    }
    const parent = stack.at(-1);
    if (parent === undefined) result = completed;
    else parent.push(completed);
  }
  for (let i = offset; i < bytes.length; i++) {
    if (bytes[i] !== NUL) {
      throw new SexpError(
        `${bytes.length - offset} bytes after the S-expression (offset ${offset}); only NUL padding may follow`,
      );
    }
  }
  return result;
}

// atom = decimal length (no leading zeros, "0" alone is fine) ":" bytes
function readAtom(bytes: Uint8Array, start: number): [Uint8Array, number] {
  const remaining = bytes.length - start;
  let length = 0;
  let offset = start;
  for (;;) {
    const byte = bytes[offset];
    if (byte === undefined) throw new SexpError(`atom length at offset ${start} has no ":"`);
    if (byte === COLON) break;
    if (byte < DIGIT_0 || byte > DIGIT_9) {
      throw new SexpError(`atom length at offset ${start} contains a non-digit`);
    }
    if (offset > start && bytes[start] === DIGIT_0) {
      throw new SexpError(`atom length at offset ${start} has a leading zero`);
    }
    length = length * 10 + (byte - DIGIT_0);
    // Checked per digit, so a length of any number of digits cannot overflow.
    if (length > remaining) {
      throw new SexpError(`atom at offset ${start} claims more bytes than the input holds`);
    }
    offset += 1;
  }
  const dataStart = offset + 1;
  const end = dataStart + length;
  if (end > bytes.length) {
    throw new SexpError(
      `atom at offset ${start} claims ${length} bytes; ${bytes.length - dataStart} remain`,
    );
  }
  return [bytes.slice(dataStart, end), end];
}

/**
 * Encodes a value as a canonical S-expression.
 *
 * @throws SexpError when an element is neither a `Uint8Array` nor an array, or lists nest deeper
 *   than {@link MAX_SEXP_DEPTH} (which also stops cyclic arrays).
 */
export function encodeCanonicalSexp(value: Sexp): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (part: Uint8Array): void => {
    parts.push(part);
    total += part.length;
  };
  const visit = (node: Sexp, depth: number): void => {
    if (node instanceof Uint8Array) {
      push(textEncoder.encode(`${node.length}:`));
      push(node);
      return;
    }
    if (!Array.isArray(node))
      throw new SexpError('an S-expression element must be a Uint8Array or an array');
    if (depth >= MAX_SEXP_DEPTH) {
      throw new SexpError(`S-expression nests deeper than ${MAX_SEXP_DEPTH} lists`);
    }
    push(Uint8Array.of(OPEN));
    for (const child of node as readonly Sexp[]) visit(child, depth + 1);
    push(Uint8Array.of(CLOSE));
  };
  visit(value, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * An atom: a string as its UTF-8 bytes (gpg-agent's names are ASCII), or a copy of the given
 * bytes. Throws nothing.
 */
export function atom(text: string | Uint8Array): Uint8Array {
  return typeof text === 'string' ? textEncoder.encode(text) : new Uint8Array(text);
}

/** True when `value` is an atom whose bytes equal the UTF-8 encoding of `name`. */
export function isAtom(value: Sexp | undefined, name: string): value is Uint8Array {
  if (!(value instanceof Uint8Array)) return false;
  const expected = textEncoder.encode(name);
  return value.length === expected.length && value.every((byte, i) => byte === expected[i]);
}

/**
 * The first list, depth-first and pre-order (the value itself first), whose first element is the
 * atom `name`; undefined when there is none. Throws nothing.
 */
export function findList(value: Sexp, name: string): readonly Sexp[] | undefined {
  if (value instanceof Uint8Array) return undefined;
  if (isAtom(value[0], name)) return value;
  for (const child of value) {
    const found = findList(child, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The atom after `name` in the first direct element of `list` that is a sublist `(name value …)`;
 * undefined when there is no such sublist or its second element is not an atom. Throws nothing.
 */
export function listValue(list: readonly Sexp[], name: string): Uint8Array | undefined {
  for (const child of list) {
    if (child instanceof Uint8Array || !isAtom(child[0], name)) continue;
    const value = child[1];
    return value instanceof Uint8Array ? value : undefined;
  }
  return undefined;
}
