import type {
  EcdsaSignatureEncoding,
  HashAlgorithm,
  SignFormat,
  SignScheme,
} from './algorithms.js';
import type { KeyInfo } from './keys.js';

/**
 * A reference to a key: its provider-local `id`, its label, or any alias, optionally prefixed
 * with the alias type (`keygrip:`, `spki-sha256:`, `openpgp:`, `keyid:`, `x509-sha256:`), or a
 * `pkcs11:` URI. Hex aliases compare case-insensitively and may carry `0x`. Through a router,
 * `providerId/reference` searches one provider only.
 */
export type KeyReference = string;

/** Input to sign: the whole message, or a digest already computed with `hash`. */
export type SignInput =
  | { readonly data: Uint8Array; readonly digest?: never }
  | { readonly digest: Uint8Array; readonly data?: never };

/** Options for OpenPGP output (`format: 'openpgp'`). */
export interface OpenPgpSignOptions {
  /** `detached` (default) signature, `cleartext` signed message, or `inline` signed message. */
  readonly mode?: 'detached' | 'cleartext' | 'inline';
  /** ASCII armor (default true). */
  readonly armor?: boolean;
}

/**
 * A request to sign.
 *
 * `eddsa` is pure EdDSA over `data`; EdDSA over a `digest` (Ed25519ph) is `UNSUPPORTED`.
 * Backends that sign a hash-sized message (gpg-agent 2.2) state the largest `data` they accept
 * in `SignCapability.maxDataLength`.
 */
export type SignRequest = SignInput & {
  /** The signing key. */
  readonly key: KeyReference;
  /** Signature scheme; defaults to the key's natural one (RSA → pkcs1v15, EC → ecdsa, Ed → eddsa). */
  readonly scheme?: SignScheme;
  /**
   * The hash for `pkcs1v15`, `pss`, `ecdsa` (default `sha256`); required to describe a `digest`.
   * Ignored by pure `eddsa` over `data`.
   */
  readonly hash?: HashAlgorithm;
  /** PSS salt length in bytes (default: the hash length). */
  readonly saltLength?: number;
  /** ECDSA signature encoding (default `p1363`). */
  readonly signatureEncoding?: EcdsaSignatureEncoding;
  /** Output format (default `raw`). */
  readonly format?: SignFormat;
  /** OpenPGP output options. */
  readonly openpgp?: OpenPgpSignOptions;
};

/** The result of a signature. */
export interface SignResult {
  /** The signature (raw bytes, or an OpenPGP/CMS encoding according to `format`). */
  readonly signature: Uint8Array;
  /** The key that signed, as the provider knows it. */
  readonly key: Pick<KeyInfo, 'id' | 'provider'>;
  /** The scheme used. */
  readonly scheme: SignScheme;
  /** The hash used, if any (none for pure EdDSA over data). */
  readonly hash?: HashAlgorithm;
  /** The format produced. */
  readonly format: SignFormat;
}

/** A request to check a signature. */
export type VerifyRequest = SignInput & {
  /** The key that supposedly signed. */
  readonly key: KeyReference;
  /** The signature to check. */
  readonly signature: Uint8Array;
  /** Scheme; defaults as for {@link SignRequest}. */
  readonly scheme?: SignScheme;
  /** Hash (default `sha256`). */
  readonly hash?: HashAlgorithm;
  /** PSS salt length (default: the hash length). */
  readonly saltLength?: number;
  /** ECDSA signature encoding (default `p1363`). */
  readonly signatureEncoding?: EcdsaSignatureEncoding;
  /** Signature format (default `raw`). */
  readonly format?: SignFormat;
};

/** The outcome of a verification. A bad signature is `valid: false`, not an error. */
export interface VerifyResult {
  /** True only when the signature is valid for the key and the input. */
  readonly valid: boolean;
  /** The key checked against. */
  readonly key: Pick<KeyInfo, 'id' | 'provider'>;
  /** For OpenPGP formats: the signer's fingerprint and signature time. */
  readonly signer?: { readonly fingerprint: string; readonly createdAt?: Date };
  /** For inline/cleartext OpenPGP: the data bound to the verified signature (only when valid). */
  readonly data?: Uint8Array;
  /** Why the signature is not valid, for people (never contains secret material). */
  readonly reason?: string;
}

/** A request to decrypt or to complete a key agreement. */
export type DecryptRequest =
  | {
      readonly key: KeyReference;
      readonly scheme: 'rsa-oaep';
      readonly ciphertext: Uint8Array;
      /** OAEP hash and MGF1 hash (default `sha256`). */
      readonly hash?: HashAlgorithm;
      /** OAEP label (default empty). */
      readonly label?: Uint8Array;
    }
  | {
      readonly key: KeyReference;
      /** Off unless the provider is configured to allow it (padding-oracle risk). */
      readonly scheme: 'rsa-pkcs1v15';
      readonly ciphertext: Uint8Array;
    }
  | {
      readonly key: KeyReference;
      readonly scheme: 'ecdh';
      /**
       * The peer's (ephemeral) public key: DER SPKI, or the raw point (uncompressed `04‖x‖y`
       * or compressed) for EC keys, or the raw u-coordinate for X25519/X448.
       */
      readonly peerPublicKey: Uint8Array;
    }
  | {
      readonly key: KeyReference;
      readonly scheme: 'openpgp';
      /** A whole OpenPGP message, binary or armored. */
      readonly message: Uint8Array;
    };

/** The result of a decryption. */
export type DecryptResult =
  | {
      readonly scheme: 'rsa-oaep' | 'rsa-pkcs1v15' | 'openpgp';
      readonly key: Pick<KeyInfo, 'id' | 'provider'>;
      /** The recovered plaintext. */
      readonly plaintext: Uint8Array;
    }
  | {
      readonly scheme: 'ecdh';
      readonly key: Pick<KeyInfo, 'id' | 'provider'>;
      /** The raw ECDH shared secret (x-coordinate / X25519 output). */
      readonly sharedSecret: Uint8Array;
    };

/** A request to encrypt to a public key. */
export type EncryptRequest =
  | {
      readonly key: KeyReference;
      readonly scheme: 'rsa-oaep';
      readonly plaintext: Uint8Array;
      readonly hash?: HashAlgorithm;
      readonly label?: Uint8Array;
    }
  | {
      readonly key: KeyReference;
      /** Generates an ephemeral key pair and agrees a secret with the recipient key. */
      readonly scheme: 'ecdh';
    }
  | {
      readonly key: KeyReference;
      readonly scheme: 'openpgp';
      readonly plaintext: Uint8Array;
      /** More recipients besides `key`. */
      readonly additionalRecipients?: readonly KeyReference[];
      /** ASCII armor (default true). */
      readonly armor?: boolean;
    };

/** The result of an encryption. */
export type EncryptResult =
  | {
      readonly scheme: 'rsa-oaep' | 'openpgp';
      readonly key: Pick<KeyInfo, 'id' | 'provider'>;
      readonly ciphertext: Uint8Array;
    }
  | {
      readonly scheme: 'ecdh';
      readonly key: Pick<KeyInfo, 'id' | 'provider'>;
      /** The ephemeral public key to send to the recipient (DER SPKI). */
      readonly ephemeralPublicKey: Uint8Array;
      /** The agreed secret; derive a symmetric key from it with a KDF. */
      readonly sharedSecret: Uint8Array;
    };
