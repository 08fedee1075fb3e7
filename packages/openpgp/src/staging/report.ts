import type { ValidationPolicy } from './policy.js';

/** The checks `validateCertificate` runs. */
export type ValidationCheckId =
  | 'self-signatures'
  | 'primary-key-valid'
  | 'encryption-subkey'
  | 'algorithm-policy'
  | 'key-size-policy';

/** One check of a certificate, passed or failed. */
export interface ValidationCheck {
  readonly id: ValidationCheckId;
  readonly ok: boolean;
  /**
   * `error` failures make the certificate invalid (staging refuses to accept it); `warning`
   * failures do not — `encryption-subkey` is a warning at upload, and an error when encrypting
   * to the key (`requireEncryptionCapable`).
   */
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** Key id (16 upper-case hex digits) of the subkey the check is about, if it is about one. */
  readonly subkey?: string;
}

/** What `validateCertificate` found out about a certificate. */
export interface ValidationReport {
  /** Primary key fingerprint, upper-case hex. */
  readonly fingerprint: string;
  readonly userIds: readonly string[];
  readonly checks: readonly ValidationCheck[];
  /** True when no check of severity `error` failed. */
  readonly valid: boolean;
  /** True when a currently valid encryption-capable subkey (or primary key) meets the policy. */
  readonly canEncrypt: boolean;
  /** True when a currently valid signing-capable key meets the policy. */
  readonly canSign: boolean;
  /** When the primary key expires; absent when it does not (or has no valid self-signature). */
  readonly expiresAt?: Date;
  readonly revoked: boolean;
}

/** Options of `validateCertificate`. */
export interface ValidateOptions {
  /** The time to validate at; now by default. */
  readonly now?: Date;
  /** `DEFAULT_VALIDATION_POLICY` by default. */
  readonly policy?: ValidationPolicy;
}

/** The message of an error thrown by openpgp.js. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The key id of a (sub)key, 16 upper-case hex digits. */
export function keyIdOf(key: { getKeyID(): { toHex(): string } }): string {
  return key.getKeyID().toHex().toUpperCase();
}
