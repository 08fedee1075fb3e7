/**
 * gpg-agent's `READKEY` answer (a libgcrypt public-key S-expression) to a DER
 * SubjectPublicKeyInfo. Pure.
 */
import { ErrorCode, ProviderError, isProviderError, publicKeyToSpki } from '@keyroute/core';
import type { RawPublicKey } from '@keyroute/core';
import { SexpError, isAtom, listValue, parseCanonicalSexp } from './canonical.js';
import type { Sexp } from './canonical.js';
import { OKP_BYTES, SEXP_PROVIDER, curveByGcryptName, protocolError } from './curves.js';

// OpenPGP/libgcrypt prefix of a native (non-SEC 1) point: Ed25519/X25519 keys are 0x40 ‖ key.
const NATIVE_POINT_PREFIX = 0x40;

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Converts a `READKEY` result to a DER SubjectPublicKeyInfo built with core's `publicKeyToSpki`:
 *
 * - `(public-key(rsa(n …)(e …)))` — `n` may carry a leading 00 (libgcrypt's signed format);
 * - `(public-key(ecc(curve <name>)(q <04‖x‖y or 02/03‖x>)))` for NIST (`NIST P-256`, `nistp256`,
 *   OIDs, …), brainpool and secp256k1 curves;
 * - `(public-key(ecc(curve Ed25519)(flags eddsa)(q 40‖key)))` and
 *   `(public-key(ecc(curve Curve25519)(flags djb-tweak)(q 40‖key)))` (also Ed448 and X448): the
 *   0x40 prefix is dropped; the remaining bytes are the RFC 8032/7748 key, exactly what an SPKI
 *   holds.
 *
 * A NUL after the expression is ignored. Synchronous; takes no signal.
 *
 * @throws ProviderError `UNSUPPORTED` for another algorithm (DSA, Elgamal) or an unknown curve.
 * @throws ProviderError `PROTOCOL` when the bytes are not such an S-expression, a parameter is
 *   missing, or the key is invalid (wrong point length, point not on the curve).
 */
export function publicKeySexpToSpki(bytes: Uint8Array): Uint8Array {
  const raw = rawPublicKey(parse(bytes));
  try {
    return publicKeyToSpki(raw);
  } catch (error) {
    if (isProviderError(error) && error.code === ErrorCode.INVALID_INPUT) {
      throw protocolError(`gpg-agent sent an invalid public key: ${error.message}`, error);
    }
    throw error;
  }
}

function parse(bytes: Uint8Array): Sexp {
  try {
    return parseCanonicalSexp(bytes);
  } catch (error) {
    if (error instanceof SexpError) {
      throw protocolError(`gpg-agent sent a malformed public key: ${error.message}`, error);
    }
    throw error;
  }
}

function rawPublicKey(root: Sexp): RawPublicKey {
  if (root instanceof Uint8Array || !isAtom(root[0], 'public-key')) {
    throw protocolError('gpg-agent sent no (public-key …) S-expression');
  }
  const algorithm = root[1];
  if (algorithm instanceof Uint8Array || algorithm === undefined) {
    throw protocolError('the (public-key …) S-expression has no algorithm list');
  }
  const name = algorithm[0];
  if (!(name instanceof Uint8Array)) {
    throw protocolError('the public key algorithm name is not an atom');
  }
  if (isAtom(name, 'rsa')) {
    const n = listValue(algorithm, 'n');
    const e = listValue(algorithm, 'e');
    if (n === undefined || e === undefined) throw protocolError('RSA public key without n or e');
    return { kind: 'rsa', n, e };
  }
  // libgcrypt ≥ 1.6 writes "ecc"; older keys and some tools name the use instead.
  if (['ecc', 'ecdsa', 'ecdh', 'eddsa'].some((known) => isAtom(name, known))) {
    return eccPublicKey(algorithm);
  }
  throw new ProviderError(
    ErrorCode.UNSUPPORTED,
    `gpg-agent key algorithm "${printable(name)}" is not supported; supported: rsa, ecc`,
    { provider: SEXP_PROVIDER },
  );
}

function eccPublicKey(algorithm: readonly Sexp[]): RawPublicKey {
  const curveName = listValue(algorithm, 'curve');
  const q = listValue(algorithm, 'q');
  if (curveName === undefined || q === undefined) {
    throw protocolError('ECC public key without (curve …) or (q …)');
  }
  const name = printable(curveName);
  const curve = curveByGcryptName(name);
  if (curve === undefined) {
    throw new ProviderError(
      ErrorCode.UNSUPPORTED,
      `gpg-agent key curve "${name}" is not supported; supported: NIST P-256/P-384/P-521, secp256k1, brainpoolP256r1/384r1/512r1, Ed25519, Curve25519, Ed448, X448`,
      { provider: SEXP_PROVIDER },
    );
  }
  if (curve.kind === 'ec') return { kind: 'ec', curve: curve.curve, point: q };
  const size = OKP_BYTES[curve.kind];
  const publicKey = q.length === size + 1 && q[0] === NATIVE_POINT_PREFIX ? q.subarray(1) : q;
  if (publicKey.length !== size) {
    throw protocolError(
      `${curve.kind} public key q must be ${size} bytes or 0x40 ‖ ${size} bytes; got ${q.length} bytes`,
    );
  }
  return { kind: curve.kind, publicKey };
}

// Names are ASCII; anything else is shown by length only, never as bytes.
function printable(value: Uint8Array): string {
  try {
    const text = textDecoder.decode(value);
    if (/^[\x20-\x7e]{1,64}$/.test(text)) return text;
  } catch {
    // not UTF-8: fall through
  }
  return `<${value.length} bytes>`;
}
