import type { CallOptions } from './call-options.js';
import type { ProviderCapabilities } from './capabilities.js';
import type { CertificateInfo, KeyInfo } from './keys.js';
import type {
  DecryptRequest,
  DecryptResult,
  EncryptRequest,
  EncryptResult,
  KeyReference,
  SignRequest,
  SignResult,
  VerifyRequest,
  VerifyResult,
} from './requests.js';

/** The backend family of a provider. Adapters outside this repository may use other names. */
export type ProviderKind =
  'gpg-agent' | 'pkcs11' | 'openpgp' | 'gateway' | 'memory' | 'router' | (string & {});

/**
 * One place where keys live. Every method rejects with a `ProviderError` (see `errors.ts`)
 * whose `code` says what went wrong; an aborted `signal` rejects with `signal.reason`.
 * `[Symbol.asyncDispose]` releases sessions, connections and daemons, and is idempotent.
 */
export interface Provider extends AsyncDisposable {
  /** Unique name of this provider instance (config `id`). */
  readonly id: string;
  /** Backend family. */
  readonly kind: ProviderKind;
  /** What the provider can do. */
  capabilities(): ProviderCapabilities;
  /** All keys the provider holds or knows. Throws `UNAVAILABLE` when the backend is down. */
  listKeys(options?: CallOptions): Promise<readonly KeyInfo[]>;
  /** All certificates the provider holds (empty when it has none). */
  listCertificates(options?: CallOptions): Promise<readonly CertificateInfo[]>;
  /**
   * Finds one key by id or alias. Throws `KEY_NOT_FOUND` when no key matches and
   * `INVALID_INPUT` when the reference is ambiguous.
   */
  getKey(reference: KeyReference, options?: CallOptions): Promise<KeyInfo>;
  /** Signs. Throws `KEY_NOT_FOUND`, `UNSUPPORTED`, `LOCKED`, `BAD_SECRET`, `INVALID_INPUT`, … */
  sign(request: SignRequest, options?: CallOptions): Promise<SignResult>;
  /** Checks a signature; an invalid signature resolves with `valid: false`. */
  verify(request: VerifyRequest, options?: CallOptions): Promise<VerifyResult>;
  /** Decrypts or completes a key agreement with a private key. */
  decrypt(request: DecryptRequest, options?: CallOptions): Promise<DecryptResult>;
  /** Encrypts to (or agrees a secret with) a public key. */
  encrypt(request: EncryptRequest, options?: CallOptions): Promise<EncryptResult>;
}
