import type { HashAlgorithm } from '../contract/algorithms.js';
import type { CertificateInfo, KeyInfo } from '../contract/keys.js';
import type { Provider } from '../contract/provider.js';

/** A provider over a real backend, made for one run of the suite. */
export interface ConformanceTarget {
  /** The provider under test. */
  readonly provider: Provider;
  /** Stops the backend created for this target (after the provider is disposed). */
  readonly teardown?: () => Promise<void>;
}

/** What an independent verifier of an OpenPGP or CMS signature is given. */
export interface FormatVerifierArgs {
  /** The signature as `sign` returned it (armored or binary, as the provider chose). */
  readonly signature: Uint8Array;
  /** The data that was signed. */
  readonly data: Uint8Array;
  /** The key that signed. */
  readonly key: KeyInfo;
  /** A certificate of the matching type that binds the key, when the provider lists one. */
  readonly certificate?: CertificateInfo;
}

/**
 * Checks a non-raw signature with a tool independent of the provider (`gpg --verify`,
 * `openssl cms -verify`, openpgp.js); resolves true only when the signature is valid.
 */
export type FormatVerifier = (args: FormatVerifierArgs) => Promise<boolean>;

/** Options of {@link describeProviderConformance}. */
export interface ConformanceOptions {
  /** Names the suite (`provider conformance: <name>`). */
  readonly name: string;
  /**
   * Creates a fresh provider over a real backend: called once for the main suite and again
   * for the dispose tests.
   */
  readonly create: () => Promise<ConformanceTarget>;
  /**
   * Independent verifiers for the non-raw formats the provider's capabilities claim. A claimed
   * format without a verifier is a failing test that says what to pass.
   */
  readonly verifyFormat?: {
    readonly openpgp?: FormatVerifier;
    readonly cms?: FormatVerifier;
  };
  /** Hashes to exercise (default `['sha256', 'sha384']`), limited to what each capability lists. */
  readonly hashes?: readonly HashAlgorithm[];
  /** Number of concurrent calls in the concurrency test (default 24). */
  readonly concurrency?: number;
}
