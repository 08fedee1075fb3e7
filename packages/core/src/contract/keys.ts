import type { KeyAlgorithm } from './algorithms.js';

/**
 * What the private half of a key may be used for.
 *
 * `decrypt` covers RSA decryption and ECDH key agreement; `certify` and `authenticate`
 * come from OpenPGP key flags and X.509 key usage.
 */
export type KeyUsage = 'sign' | 'decrypt' | 'certify' | 'authenticate';

/**
 * Other names of the same key. The router resolves a key reference through any of them, and
 * the same key found in two providers is recognised by them (most reliably `spkiSha256`).
 *
 * Hex values are upper-case for keygrips and OpenPGP values (as GnuPG prints them) and
 * lower-case for SPKI SHA-256.
 */
export interface KeyAliases {
  /** SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex. Always present. */
  readonly spkiSha256: string;
  /** libgcrypt's keygrip (40 hex digits), as `gpg --with-keygrip` prints it. */
  readonly keygrip?: string;
  /** OpenPGP fingerprint of the (sub)key, where an OpenPGP certificate binds the key. */
  readonly openpgpFingerprint?: string;
  /** OpenPGP long key ID (16 hex digits). */
  readonly openpgpKeyId?: string;
  /** RFC 7512 URI of the private key object on a PKCS#11 token. */
  readonly pkcs11Uri?: string;
  /** SHA-256 of the DER X.509 certificate that binds the key, lower-case hex. */
  readonly x509Sha256?: string;
}

/** One key a provider holds or knows. */
export interface KeyInfo {
  /** Stable identifier, unique within its provider and unchanged across restarts. */
  readonly id: string;
  /**
   * The `id` of the provider that holds the key. Aggregating providers (the router, the gateway
   * client) keep the id of the member provider that holds it, so `provider` may differ from the
   * id of the provider that listed the key; `provider/id` then names the key uniquely.
   */
  readonly provider: string;
  /** A human label (PKCS#11 CKA_LABEL, OpenPGP primary user ID, …). */
  readonly label?: string;
  /** The public-key algorithm with its size or curve. */
  readonly algorithm: KeyAlgorithm;
  /** What the private half may do; empty when the provider holds only the public key. */
  readonly usages: readonly KeyUsage[];
  /** True when the provider can use the private key (sign/decrypt), false for public-only keys. */
  readonly hasPrivateKey: boolean;
  /** The public key as DER SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  /** Other names of this key. */
  readonly aliases: KeyAliases;
  /** When the key stops being valid, where the backend records it. */
  readonly expiresAt?: Date;
  /** True when the backend reports the key revoked. */
  readonly revoked?: boolean;
  /**
   * Backend-specific facts safe to show (never secret): for example `protected`,
   * `cached`, `card` for gpg-agent, `token` for PKCS#11.
   */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** A certificate a provider holds: X.509 (DER) or an OpenPGP transferable public key. */
export interface CertificateInfo {
  /** Stable identifier, unique within its provider. */
  readonly id: string;
  /** The `id` of the provider that holds the certificate. */
  readonly provider: string;
  /** `x509` or `openpgp`. */
  readonly type: 'x509' | 'openpgp';
  /** DER certificate, or the binary (unarmored) OpenPGP certificate. */
  readonly encoded: Uint8Array;
  /** Subject distinguished name(s) for X.509, user IDs for OpenPGP. */
  readonly subjects: readonly string[];
  /** Issuer distinguished name (X.509 only). */
  readonly issuer?: string;
  /** Serial number as hex (X.509 only). */
  readonly serialNumber?: string;
  /** SHA-256 of the DER for X.509 (lower-case hex); primary key fingerprint for OpenPGP. */
  readonly fingerprint: string;
  /** Start of validity (X.509 notBefore, OpenPGP creation time). */
  readonly notBefore?: Date;
  /** End of validity, if any. */
  readonly notAfter?: Date;
  /** True when the backend reports the certificate revoked. */
  readonly revoked?: boolean;
  /** SPKI SHA-256 alias of every key the certificate binds (primary and subkeys). */
  readonly boundKeys: readonly string[];
}
