import { config as defaultConfig } from 'openpgp';
import type { PublicKey, Subkey } from 'openpgp';
import { subkeyUnusableReason } from './encryption-check.js';
import { allowedAlgorithmsOf } from './policy.js';
import type { ValidationPolicy } from './policy.js';
import { keyIdOf } from './report.js';
import type { ValidationCheck } from './report.js';

/** The primary key and the subkeys valid now: those the policy checks apply to. */
async function componentsInUse(
  key: PublicKey,
  now: Date,
): Promise<{ component: PublicKey | Subkey; subkey?: string }[]> {
  const subkeys = await Promise.all(
    key.subkeys.map(async (subkey) =>
      (await subkeyUnusableReason(subkey, now, defaultConfig)) === undefined ? subkey : undefined,
    ),
  );
  return [
    { component: key },
    ...subkeys
      .filter((subkey): subkey is Subkey => subkey !== undefined)
      .map((subkey) => ({ component: subkey, subkey: keyIdOf(subkey) })),
  ];
}

/**
 * The `algorithm-policy` and `key-size-policy` checks (severity error) of the primary key and of
 * each subkey valid at `now`: expired and revoked subkeys are never used, so not judged.
 */
export async function checkPolicy(
  key: PublicKey,
  now: Date,
  policy: ValidationPolicy,
): Promise<ValidationCheck[]> {
  const components = await componentsInUse(key, now);
  const allowed = allowedAlgorithmsOf(policy);
  const checks: ValidationCheck[] = [];
  for (const { component, subkey } of components) {
    const { algorithm, bits, curve } = component.getAlgorithmInfo();
    const which = subkey === undefined ? 'primary key' : `subkey ${subkey}`;
    const about = subkey === undefined ? {} : { subkey };
    const algorithmOk = allowed.has(algorithm);
    checks.push({
      id: 'algorithm-policy',
      ok: algorithmOk,
      severity: 'error',
      message: algorithmOk
        ? `${which}: ${algorithm} is allowed`
        : `${which}: ${algorithm} is not allowed by the policy (allowed: ${[...allowed].join(', ')})`,
      ...about,
    });
    const isRsa = algorithm.startsWith('rsa');
    const sizeOk = !isRsa || (bits ?? 0) >= policy.minRsaBits;
    const size = isRsa ? `${bits ?? 0}-bit RSA` : (curve ?? algorithm);
    checks.push({
      id: 'key-size-policy',
      ok: sizeOk,
      severity: 'error',
      message: sizeOk
        ? `${which}: ${size} is strong enough`
        : `${which}: ${size} is below the policy's ${policy.minRsaBits} bits`,
      ...about,
    });
  }
  return checks;
}
