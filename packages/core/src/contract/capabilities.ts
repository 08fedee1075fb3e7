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
  /** Hashes accepted (OAEP). */
  readonly hashes?: readonly HashAlgorithm[];
}

/** What a provider can do; static for the provider's lifetime. */
export interface ProviderCapabilities {
  readonly sign: readonly SignCapability[];
  readonly decrypt: readonly CipherCapability<DecryptScheme>[];
  readonly encrypt: readonly CipherCapability<EncryptScheme>[];
  /** Verify formats supported besides `raw`, which core supports for every key. */
  readonly verifyFormats: readonly SignFormat[];
  /** True when `listCertificates` can return anything. */
  readonly certificates: boolean;
}
