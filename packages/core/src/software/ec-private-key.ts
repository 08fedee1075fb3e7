import type { KeyObject } from 'node:crypto';

import { DerTag, readDerSequence, readWholeDerElement } from './der.js';
import { invalidInput } from './errors.js';

/**
 * The private scalar d of an EC private key, big-endian, from its SEC 1 `ECPrivateKey`
 * (RFC 5915 §3: SEQUENCE { version 1, privateKey OCTET STRING, … }). JWK would be simpler but
 * node refuses JWK for Brainpool curves. Throws `INVALID_INPUT` if the key does not export.
 */
export function ecPrivateScalar(privateKey: KeyObject): Uint8Array {
  let der: Uint8Array;
  try {
    der = privateKey.export({ format: 'der', type: 'sec1' });
  } catch (error) {
    throw invalidInput('the EC private key cannot be exported as SEC 1', error);
  }
  const contents = readWholeDerElement(der, DerTag.SEQUENCE);
  const elements = contents === undefined ? undefined : readDerSequence(contents);
  const scalar = elements?.[1];
  if (scalar?.tag !== DerTag.OCTET_STRING) {
    throw invalidInput('the EC private key is not a valid SEC 1 ECPrivateKey');
  }
  return Uint8Array.from(scalar.value);
}
