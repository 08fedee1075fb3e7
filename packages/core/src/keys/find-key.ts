import { ProviderError } from '../contract/errors.js';
import type { KeyInfo } from '../contract/keys.js';
import {
  isHexField,
  parseKeyReference,
  type ParsedKeyReference,
  type ReferenceField,
} from './key-reference.js';

/** Returns the value of `field` of a key, normalised for comparison, or undefined. */
function fieldValue(key: KeyInfo, field: ReferenceField): string | undefined {
  const raw = field === 'id' ? key.id : field === 'label' ? key.label : key.aliases[field];
  if (raw === undefined) return undefined;
  return isHexField(field) ? raw.toUpperCase() : raw;
}

/** True when `key` is named by the parsed reference. */
export function keyMatches(key: KeyInfo, reference: ParsedKeyReference): boolean {
  return reference.fields.some((field) => {
    const candidate = fieldValue(key, field);
    if (candidate === undefined) return false;
    return candidate === (isHexField(field) ? reference.value.toUpperCase() : reference.value);
  });
}

/**
 * All keys that `reference` names, preferring an exact `id` match over alias matches (a key
 * id that happens to look like hex must still win).
 */
export function matchKeys(keys: readonly KeyInfo[], reference: string): KeyInfo[] {
  const parsed = parseKeyReference(reference);
  const byId = keys.filter((key) => key.id === parsed.text);
  if (byId.length > 0) return byId;
  return keys.filter((key) => keyMatches(key, parsed));
}

/**
 * Finds exactly one key in `keys`.
 *
 * @throws ProviderError `KEY_NOT_FOUND` with the closest candidates in the message when nothing
 *   matches; `INVALID_INPUT` when the reference names more than one key.
 */
export function findKey(keys: readonly KeyInfo[], reference: string, provider: string): KeyInfo {
  const matches = matchKeys(keys, reference);
  const [first, second] = matches;
  if (first !== undefined && second === undefined) return first;
  if (first !== undefined) {
    const ids = matches.map((key) => `"${key.id}"`).join(', ');
    throw new ProviderError(
      'INVALID_INPUT',
      `key reference "${reference}" is ambiguous in provider "${provider}": it names ${ids}; use a key id or a full fingerprint`,
      { provider, key: reference },
    );
  }
  throw keyNotFound(keys, reference, provider);
}

/** Builds the `KEY_NOT_FOUND` error, naming up to three closest candidates. */
export function keyNotFound(
  keys: readonly KeyInfo[],
  reference: string,
  provider: string,
): ProviderError {
  const candidates = closestKeys(keys, reference, 3);
  const hint =
    candidates.length > 0
      ? `; closest: ${candidates.map((key) => `"${key.id}"${key.label === undefined ? '' : ` (${key.label})`}`).join(', ')}`
      : keys.length === 0
        ? '; the provider has no keys'
        : '';
  return new ProviderError(
    'KEY_NOT_FOUND',
    `no key matches "${reference}" in provider "${provider}"${hint}`,
    {
      provider,
      key: reference,
    },
  );
}

/** Keys whose id, label or aliases are closest to `reference` by edit distance or shared prefix. */
export function closestKeys(keys: readonly KeyInfo[], reference: string, limit: number): KeyInfo[] {
  const needle = reference.trim().toLowerCase();
  const scored = keys.map((key) => {
    const aliases: unknown[] = Object.values(key.aliases);
    const names = [key.id, key.label, ...aliases].filter(
      (name): name is string => typeof name === 'string',
    );
    const score = Math.min(...names.map((name) => nameDistance(needle, name.toLowerCase())));
    return { key, score };
  });
  const threshold = Math.max(2, Math.floor(needle.length / 3));
  return scored
    .filter((entry) => entry.score <= threshold)
    .sort((a, b) => a.score - b.score)
    .slice(0, limit)
    .map((entry) => entry.key);
}

/** Edit distance, where a name that starts with the needle (a shortened fingerprint) counts as 1. */
function nameDistance(needle: string, name: string): number {
  if (needle.length >= 4 && name.startsWith(needle)) return 1;
  return levenshtein(needle, name.slice(0, needle.length + 8));
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
