/**
 * Conversions between the two ECDSA signature encodings: IEEE P1363 (r‖s, each left-padded to
 * the order's byte length) and DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`
 * (RFC 3279 §2.2.3). Pure functions.
 */
import type { EcCurve } from '../contract/algorithms.js';
import {
  DerError,
  DerTag,
  decodeUnsignedInteger,
  encodeElement,
  encodeUnsignedInteger,
  mapDerError,
  readChildren,
  readWholeElement,
} from '../encoding/der.js';
import { EC_CURVE_PARAMETERS } from '../encoding/ec-curves.js';
import { invalidInput } from '../util/errors.js';

/**
 * Converts a DER ECDSA signature to P1363 `r‖s` for `curve`.
 *
 * Strict DER: one SEQUENCE of two minimally encoded non-negative INTEGERs, nothing after it,
 * each at most the curve order's byte length. Anything else throws `INVALID_INPUT`.
 * Synchronous; takes no signal.
 */
export function ecdsaDerToP1363(der: Uint8Array, curve: EcCurve): Uint8Array {
  const size = EC_CURVE_PARAMETERS[curve].orderBytes;
  return mapDerError(
    () => {
      const sequence = readWholeElement(der, DerTag.SEQUENCE, 'Ecdsa-Sig-Value');
      const integers = readChildren(sequence.content);
      if (integers.length !== 2) throw new DerError('expected two INTEGERs');
      const out = new Uint8Array(2 * size);
      integers.forEach((integer, index) => {
        const name = index === 0 ? 'r' : 's';
        if (integer.tag !== DerTag.INTEGER) throw new DerError(`${name} is not an INTEGER`);
        const magnitude = decodeUnsignedInteger(integer.content, name);
        if (magnitude.length > size) throw new DerError(`${name} is longer than the order`);
        out.set(magnitude, (index + 1) * size - magnitude.length);
      });
      return out;
    },
    (error) =>
      invalidInput(`the ECDSA signature is not a valid DER Ecdsa-Sig-Value for ${curve}`, error),
  );
}

/**
 * Converts a P1363 `r‖s` ECDSA signature to DER. The two halves must be of equal, non-zero
 * length; otherwise throws `INVALID_INPUT`. Synchronous; takes no signal.
 */
export function ecdsaP1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length === 0 || signature.length % 2 !== 0) {
    throw invalidInput(
      `a P1363 ECDSA signature has two halves of equal length; got ${signature.length} bytes`,
    );
  }
  const half = signature.length / 2;
  return encodeElement(
    DerTag.SEQUENCE,
    encodeUnsignedInteger(signature.subarray(0, half)),
    encodeUnsignedInteger(signature.subarray(half)),
  );
}
