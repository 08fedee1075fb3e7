import type { SecretSource } from '@keyroute/core';

/** Options of {@link createGpgAgentProvider}. Every field is optional. */
export interface GpgAgentProviderOptions {
  /** Provider id (default `gpg-agent`). */
  readonly id?: string;
  /** GNUPGHOME of the agent and of gpg/gpgsm (default: `$GNUPGHOME` or `~/.gnupg`). */
  readonly homedir?: string;
  /** Explicit agent socket path; skips `gpgconf --list-dirs` (and launching). */
  readonly socket?: string;
  /** Supplies passphrases of protected keys (asked through `INQUIRE PASSPHRASE`). */
  readonly secrets?: SecretSource;
  /** Most agent connections held at once (default 2: the agent is single-threaded). */
  readonly poolSize?: number;
  /** Time limit of each call in milliseconds (default 30 000); exceeding it is `TIMEOUT`. */
  readonly timeoutMs?: number;
  /** Relaunch the agent with `gpgconf --launch` when it is gone (default true). */
  readonly launch?: boolean;
  /** Allow RSA PKCS #1 v1.5 decryption (default false: padding-oracle risk). */
  readonly allowPkcs1v15Decrypt?: boolean;
  /**
   * How long a key listing is reused, in milliseconds (default 30 000). A stale listing keeps
   * serving lookups while a refresh (KEYINFO, READKEY, gpg and gpgsm listings) runs in the
   * background; a reference that matches nothing lists again at once.
   */
  readonly keyCacheMs?: number;
}

/** The option names {@link createGpgAgentProvider} knows (for config validation). */
export const GPG_AGENT_OPTION_NAMES = [
  'id',
  'homedir',
  'socket',
  'secrets',
  'poolSize',
  'timeoutMs',
  'launch',
  'allowPkcs1v15Decrypt',
  'keyCacheMs',
] as const satisfies readonly (keyof GpgAgentProviderOptions)[];

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly id: string;
  readonly homedir: string | undefined;
  readonly socket: string | undefined;
  readonly secrets: SecretSource | undefined;
  readonly poolSize: number;
  readonly timeoutMs: number;
  readonly launch: boolean;
  readonly allowPkcs1v15Decrypt: boolean;
  readonly keyCacheMs: number;
}
