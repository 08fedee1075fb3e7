import {
  ProviderError,
  secretFromEnv,
  staticSecret,
  HASH_ALGORITHMS,
  type AdapterModule,
  type HashAlgorithm,
  type ProviderConfig,
  type SecretSource,
} from '@keyroute/core';
import { PKCS11_OPTION_NAMES, type Pkcs11ProviderOptions } from './options.js';
import { createPkcs11Provider } from './provider.js';

/** Config keys every provider config may carry besides the adapter's options. */
const COMMON_KEYS = ['type', 'package'] as const;

/** Config-only keys: where the PIN comes from when the context has no secret source. */
const PIN_KEYS = ['pin', 'pinEnv', 'moduleName'] as const;

/** Options that come from the context, not from a config (a config is plain data). */
const CONTEXT_ONLY = new Set<string>(['secrets']);

function invalidType(name: string, type: string, value: unknown): ProviderError {
  return new ProviderError(
    'INVALID_INPUT',
    `pkcs11 config "${name}" must be a ${type}; got ${typeof value}`,
  );
}

function stringOption(config: ProviderConfig, name: string): string | undefined {
  const value = config[name];
  if (value === undefined || typeof value === 'string') return value;
  throw invalidType(name, 'string', value);
}

// Numbers and booleans may come from URI query strings as text.
function numberOption(config: ProviderConfig, name: string): number | undefined {
  const value = config[name];
  if (value === undefined || typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  throw invalidType(name, 'number', value);
}

function booleanOption(config: ProviderConfig, name: string): boolean | undefined {
  const value = config[name];
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalidType(name, 'boolean', value);
}

function hashesOption(config: ProviderConfig, name: string): HashAlgorithm[] | undefined {
  const value = config[name];
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;
  if (
    !Array.isArray(list) ||
    !list.every((item) => (HASH_ALGORITHMS as readonly unknown[]).includes(item))
  ) {
    throw new ProviderError(
      'INVALID_INPUT',
      `pkcs11 config "${name}" must list hashes from ${HASH_ALGORITHMS.join(', ')}`,
    );
  }
  return list as HashAlgorithm[];
}

/** The PIN source: the context's, else `pin` (a literal, for tests) or `pinEnv` from the config. */
function pinSource(
  config: ProviderConfig,
  contextSecrets: SecretSource | undefined,
): SecretSource | undefined {
  if (contextSecrets !== undefined) return contextSecrets;
  const pin = stringOption(config, 'pin');
  const pinEnv = stringOption(config, 'pinEnv');
  if (pin !== undefined && pinEnv !== undefined) {
    throw new ProviderError('INVALID_INPUT', 'pkcs11 config takes "pin" or "pinEnv", not both');
  }
  if (pin !== undefined) return staticSecret(pin);
  if (pinEnv !== undefined) return secretFromEnv(pinEnv);
  return undefined;
}

/**
 * The adapter entry point `loadProvider` from `@keyroute/core` calls for `type: 'pkcs11'`
 * configs (and `pkcs11:` URIs: `pkcs11:token=keyroute?module-path=/usr/lib/softhsm/libsofthsm2.so`).
 * The PIN comes from `context.secrets`, else from the config's `pinEnv` (an environment
 * variable's name) or `pin`.
 *
 * @throws ProviderError `INVALID_INPUT` for an unknown config key (the message lists the known
 *   ones) or a value of the wrong type; whatever {@link createPkcs11Provider} throws.
 */
export const createProvider: AdapterModule['createProvider'] = async (config, context) => {
  context.signal?.throwIfAborted();
  const known = [
    ...COMMON_KEYS,
    ...PIN_KEYS,
    ...PKCS11_OPTION_NAMES.filter((name) => !CONTEXT_ONLY.has(name)),
  ];
  const unknown = Object.keys(config).filter(
    (name) => !(known as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new ProviderError(
      'INVALID_INPUT',
      `unknown pkcs11 config ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${known.join(', ')}`,
    );
  }
  const moduleName = stringOption(config, 'moduleName');
  const token = stringOption(config, 'token');
  const options: Pkcs11ProviderOptions = {};
  const set = <K extends keyof Pkcs11ProviderOptions>(
    name: K,
    value: Pkcs11ProviderOptions[K] | undefined,
  ): void => {
    if (value !== undefined) Object.assign(options, { [name]: value });
  };
  set('id', stringOption(config, 'id'));
  set('module', stringOption(config, 'module'));
  // `module-name` from a URI query travels as moduleName: put it back into the token URI.
  set(
    'token',
    moduleName === undefined
      ? token
      : `${token ?? 'pkcs11:'}?module-name=${encodeURIComponent(moduleName)}`,
  );
  set('secrets', pinSource(config, context.secrets));
  set('poolSize', numberOption(config, 'poolSize'));
  set('timeoutMs', numberOption(config, 'timeoutMs'));
  set('rescanIntervalMs', numberOption(config, 'rescanIntervalMs'));
  set('oaepHashes', hashesOption(config, 'oaepHashes'));
  set('allowPkcs1v15Decrypt', booleanOption(config, 'allowPkcs1v15Decrypt'));
  return createPkcs11Provider(options);
};
