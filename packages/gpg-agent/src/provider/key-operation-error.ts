import type { ProviderError } from '@keyroute/core';
import type { AgentKey } from './agent-key.js';
import type { ProviderContext } from './context.js';
import { mapAgentError } from './errors.js';
import type { PassphraseState } from './passphrase.js';

/**
 * Maps a failed PKSIGN/PKDECRYPT to a `ProviderError`, and forgets the cached key listing when
 * the agent no longer has the key (the next lookup lists again).
 */
export function keyOperationError(
  context: ProviderContext,
  error: unknown,
  command: 'PKSIGN' | 'PKDECRYPT',
  key: AgentKey,
  reference: string,
  state: PassphraseState,
): ProviderError {
  const mapped = mapAgentError(error, {
    provider: context.options.id,
    operation: `${command} with key ${key.keygrip}`,
    key: reference,
    hadSecret: state.supplied,
    secretRejected: state.rejected,
  });
  if (mapped.code === 'KEY_NOT_FOUND') context.directory.invalidate();
  return mapped;
}
