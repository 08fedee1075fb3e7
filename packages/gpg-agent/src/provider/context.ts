import type { KeyDirectory } from './list-keys.js';
import type { ResolvedOptions } from './options.js';
import type { AgentPool } from './pool.js';

/** What every operation of one provider shares. */
export interface ProviderContext {
  readonly options: ResolvedOptions;
  readonly pool: AgentPool;
  readonly directory: KeyDirectory;
}

/** The `homedir` option for the gpg/gpgsm helpers, when one is configured. */
export function homedirOption(context: ProviderContext): { homedir?: string } {
  const { homedir } = context.options;
  return homedir === undefined ? {} : { homedir };
}
