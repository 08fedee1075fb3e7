import {
  ProviderError,
  configString,
  configNumber,
  configBoolean,
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
  const pin = configString(config, 'pin', 'pkcs11');
  const pinEnv = configString(config, 'pinEnv', 'pkcs11');
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
  const moduleName = configString(config, 'moduleName', 'pkcs11');
  const token = configString(config, 'token', 'pkcs11');
  const options: Pkcs11ProviderOptions = {};
  const set = <K extends keyof Pkcs11ProviderOptions>(
    name: K,
    value: Pkcs11ProviderOptions[K] | undefined,
  ): void => {
    if (value !== undefined) Object.assign(options, { [name]: value });
  };
  set('id', configString(config, 'id', 'pkcs11'));
  set('module', configString(config, 'module', 'pkcs11'));
  // `module-name` from a URI query travels as moduleName: put it back into the token URI.
  set(
    'token',
    moduleName === undefined
      ? token
      : `${token ?? 'pkcs11:'}?module-name=${encodeURIComponent(moduleName)}`,
  );
  set('secrets', pinSource(config, context.secrets));
  set('poolSize', configNumber(config, 'poolSize', 'pkcs11'));
  set('timeoutMs', configNumber(config, 'timeoutMs', 'pkcs11'));
  set('rescanIntervalMs', configNumber(config, 'rescanIntervalMs', 'pkcs11'));
  set('oaepHashes', hashesOption(config, 'oaepHashes'));
  set('allowPkcs1v15Decrypt', configBoolean(config, 'allowPkcs1v15Decrypt', 'pkcs11'));
  return createPkcs11Provider(options);
};
