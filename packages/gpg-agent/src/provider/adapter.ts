import {
  ProviderError,
  type AdapterModule,
  type Provider,
  type ProviderConfig,
} from '@keyroute/core';
import { GPG_AGENT_OPTION_NAMES, type GpgAgentProviderOptions } from './options.js';
import { createGpgAgentProvider } from './provider.js';

/** Config keys every provider config may carry besides the adapter's options. */
const COMMON_KEYS = ['type', 'package'] as const;

/** Options that come from the context, not from a config (a config is plain data). */
const CONTEXT_ONLY = new Set<string>(['secrets']);

function invalidType(name: string, type: string, value: unknown): ProviderError {
  return new ProviderError(
    'INVALID_INPUT',
    `gpg-agent config "${name}" must be a ${type}; got ${typeof value}`,
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
  set('id', stringOption(config, 'id'));
  set('homedir', stringOption(config, 'homedir'));
  set('socket', stringOption(config, 'socket'));
  set('poolSize', numberOption(config, 'poolSize'));
  set('timeoutMs', numberOption(config, 'timeoutMs'));
  set('launch', booleanOption(config, 'launch'));
  set('allowPkcs1v15Decrypt', booleanOption(config, 'allowPkcs1v15Decrypt'));
  set('keyCacheMs', numberOption(config, 'keyCacheMs'));
  set('secrets', context.secrets);
  return createGpgAgentProvider(options);
};
