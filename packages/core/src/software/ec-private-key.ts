import type { KeyObject } from 'node:crypto';

import { DerError, DerTag, mapDerError, readChildren, readWholeElement } from '../encoding/der.js';
import { invalidInput } from '../util/errors.js';

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
  return mapDerError(
    () => {
      const sequence = readWholeElement(der, DerTag.SEQUENCE, 'ECPrivateKey');
      const [, scalar] = readChildren(sequence.content);
      if (scalar?.tag !== DerTag.OCTET_STRING)
        throw new DerError('privateKey is not an OCTET STRING');
      return Uint8Array.from(scalar.content);
    },
    (error) => invalidInput('the EC private key is not a valid SEC 1 ECPrivateKey', error),
  );
}
