/**
 * The `enc-val` S-expressions gpg-agent's `PKDECRYPT` inquires as `CIPHERTEXT`, and its answer
 * `(value …)`. Pure.
 *
 * Checked against gpg-agent 2.2.40 / libgcrypt 1.10.1:
 * - RSA `a` is read as an unsigned integer: with or without leading zeros, with or without a 00
 *   before a set top bit, all decrypt alike. We send what gpg sends (`%m`, libgcrypt's signed
 *   format): leading zeros dropped, a 00 added when the top bit is set.
 * - ECDH needs only `e` (the ephemeral point). gpg also sends `s` (the wrapped session key) and
 *   the agent ignores it; an empty `s` is refused ("Invalid data"), a one-byte one is fine. We
 *   send `(s 00)` so the expression has the shape gpg's has.
 * - The answer is `(5:value<n>:…)`; for RSA it is followed by a NUL. RSA values are the raw
 *   m = c^d mod n in the same signed format (so 00 ‖ … when the top bit is set, and shorter than
 *   the modulus when it starts with zero bytes): the padding is still on. ECDH values are the
 *   shared point: 0x40 ‖ u for Curve25519, 04 ‖ x ‖ y for Weierstrass curves.
 */
import { ErrorCode, ProviderError } from '@keyroute/core';
import type { EcCurve } from '@keyroute/core';
import { SexpError, atom, encodeCanonicalSexp, findList, parseCanonicalSexp } from './canonical.js';
import { EC_FIELD_BYTES, SEXP_PROVIDER, protocolError } from './curves.js';

const NATIVE_POINT_PREFIX = 0x40;
const UNCOMPRESSED_POINT = 0x04;

/**
 * `(enc-val(rsa(a <ciphertext>)))` for `PKDECRYPT` with an RSA key. The ciphertext is an unsigned
 * big-endian integer; it is written as gpg writes it (see the module comment).
 *
 * @throws ProviderError `INVALID_INPUT` when `ciphertext` is empty or all zeros.
 */
export function rsaCiphertextSexp(ciphertext: Uint8Array): Uint8Array {
  let start = 0;
  while (start < ciphertext.length && ciphertext[start] === 0) start++;
  if (start === ciphertext.length) {
    throw new ProviderError(ErrorCode.INVALID_INPUT, 'the RSA ciphertext is empty or zero', {
      provider: SEXP_PROVIDER,
    });
  }
  const magnitude = ciphertext.subarray(start);
  const a =
    ((magnitude[0] as number) & 0x80) === 0 ? magnitude : concat(Uint8Array.of(0), magnitude);
  return encodeCanonicalSexp([atom('enc-val'), [atom('rsa'), [atom('a'), a]]]);
}

/**
 * `(enc-val(ecdh(s 00)(e <point>)))` for `PKDECRYPT` with an ECDH key (see the module comment for
 * why `s` is a placeholder). `ephemeralPoint` is the sender's public point in gpg's format:
 * `0x40 ‖ u` (33 bytes) for Curve25519, `04 ‖ x ‖ y` for NIST and brainpool curves. It is not
 * checked here: the agent refuses a point that is not on the key's curve.
 *
 * @throws ProviderError `INVALID_INPUT` when `ephemeralPoint` is empty.
 */
export function ecdhCiphertextSexp(ephemeralPoint: Uint8Array): Uint8Array {
  if (ephemeralPoint.length === 0) {
    throw new ProviderError(ErrorCode.INVALID_INPUT, 'the ECDH ephemeral point is empty', {
      provider: SEXP_PROVIDER,
    });
  }
  return encodeCanonicalSexp([
    atom('enc-val'),
    [atom('ecdh'), [atom('s'), Uint8Array.of(0)], [atom('e'), atom(ephemeralPoint)]],
  ]);
}

/**
 * The bytes of a `PKDECRYPT` result `(value …)`, also when that list sits inside another one
 * next to hints such as `(padding …)`; trailing NULs are ignored. The result is secret (padded
 * plaintext or shared point): it never appears in an error message.
 *
 * @throws ProviderError `PROTOCOL` when the bytes are malformed or hold no `(value <atom>)`.
 */
export function decodeDecryptedValue(bytes: Uint8Array): Uint8Array {
  let root;
  try {
    root = parseCanonicalSexp(bytes);
  } catch (error) {
    if (error instanceof SexpError) {
      throw protocolError(`gpg-agent sent a malformed decryption result: ${error.message}`, error);
    }
    throw error;
  }
  const list = findList(root, 'value');
  const value = list?.[1];
  if (list?.length !== 2 || !(value instanceof Uint8Array)) {
    throw protocolError('gpg-agent sent a decryption result without a (value …) atom');
  }
  return value;
}

/**
 * The ECDH shared secret in a decrypted `value` (see {@link decodeDecryptedValue}):
 *
 * - `x25519`: `0x40 ‖ u` → the 32-byte u-coordinate (what node's `diffieHellman` returns); a bare
 *   32-byte value is accepted too;
 * - Weierstrass curves: `04 ‖ x ‖ y` → `x`, the field size in bytes (SEC 1 §3.3.1, what
 *   `ECDH.computeSecret` returns).
 *
 * @throws ProviderError `PROTOCOL` when `value` has another shape or length.
 */
export function ecdhSharedSecret(value: Uint8Array, curve: 'x25519' | EcCurve): Uint8Array {
  if (curve === 'x25519') {
    if (value.length === 33 && value[0] === NATIVE_POINT_PREFIX) return value.slice(1);
    if (value.length === 32) return value.slice();
    throw protocolError(
      `gpg-agent sent a ${value.length}-byte Curve25519 shared point; expected 0x40 ‖ 32 bytes`,
    );
  }
  const size = (EC_FIELD_BYTES as Partial<Record<string, number>>)[curve];
  if (size === undefined) {
    throw new ProviderError(ErrorCode.UNSUPPORTED, `ECDH on curve ${curve} is not supported`, {
      provider: SEXP_PROVIDER,
    });
  }
  if (value.length !== 1 + 2 * size || value[0] !== UNCOMPRESSED_POINT) {
    throw protocolError(
      `gpg-agent sent a ${value.length}-byte ${curve} shared point; expected 04 ‖ x ‖ y (${1 + 2 * size} bytes)`,
    );
  }
  return value.slice(1, 1 + size);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
