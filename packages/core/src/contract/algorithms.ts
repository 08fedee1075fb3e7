/** Named elliptic curves the contract knows. Names follow WebCrypto/JOSE for NIST curves. */
export const EC_CURVES = [
  'P-256',
  'P-384',
  'P-521',
  'secp256k1',
  'brainpoolP256r1',
  'brainpoolP384r1',
  'brainpoolP512r1',
] as const;

/** A Weierstrass curve usable for ECDSA and ECDH. */
export type EcCurve = (typeof EC_CURVES)[number];

/**
 * The public-key algorithm of a key, with the parameter that matters for it.
 *
 * - `rsa`: modulus size in bits.
 * - `ec`: a Weierstrass curve (ECDSA signing and/or ECDH).
 * - `ed25519` / `ed448`: EdDSA signing keys.
 * - `x25519` / `x448`: Montgomery keys for ECDH (OpenPGP's cv25519 is `x25519`).
 */
export type KeyAlgorithm =
  | { readonly kind: 'rsa'; readonly bits: number }
  | { readonly kind: 'ec'; readonly curve: EcCurve }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' }
  | { readonly kind: 'x25519' }
  | { readonly kind: 'x448' };

/** The `kind` discriminator of {@link KeyAlgorithm}. */
export type KeyAlgorithmKind = KeyAlgorithm['kind'];

/** Hash algorithms for signing digests, PSS and OAEP. Names as node:crypto spells them. */
export const HASH_ALGORITHMS = [
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
  'sha3-256',
  'sha3-384',
  'sha3-512',
] as const;

/** A hash algorithm name accepted by the contract. */
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Length in bytes of each hash's output: a digest of any other length is `INVALID_INPUT`. */
export const HASH_LENGTHS: Readonly<Record<HashAlgorithm, number>> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
  'sha3-256': 32,
  'sha3-384': 48,
  'sha3-512': 64,
};

/** Signature schemes. */
export const SIGN_SCHEMES = ['pkcs1v15', 'pss', 'ecdsa', 'eddsa'] as const;
/** RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA or EdDSA (pure Ed25519/Ed448). */
export type SignScheme = (typeof SIGN_SCHEMES)[number];

/** Output encodings for ECDSA signatures: IEEE P1363 (`r‖s`, fixed length) or ASN.1 DER. */
export type EcdsaSignatureEncoding = 'p1363' | 'der';

/** What `sign` produces: a bare signature, an OpenPGP signature packet/message, or CMS SignedData. */
export type SignFormat = 'raw' | 'openpgp' | 'cms';

/** Decryption schemes. `rsa-pkcs1v15` is refused unless a provider is configured to allow it. */
export const DECRYPT_SCHEMES = ['rsa-oaep', 'rsa-pkcs1v15', 'ecdh', 'openpgp'] as const;
/** A decryption scheme name. */
export type DecryptScheme = (typeof DECRYPT_SCHEMES)[number];

/** Encryption schemes; `ecdh` is ephemeral-static key agreement that yields a shared secret. */
export const ENCRYPT_SCHEMES = ['rsa-oaep', 'ecdh', 'openpgp'] as const;
/** An encryption scheme name. */
export type EncryptScheme = (typeof ENCRYPT_SCHEMES)[number];

/** Returns the scheme a key signs with when a request names none. */
export function defaultSignScheme(algorithm: KeyAlgorithm): SignScheme | undefined {
  switch (algorithm.kind) {
    case 'rsa':
      return 'pkcs1v15';
    case 'ec':
      return 'ecdsa';
    case 'ed25519':
    case 'ed448':
      return 'eddsa';
    case 'x25519':
    case 'x448':
      return undefined;
  }
}

/** True when `scheme` is defined for keys of `algorithm` (independent of any provider). */
export function schemeFitsAlgorithm(scheme: SignScheme, algorithm: KeyAlgorithm): boolean {
  switch (scheme) {
    case 'pkcs1v15':
    case 'pss':
      return algorithm.kind === 'rsa';
    case 'ecdsa':
      return algorithm.kind === 'ec';
    case 'eddsa':
      return algorithm.kind === 'ed25519' || algorithm.kind === 'ed448';
  }
}

/** Formats an algorithm for people: `RSA-3072`, `EC P-256`, `Ed25519`. */
export function formatAlgorithm(algorithm: KeyAlgorithm): string {
  switch (algorithm.kind) {
    case 'rsa':
      return `RSA-${algorithm.bits}`;
    case 'ec':
      return `EC ${algorithm.curve}`;
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    case 'x25519':
      return 'X25519';
    case 'x448':
      return 'X448';
  }
}
