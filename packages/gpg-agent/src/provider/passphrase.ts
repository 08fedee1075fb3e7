import type { InquireAnswer, InquireHandler } from '@keyroute/assuan';
import type { AgentKey } from './agent-key.js';
import type { ProviderContext } from './context.js';
import { keyInfoOf } from './list-keys.js';

/** What happened to the passphrase during one agent operation. */
export interface PassphraseState {
  /** A passphrase was supplied to the agent. */
  supplied: boolean;
  /** The agent asked again after one was supplied: it was wrong. */
  rejected: boolean;
}

/** Asks the secret source for a key's passphrase; undefined when there is none. */
export async function askPassphrase(
  context: ProviderContext,
  key: AgentKey,
  signal: AbortSignal | undefined,
): Promise<string | Uint8Array | undefined> {
  const { secrets, id } = context.options;
  if (secrets === undefined) return undefined;
  const label = key.info.label;
  return secrets(
    {
      provider: id,
      kind: 'passphrase',
      key: key.info.id,
      ...(label === undefined ? {} : { description: label }),
      attempt: 1,
    },
    signal === undefined ? {} : { signal },
  );
}

/**
 * Answers `INQUIRE PASSPHRASE` from the secret source, once: a second inquiry within the same
 * operation means the passphrase was wrong, and it is cancelled rather than retried (a provider
 * never loops on wrong secrets). `extra` answers other inquiries (`CIPHERTEXT`); everything
 * else is cancelled.
 */
export function passphraseInquirer(
  context: ProviderContext,
  key: AgentKey,
  state: PassphraseState,
  extra: (keyword: string) => InquireAnswer | undefined = () => undefined,
): InquireHandler {
  return async (keyword, _args, signal) => {
    if (keyword !== 'PASSPHRASE') return extra(keyword) ?? { cancel: true };
    if (state.supplied) {
      state.rejected = true;
      return { cancel: true };
    }
    const secret = await askPassphrase(context, key, signal);
    if (secret === undefined) return { cancel: true };
    state.supplied = true;
    return secret;
  };
}

/**
 * The passphrase to hand to gpg/gpgsm for `key`: asked from the secret source only when the
 * key is protected and the agent has not cached its passphrase (checked now, not from the
 * cached listing).
 */
export async function passphraseForTool(
  context: ProviderContext,
  key: AgentKey,
  signal: AbortSignal,
): Promise<string | Uint8Array | undefined> {
  if (!key.protected) return undefined;
  const line = await context.pool.use((connection) => keyInfoOf(connection, key.keygrip), signal);
  if (line?.cached === true) return undefined;
  return askPassphrase(context, key, signal);
}
