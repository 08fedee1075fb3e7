import type { CallOptions } from './call-options.js';

/** What a provider asks a {@link SecretSource} for. Never contains the secret itself. */
export interface SecretRequest {
  /** The provider asking. */
  readonly provider: string;
  /** `pin` for PKCS#11 tokens and smartcards, `passphrase` for protected soft keys. */
  readonly kind: 'pin' | 'passphrase';
  /** The key (id) or token (label) the secret unlocks. */
  readonly key: string;
  /** A short description for a person, such as the token label or the key's user ID. */
  readonly description?: string;
  /** 1 on the first request; higher after the previous answer was wrong. */
  readonly attempt: number;
}

/**
 * Supplies PINs and passphrases. Return `undefined` when no secret is available: the
 * operation then fails with `LOCKED`. A wrong answer fails with `BAD_SECRET`; providers never
 * loop on wrong answers (a token could lock). Secrets are never logged nor put into errors.
 */
export type SecretSource = (
  request: SecretRequest,
  options: CallOptions,
) => Promise<string | Uint8Array | undefined> | string | Uint8Array | undefined;

/** A {@link SecretSource} that answers every request with the same secret. */
export function staticSecret(secret: string | Uint8Array): SecretSource {
  return () => secret;
}

/** A {@link SecretSource} that reads the secret from an environment variable at request time. */
export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): SecretSource {
  return () => env[name];
}
