import { ECDH, createHash } from 'node:crypto';
import type { EcCurve } from '../contract/algorithms.js';
import { stripLeadingZeros } from '../encoding/bytes.js';
import { toPositiveTwosComplement } from '../encoding/der.js';
import { EC_CURVE_PARAMETERS } from '../encoding/ec-curves.js';
import type { GripCurve } from './keygrip-curves.js';
import { GRIP_CURVES } from './keygrip-curves.js';
import { spkiToRawPublicKey } from './spki.js';

/**
 * libgcrypt's keygrip of a public key (`gcry_pk_get_keygrip`): 40 upper-case hex digits, as
 * `gpg --with-keygrip` prints them and gpg-agent names its keys.
 *
 * - RSA: SHA-1 of the modulus as a positive two's-complement integer (a 0x00 prefix when
 *   its top bit is set), which is how gpg and gpgsm hand `n` to libgcrypt.
 * - ECC: SHA-1 of `(1:p<len>:<p>)(1:a…)(1:b…)(1:g…)(1:n…)(1:q…)`, with libgcrypt's curve
 *   table values (see `keygrip-curves.ts`) and `q` uncompressed for Weierstrass curves, the
 *   raw RFC 8032/7748 key (no 0x40 prefix) for Ed25519, X25519, Ed448 and X448.
 *
 * @throws ProviderError `INVALID_INPUT` when `spki` is not a valid SubjectPublicKeyInfo.
 * @throws ProviderError `UNSUPPORTED` for algorithms and curves keyroute does not grip.
 */
export function computeKeygrip(spki: Uint8Array): string {
  const key = spkiToRawPublicKey(spki);
  switch (key.kind) {
    case 'rsa':
      return sha1Upper(toPositiveTwosComplement(key.n));
    case 'ec':
      return eccKeygrip(GRIP_CURVES[key.curve], uncompressed(key.curve, key.point));
    case 'ed25519':
      return eccKeygrip(GRIP_CURVES.Ed25519, key.publicKey);
    case 'x25519':
      return eccKeygrip(GRIP_CURVES.Curve25519, key.publicKey);
    case 'ed448':
      return eccKeygrip(GRIP_CURVES.Ed448, key.publicKey);
    case 'x448':
      return eccKeygrip(GRIP_CURVES.X448, key.publicKey);
  }
}

// libgcrypt cipher/ecc.c compute_keygrip: each of p, a, b, g, n, q as a canonical
// S-expression list `(1:<name><decimal length>:<bytes>)`; the cofactor is not hashed.
// p, a, b and n are unsigned big-endian without leading zeros (zero is empty).
function eccKeygrip(curve: GripCurve, q: Uint8Array): string {
  const fieldHexDigits = curve.p.length;
  const g = '04' + curve.gx.padStart(fieldHexDigits, '0') + curve.gy.padStart(fieldHexDigits, '0');
  const hash = createHash('sha1');
  const parts: readonly (readonly [string, Uint8Array])[] = [
    ['p', stripLeadingZeros(fromHex(curve.p))],
    ['a', stripLeadingZeros(fromHex(curve.a))],
    ['b', stripLeadingZeros(fromHex(curve.b))],
    ['g', fromHex(g)],
    ['n', stripLeadingZeros(fromHex(curve.n))],
    ['q', q],
  ];
  for (const [name, value] of parts) {
    hash.update(`(1:${name}${value.length}:`);
    hash.update(value);
    hash.update(')');
  }
  return hash.digest('hex').toUpperCase();
}

// libgcrypt uncompresses 02/03 points before hashing, so both forms share one keygrip.
function uncompressed(curve: EcCurve, point: Uint8Array): Uint8Array {
  if (point[0] === 0x04) return point;
  return ECDH.convertKey(
    Buffer.from(point),
    EC_CURVE_PARAMETERS[curve].opensslName,
    undefined,
    undefined,
    'uncompressed',
  ) as Buffer;
}

function sha1Upper(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex').toUpperCase();
}

function fromHex(hex: string): Uint8Array {
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}
