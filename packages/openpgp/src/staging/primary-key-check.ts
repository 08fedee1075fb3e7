import type { Config, PublicKey } from 'openpgp';
import { reasonOf } from './report.js';
import type { ValidationCheck } from './report.js';

/** `2027-01-31T12:00:00.000Z`, or `never` for openpgp.js's Infinity. */
function describeExpiry(expiry: Date | number | null): string {
  return expiry instanceof Date ? expiry.toISOString() : 'never';
}

/**
 * The `primary-key-valid` check (severity error): the primary key is valid at `now` — a valid
 * self-signature, not expired, not revoked — with its expiry and revocation state.
 */
export async function checkPrimaryKey(
  key: PublicKey,
  now: Date,
  config: Config,
): Promise<{ check: ValidationCheck; revoked: boolean; expiresAt: Date | undefined }> {
  const expiry = await key.getExpirationTime(undefined, config).catch(() => null);
  const expiresAt = expiry instanceof Date ? expiry : undefined;
  const revoked = await key.isRevoked(undefined, undefined, now, config).catch(() => false);
  const check = (ok: boolean, message: string): ValidationCheck => ({
    id: 'primary-key-valid',
    ok,
    severity: 'error',
    message,
  });
  try {
    await key.verifyPrimaryKey(now, undefined, config);
    return {
      check: check(true, `the primary key is valid (expires: ${describeExpiry(expiry)})`),
      revoked,
      expiresAt,
    };
  } catch (error) {
    let message = `the primary key is not valid: ${reasonOf(error)}`;
    if (revoked) message = 'the primary key is revoked';
    else if (expiresAt !== undefined && expiresAt <= now) {
      message = `the primary key expired on ${expiresAt.toISOString()}`;
    }
    return { check: check(false, message), revoked, expiresAt };
  }
}
