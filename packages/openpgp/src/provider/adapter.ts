import { ProviderError, configString, configNumber, type AdapterModule } from '@keyroute/core';
import { OPENPGP_OPTION_NAMES, type OpenPgpProviderOptions } from './options.js';
import { createOpenPgpProvider } from './provider.js';

/** Config keys every provider config may carry besides the adapter's options. */
const COMMON_KEYS = ['type', 'package'] as const;

/** Options that come from the context, not from a config (a config is plain data). */
const CONTEXT_ONLY = new Set<string>(['secrets', 'policy']);

/**
 * The adapter entry point `loadProvider` from `@keyroute/core` calls for `type: 'openpgp'`
 * configs and `openpgp:/dir` URIs. Passphrases come from `context.secrets`.
 *
 * @throws ProviderError `INVALID_INPUT` for an unknown config key (the message lists the known
 *   ones) or a value of the wrong type; whatever {@link createOpenPgpProvider} throws.
 */
export const createProvider: AdapterModule['createProvider'] = (config, context) => {
  context.signal?.throwIfAborted();
  const known = [...COMMON_KEYS, ...OPENPGP_OPTION_NAMES.filter((name) => !CONTEXT_ONLY.has(name))];
  const unknown = Object.keys(config).filter(
    (name) => !(known as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    return Promise.reject(
      new ProviderError(
        'INVALID_INPUT',
        `unknown openpgp config ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${known.join(', ')}`,
      ),
    );
  }
  const dir = configString(config, 'dir', 'openpgp');
  if (dir === undefined) {
    return Promise.reject(
      new ProviderError('INVALID_INPUT', 'openpgp config needs "dir", the keystore folder'),
    );
  }
  const options: OpenPgpProviderOptions = { dir };
  const set = <K extends keyof OpenPgpProviderOptions>(
    name: K,
    value: OpenPgpProviderOptions[K] | undefined,
  ): void => {
    if (value !== undefined) Object.assign(options, { [name]: value });
  };
  set('id', configString(config, 'id', 'openpgp'));
  set('unlockTtlMs', configNumber(config, 'unlockTtlMs', 'openpgp'));
  set('timeoutMs', configNumber(config, 'timeoutMs', 'openpgp'));
  set('maxDecryptedBytes', configNumber(config, 'maxDecryptedBytes', 'openpgp'));
  set('secrets', context.secrets);
  return createOpenPgpProvider(options);
};
