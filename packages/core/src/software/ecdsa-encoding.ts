/**
 * Conversions between the two ECDSA signature encodings: IEEE P1363 (r‖s, each left-padded to
 * the order's byte length) and DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`
 * (RFC 3279 §2.2.3). Pure functions.
 */
import type { EcCurve } from '../contract/algorithms.js';
import {
  DerTag,
  encodeDerElement,
  encodeDerUnsignedInteger,
  readDerSequence,
  readWholeDerElement,
  unsignedIntegerBytes,
} from './der.js';
import { concatBytes } from './bytes.js';
import { EC_CURVE_PARAMETERS } from './ec-curves.js';
import { invalidInput } from './errors.js';

/**
 * Converts a DER ECDSA signature to P1363 `r‖s` for `curve`.
 *
 * Strict DER: one SEQUENCE of two minimally encoded non-negative INTEGERs, nothing after it,
 * each at most the curve order's byte length. Anything else throws `INVALID_INPUT`.
 * Synchronous; takes no signal.
 */
export function ecdsaDerToP1363(der: Uint8Array, curve: EcCurve): Uint8Array {
  const size = EC_CURVE_PARAMETERS[curve].orderBytes;
  const malformed = (): never => {
    throw invalidInput(`the ECDSA signature is not a valid DER Ecdsa-Sig-Value for ${curve}`);
  };
  const contents = readWholeDerElement(der, DerTag.SEQUENCE) ?? malformed();
  const elements = readDerSequence(contents) ?? malformed();
  if (elements.length !== 2) malformed();
  const out = new Uint8Array(2 * size);
  elements.forEach((element, index) => {
    if (element.tag !== DerTag.INTEGER) malformed();
    const magnitude = unsignedIntegerBytes(element.value) ?? malformed();
    if (magnitude.length > size) malformed();
    out.set(magnitude, (index + 1) * size - magnitude.length);
  });
  return out;
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
  return encodeDerElement(
    DerTag.SEQUENCE,
    concatBytes(
      encodeDerUnsignedInteger(signature.subarray(0, half)),
      encodeDerUnsignedInteger(signature.subarray(half)),
    ),
  );
}
