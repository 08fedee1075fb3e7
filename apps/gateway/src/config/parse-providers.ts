import { indexPath, invalidConfig, keyPath } from './json-path.js';
import { field, readArray, readObject, rejectUnknownKeys, requireKey } from './json-values.js';
import { parseSecretRef } from './parse-secret-ref.js';
import {
  checkRequiredOptions,
  providerOptionNames,
  readProviderOption,
} from './provider-options.js';
import type { PathContext } from './resolve-path.js';
import {
  PROVIDER_ID,
  PROVIDER_TYPES,
  type ProviderSpec,
  type ProviderType,
  type SecretRef,
} from './types.js';

/** The keys any of which holds a provider's PIN or passphrase (one at most). */
export const PROVIDER_SECRET_KEYS = ['pin', 'passphrase', 'secret'] as const;

/**
 * Reads `providers`: a list of `{ id, type, …type options, pin | passphrase | secret }`.
 *
 * @throws ProviderError `INVALID_INPUT` naming the JSON path for: an entry that is not an
 *   object; a missing, ill-formed or duplicate `id` (duplicates compare case-insensitively); a
 *   missing or unknown `type`; a key that is neither `id`, `type`, an option of the type nor a
 *   secret key (the message lists the known ones); an option of the wrong kind; more than one
 *   secret key; a secret that is not `{ env }` or `{ file }`; a missing required option.
 */
export function parseProviders(value: unknown, path: string, context: PathContext): ProviderSpec[] {
  const firstIndexById = new Map<string, number>();
  return readArray(value, path).map((entry, index) => {
    const entryPath = indexPath(path, index);
    const provider = parseProvider(entry, entryPath, context);
    const key = provider.id.toLowerCase();
    const first = firstIndexById.get(key);
    if (first !== undefined) {
      throw invalidConfig(
        keyPath(entryPath, 'id'),
        `duplicate provider id "${provider.id}" (also ${indexPath(path, first)})`,
      );
    }
    firstIndexById.set(key, index);
    return provider;
  });
}

function parseProvider(value: unknown, path: string, context: PathContext): ProviderSpec {
  const entry = readObject(value, path);
  // The type first: it decides which keys are known.
  const type = readProviderType(requireKey(entry, path, 'type'), keyPath(path, 'type'));
  const optionNames = providerOptionNames(type);
  rejectUnknownKeys(entry, path, ['id', 'type', ...optionNames, ...PROVIDER_SECRET_KEYS]);
  const id = readProviderId(requireKey(entry, path, 'id'), keyPath(path, 'id'));

  const options: Record<string, unknown> = {};
  for (const name of optionNames) {
    const option = field(entry, name);
    if (option !== undefined) {
      options[name] = readProviderOption(type, name, option, keyPath(path, name), context);
    }
  }
  checkRequiredOptions(type, options, path);

  const secret = readProviderSecret(entry, path, context);
  return secret === undefined ? { id, type, options } : { id, type, options, secret };
}

function readProviderId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !PROVIDER_ID.test(value)) {
    const shown = typeof value === 'string' ? `${JSON.stringify(value.slice(0, 40))} ` : '';
    throw invalidConfig(
      path,
      `${shown}is not a provider id: 1 to 32 letters, digits, "_" and "-", starting with a ` +
        'letter or digit (it prefixes key ids and appears in URLs)',
    );
  }
  return value;
}

function readProviderType(value: unknown, path: string): ProviderType {
  const type = PROVIDER_TYPES.find((candidate) => candidate === value);
  if (type === undefined) {
    const shown = typeof value === 'string' ? `${JSON.stringify(value.slice(0, 40))} ` : '';
    throw invalidConfig(
      path,
      `${shown}is not a provider type; known: ${PROVIDER_TYPES.join(', ')}`,
    );
  }
  return type;
}

function readProviderSecret(
  entry: Readonly<Record<string, unknown>>,
  path: string,
  context: PathContext,
): SecretRef | undefined {
  const given = PROVIDER_SECRET_KEYS.filter((key) => field(entry, key) !== undefined);
  if (given.length > 1) {
    throw invalidConfig(
      path,
      `give one of ${PROVIDER_SECRET_KEYS.join(', ')}; got ${given.join(', ')}`,
    );
  }
  const key = given[0];
  return key === undefined ? undefined : parseSecretRef(entry[key], keyPath(path, key), context);
}
