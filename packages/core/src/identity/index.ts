/**
 * Key identity: the names one public key goes by across backends (SPKI SHA-256, libgcrypt
 * keygrip) and conversions between DER SubjectPublicKeyInfo and raw key parameters.
 * Every function is pure; nothing here starts a process or opens a socket.
 */
import type { KeyAliases } from '../contract/keys.js';
import { ErrorCode, hasErrorCode } from '../contract/errors.js';
import { computeKeygrip } from './keygrip.js';
import { spkiSha256 } from './spki.js';

export { computeKeygrip } from './keygrip.js';
export type { RawPublicKey } from './spki.js';
export { describePublicKey, publicKeyToSpki, spkiSha256, spkiToRawPublicKey } from './spki.js';

/** The aliases every key gets from its public key alone. */
export type PublicKeyAliases = Pick<KeyAliases, 'spkiSha256' | 'keygrip'>;

/**
 * The aliases derived from a DER SubjectPublicKeyInfo: `spkiSha256` always, `keygrip` for every
 * algorithm {@link computeKeygrip} supports. It is omitted for other algorithms (DSA, RSA-PSS
 * SPKIs, unknown curves), never because the key is malformed.
 *
 * @throws ProviderError `INVALID_INPUT` when `spki` is not a valid SubjectPublicKeyInfo.
 */
export function publicKeyAliases(spki: Uint8Array): PublicKeyAliases {
  const sha256 = spkiSha256(spki);
  try {
    return { spkiSha256: sha256, keygrip: computeKeygrip(spki) };
  } catch (error) {
    if (hasErrorCode(error, ErrorCode.UNSUPPORTED)) return { spkiSha256: sha256 };
    throw error;
  }
}
