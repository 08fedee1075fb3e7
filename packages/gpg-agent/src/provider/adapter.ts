import {
  ProviderError,
  configString,
  configNumber,
  configBoolean,
  type AdapterModule,
  type Provider,
} from '@keyroute/core';
import { GPG_AGENT_OPTION_NAMES, type GpgAgentProviderOptions } from './options.js';
import { createGpgAgentProvider } from './provider.js';

/** Config keys every provider config may carry besides the adapter's options. */
const COMMON_KEYS = ['type', 'package'] as const;

/** Options that come from the context, not from a config (a config is plain data). */
const CONTEXT_ONLY = new Set<string>(['secrets']);

/**
 * The adapter entry point `loadProvider` from `@keyroute/core` calls for `type: 'gpg-agent'`
 * configs (and `gpg-agent:` URIs). Passphrases come from `context.secrets`.
 *
 * @throws ProviderError `INVALID_INPUT` for an unknown config key (the message lists the known
 *   ones) or a value of the wrong type. The provider connects lazily, so a stopped agent is
 *   reported by the first call (`UNAVAILABLE`), not here. An aborted `context.signal` rejects
 *   with its reason.
 */
export const createProvider: AdapterModule['createProvider'] = (config, context): Provider => {
  context.signal?.throwIfAborted();
  const known = [
    ...COMMON_KEYS,
    ...GPG_AGENT_OPTION_NAMES.filter((name) => !CONTEXT_ONLY.has(name)),
  ];
  const unknown = Object.keys(config).filter(
    (name) => !(known as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new ProviderError(
      'INVALID_INPUT',
      `unknown gpg-agent config ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${known.join(', ')}`,
    );
  }
  const options: GpgAgentProviderOptions = {};
  const set = <K extends keyof GpgAgentProviderOptions>(
    name: K,
    value: GpgAgentProviderOptions[K] | undefined,
  ): void => {
    if (value !== undefined) Object.assign(options, { [name]: value });
  };
  set('id', configString(config, 'id', 'gpg-agent'));
  set('homedir', configString(config, 'homedir', 'gpg-agent'));
  set('socket', configString(config, 'socket', 'gpg-agent'));
  set('poolSize', configNumber(config, 'poolSize', 'gpg-agent'));
  set('timeoutMs', configNumber(config, 'timeoutMs', 'gpg-agent'));
  set('launch', configBoolean(config, 'launch', 'gpg-agent'));
  set('allowPkcs1v15Decrypt', configBoolean(config, 'allowPkcs1v15Decrypt', 'gpg-agent'));
  set('keyCacheMs', configNumber(config, 'keyCacheMs', 'gpg-agent'));
  set('secrets', context.secrets);
  return createGpgAgentProvider(options);
};
