import type {
  DecryptScheme,
  EncryptScheme,
  HashAlgorithm,
  KeyAlgorithmKind,
  SignFormat,
  SignScheme,
} from './algorithms.js';

/** One way a provider can sign. */
export interface SignCapability {
  readonly scheme: SignScheme;
  /** Key algorithms this applies to. */
  readonly algorithms: readonly KeyAlgorithmKind[];
  /** Hashes accepted (for EdDSA: hashes whose digests the provider will sign as the message). */
  readonly hashes: readonly HashAlgorithm[];
  /** Whether whole `data`, a precomputed `digest`, or both are accepted. */
  readonly inputs: readonly ('data' | 'digest')[];
  /** Output formats available. */
  readonly formats: readonly SignFormat[];
  /** Largest `data` accepted, in bytes, where the backend has a limit (gpg-agent EdDSA). */
  readonly maxDataLength?: number;
  /** ECDSA output encodings available. */
  readonly signatureEncodings?: readonly ('p1363' | 'der')[];
}

/** One way a provider can decrypt or encrypt. */
export interface CipherCapability<S extends string> {
  readonly scheme: S;
  /** Key algorithms this applies to. */
  readonly algorithms: readonly KeyAlgorithmKind[];
  /**
   * Hashes accepted (OAEP hash and MGF1 hash). Absent for schemes that take no hash
   * (`ecdh`, `openpgp`, `rsa-pkcs1v15`); for `rsa-oaep`, absent means `sha256` only.
   */
  readonly hashes?: readonly HashAlgorithm[];
}

/**
 * What a provider can do; static for the provider's lifetime. A scheme may appear in more than
 * one entry (an aggregating provider lists each member's); what one key can do is the union of
 * the entries that list its algorithm. A request outside every entry fails with `UNSUPPORTED`.
 */
export interface ProviderCapabilities {
  readonly sign: readonly SignCapability[];
  readonly decrypt: readonly CipherCapability<DecryptScheme>[];
  readonly encrypt: readonly CipherCapability<EncryptScheme>[];
  /** Verify formats supported besides `raw`, which core supports for every key. */
  readonly verifyFormats: readonly SignFormat[];
  /** True when `listCertificates` can return anything. */
  readonly certificates: boolean;
}
