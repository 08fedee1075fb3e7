import type { HashAlgorithm } from '../contract/algorithms.js';
import { concatBytes } from '../encoding/bytes.js';

/**
 * DER of `DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }` up to the digest itself,
 * for EMSA-PKCS1-v1_5 (RFC 8017 §9.2 note 1; the SHA-3 lines use the NIST OIDs
 * 2.16.840.1.101.3.4.2.8–10 in the same layout, as OpenSSL does).
 */
const DIGEST_INFO_PREFIXES: Readonly<Record<HashAlgorithm, string>> = {
  sha1: '3021300906052b0e03021a05000414',
  sha224: '302d300d06096086480165030402040500041c',
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
  'sha3-256': '3031300d060960864801650304020805000420',
  'sha3-384': '3041300d060960864801650304020905000430',
  'sha3-512': '3051300d060960864801650304020a05000440',
};

/** The DER DigestInfo for `digest` computed with `hash` (the `T` of RFC 8017 §9.2 step 2). */
export function encodeDigestInfo(hash: HashAlgorithm, digest: Uint8Array): Uint8Array {
  return concatBytes(Buffer.from(DIGEST_INFO_PREFIXES[hash], 'hex'), digest);
}

/** Length of the DigestInfo for a digest of `digestLength` bytes with `hash`. */
export function digestInfoLength(hash: HashAlgorithm, digestLength: number): number {
  return DIGEST_INFO_PREFIXES[hash].length / 2 + digestLength;
}
