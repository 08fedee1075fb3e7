import type { Config, PublicKey, Subkey } from 'openpgp';
import { keyIdOf, reasonOf } from './report.js';
import type { ValidationCheck } from './report.js';

/** Added to failed `encryption-subkey` messages: what the warning means. */
export const ENCRYPTION_WARNING = 'a warning at upload; encrypting to this key fails';

/** Why `subkey` cannot serve for encryption now, or undefined when it could. */
export async function subkeyUnusableReason(
  subkey: Subkey,
  now: Date,
  config: Config,
): Promise<string | undefined> {
  try {
    await subkey.verify(now, config);
  } catch (error) {
    const reason = reasonOf(error);
    if (/expired/i.test(reason)) {
      const expiry = await subkey.getExpirationTime(undefined, config).catch(() => null);
      if (expiry instanceof Date) return `expired on ${expiry.toISOString()}`;
    }
    return reason;
  }
  return undefined;
}

/**
 * The `encryption-subkey` checks (severity warning): one passed check naming the key openpgp.js
 * would encrypt to at `now` under `config`, or one failed check per subkey that cannot serve
 * (expired, revoked, bad binding) — or a single one when none explains it.
 */
export async function checkEncryption(
  key: PublicKey,
  now: Date,
  config: Config,
): Promise<ValidationCheck[]> {
  try {
    const chosen = await key.getEncryptionKey(undefined, now, undefined, config);
    const keyId = keyIdOf(chosen);
    const { algorithm } = chosen.getAlgorithmInfo();
    const role = chosen === key ? 'the primary key' : `subkey ${keyId}`;
    return [
      {
        id: 'encryption-subkey',
        ok: true,
        severity: 'warning',
        message: `encrypts to ${role} (${algorithm})`,
        subkey: keyId,
      },
    ];
  } catch (error) {
    const failed = (message: string, subkey?: string): ValidationCheck => ({
      id: 'encryption-subkey',
      ok: false,
      severity: 'warning',
      message: `${message} (${ENCRYPTION_WARNING})`,
      ...(subkey === undefined ? {} : { subkey }),
    });
    const checks: ValidationCheck[] = [];
    for (const subkey of key.subkeys) {
      const keyId = keyIdOf(subkey);
      const unusable = await subkeyUnusableReason(subkey, now, config);
      if (unusable !== undefined) checks.push(failed(`subkey ${keyId}: ${unusable}`, keyId));
    }
    if (checks.length === 0) {
      const why = key.subkeys.length === 0 ? 'the certificate has no subkey; ' : '';
      checks.push(failed(`no currently valid encryption-capable key: ${why}${reasonOf(error)}`));
    }
    return checks;
  }
}
