import type { KeyInfo } from '../contract/keys.js';
import type { SuiteContext } from './context.js';
import { describeError, Problems, settle } from './problems.js';

/** The explicit prefix of each alias in a key reference (see `KeyReference`). */
const ALIAS_PREFIXES: Readonly<Record<string, string>> = {
  keygrip: 'keygrip:',
  spkiSha256: 'spki-sha256:',
  openpgpFingerprint: 'openpgp:',
  openpgpKeyId: 'keyid:',
  x509Sha256: 'x509-sha256:',
};

/** Every reference that names `key`: its id, each alias bare, and each alias with its prefix. */
export function referencesOf(key: KeyInfo): string[] {
  const references = [key.id];
  const aliases: Readonly<Record<string, unknown>> = { ...key.aliases };
  for (const [alias, value] of Object.entries(aliases)) {
    if (typeof value !== 'string') continue;
    references.push(value);
    const prefix = ALIAS_PREFIXES[alias];
    if (prefix !== undefined) references.push(`${prefix}${value}`);
  }
  return references;
}

/**
 * `getKey` finds every listed key by its id and by each alias it has (bare and prefixed), and
 * returns the same key (same id and public key).
 *
 * @throws ConformanceError naming every reference that failed.
 */
export async function checkGetKey(context: SuiteContext): Promise<void> {
  const problems = new Problems();
  for (const key of context.keys) {
    for (const reference of referencesOf(key)) {
      const outcome = await settle(() => context.provider.getKey(reference));
      if (outcome.rejected) {
        problems.check(
          false,
          `getKey("${reference}") for key "${key.id}" rejected with ${describeError(outcome.error)}`,
        );
      } else {
        const found = outcome.value;
        problems.check(
          found.id === key.id && found.aliases.spkiSha256 === key.aliases.spkiSha256,
          `getKey("${reference}") returned key "${found.id}", expected "${key.id}"`,
        );
      }
    }
  }
  if (problems.cases === 0) problems.add('no keys are listed, so getKey cannot be checked');
  problems.throwIfAny('getKey');
}
