import { ProviderError } from '@keyroute/core';
import { config as defaultConfig } from 'openpgp';
import type { PublicKey } from 'openpgp';
import { fingerprintOf } from '../keystore/fingerprint.js';
import { ENCRYPTION_WARNING, checkEncryption } from './encryption-check.js';
import { DEFAULT_VALIDATION_POLICY, openPgpConfigFor } from './policy.js';
import { checkPolicy } from './policy-checks.js';
import { checkPrimaryKey } from './primary-key-check.js';
import type { ValidateOptions, ValidationCheck, ValidationReport } from './report.js';
import { checkSelfSignatures } from './self-signatures.js';
import type { SelfSignatureResult } from './self-signatures.js';

export { DEFAULT_VALIDATION_POLICY } from './policy.js';
export type { ValidationPolicy } from './policy.js';
export type {
  ValidateOptions,
  ValidationCheck,
  ValidationCheckId,
  ValidationReport,
} from './report.js';

/** The `self-signatures` checks (severity error): one passed, or one per failed component. */
function selfSignatureChecks(result: SelfSignatureResult): ValidationCheck[] {
  if (result.failures.length === 0) {
    return [
      {
        id: 'self-signatures',
        ok: true,
        severity: 'error',
        message: `every self-signature verifies (${result.verified})`,
      },
    ];
  }
  return result.failures.map((failure) => ({
    id: 'self-signatures',
    ok: false,
    severity: 'error',
    message: `${failure.component}: ${failure.reason}`,
    ...(failure.subkey === undefined ? {} : { subkey: failure.subkey }),
  }));
}

/**
 * Validates a certificate at `now` against `policy`, as structured checks:
 *
 * - `self-signatures` (error): every user ID has a self-signature, and every subkey a binding
 *   signature, that verifies with the primary key (forgeries, corruption, SHA-1);
 * - `primary-key-valid` (error): the primary key is valid now — not expired, not revoked;
 * - `encryption-subkey` (warning): a subkey (or the primary key) can encrypt now — valid,
 *   flagged for encryption, meeting the policy; otherwise one failed check per unusable subkey;
 * - `algorithm-policy`, `key-size-policy` (error): for the primary key and each subkey valid
 *   now (expired and revoked subkeys are never used, so they are not judged).
 *
 * Pure apart from openpgp.js calls; never throws for a bad certificate.
 */
export async function validateCertificate(
  key: PublicKey,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const now = options.now ?? new Date();
  const policy = options.policy ?? DEFAULT_VALIDATION_POLICY;
  const policyConfig = openPgpConfigFor(policy);
  const [selfSignatures, primary, encryption, signing, policyChecks] = await Promise.all([
    checkSelfSignatures(key, defaultConfig),
    checkPrimaryKey(key, now, defaultConfig),
    checkEncryption(key, now, policyConfig),
    key.getSigningKey(undefined, now, undefined, policyConfig).then(
      () => true,
      () => false,
    ),
    checkPolicy(key, now, policy),
  ]);
  const checks = [
    ...selfSignatureChecks(selfSignatures),
    primary.check,
    ...encryption,
    ...policyChecks,
  ];
  return {
    fingerprint: fingerprintOf(key),
    userIds: key.getUserIDs(),
    checks,
    valid: checks.every((check) => check.ok || check.severity !== 'error'),
    canEncrypt: encryption.every((check) => check.ok),
    canSign: signing,
    ...(primary.expiresAt === undefined ? {} : { expiresAt: primary.expiresAt }),
    revoked: primary.revoked,
  };
}

/**
 * Throws unless the report shows a currently valid encryption-capable key: used when encrypting
 * to a certificate, where the upload-time warning becomes an error.
 *
 * @throws ProviderError `UNSUPPORTED` naming the key and every failed check.
 */
export function requireEncryptionCapable(report: ValidationReport): void {
  if (report.canEncrypt) return;
  const reasons = report.checks
    .filter(
      (check) => !check.ok && (check.id === 'encryption-subkey' || check.severity === 'error'),
    )
    .map((check) => check.message.replace(` (${ENCRYPTION_WARNING})`, ''));
  throw new ProviderError(
    'UNSUPPORTED',
    `cannot encrypt to key ${report.fingerprint}: ${reasons.join('; ') || 'no encryption-capable key'}`,
    { key: report.fingerprint },
  );
}
