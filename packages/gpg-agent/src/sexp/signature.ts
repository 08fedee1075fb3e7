/**
 * gpg-agent's `PKSIGN` answer (a libgcrypt `sig-val` S-expression) to a raw signature. Pure.
 */
import { ecdsaP1363ToDer } from '@keyroute/core';
import type { KeyAlgorithm } from '@keyroute/core';
import { SexpError, isAtom, listValue, parseCanonicalSexp } from './canonical.js';
import type { Sexp } from './canonical.js';
import { EC_FIELD_BYTES, OKP_BYTES, padUnsigned, protocolError } from './curves.js';

/**
 * Decodes a `PKSIGN` result for a key of `algorithm`:
 *
 * - `(sig-val(rsa(s …)))` → `s` left-padded to the modulus length (libgcrypt drops leading
 *   zero bytes, or adds a 00 when the top bit is set);
 * - `(sig-val(ecdsa(r …)(s …)))` → `r ‖ s`, each padded to the curve's size (IEEE P1363), or
 *   DER `Ecdsa-Sig-Value` when `encoding` is `'der'`;
 * - `(sig-val(eddsa(r …)(s …)))` → `r ‖ s` (64 bytes for Ed25519, 114 for Ed448).
 *
 * A NUL after the expression is ignored; a `(flags …)` list inside `sig-val` is skipped.
 * Synchronous; takes no signal.
 *
 * @throws ProviderError `PROTOCOL` for anything else: malformed bytes, another algorithm than
 *   the key's, a missing or over-long value, or a key kind that cannot sign (X25519, X448).
 */
export function decodeSignatureSexp(
  bytes: Uint8Array,
  algorithm: KeyAlgorithm,
  encoding: 'p1363' | 'der' = 'p1363',
): Uint8Array {
  let root: Sexp;
  try {
    root = parseCanonicalSexp(bytes);
  } catch (error) {
    if (error instanceof SexpError) {
      throw protocolError(`gpg-agent sent a malformed signature: ${error.message}`, error);
    }
    throw error;
  }
  if (root instanceof Uint8Array || !isAtom(root[0], 'sig-val')) {
    throw protocolError('gpg-agent sent no (sig-val …) S-expression');
  }
  switch (algorithm.kind) {
    case 'rsa':
      return value(root, 'rsa', 's', Math.ceil(algorithm.bits / 8));
    case 'ec': {
      const size = EC_FIELD_BYTES[algorithm.curve];
      const r = value(root, 'ecdsa', 'r', size);
      const s = value(root, 'ecdsa', 's', size);
      const p1363 = concat(r, s);
      return encoding === 'der' ? ecdsaP1363ToDer(p1363) : p1363;
    }
    case 'ed25519':
    case 'ed448': {
      const size = OKP_BYTES[algorithm.kind];
      return concat(value(root, 'eddsa', 'r', size), value(root, 'eddsa', 's', size));
    }
    default:
      throw protocolError(
        `gpg-agent sent a signature for a ${algorithm.kind} key, which cannot sign`,
      );
  }
}

// The atom `(name value)` inside `(sig-val … (scheme …))`, as an unsigned integer of `size` bytes.
function value(root: readonly Sexp[], scheme: string, name: string, size: number): Uint8Array {
  const list = root
    .slice(1)
    .find((child) => !(child instanceof Uint8Array) && isAtom(child[0], scheme));
  if (list === undefined || list instanceof Uint8Array) {
    throw protocolError(
      `gpg-agent sent a sig-val without a (${scheme} …) list, which this key needs`,
    );
  }
  const raw = listValue(list, name);
  if (raw === undefined) throw protocolError(`the ${scheme} signature has no ${name} value`);
  const padded = padUnsigned(raw, size);
  if (padded === undefined) {
    throw protocolError(
      `the ${scheme} signature's ${name} has ${raw.length} bytes; at most ${size} fit the key`,
    );
  }
  return padded;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
