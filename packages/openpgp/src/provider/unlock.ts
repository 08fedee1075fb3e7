import { createHmac, randomBytes } from 'node:crypto';
import { ProviderError, type SecretSource } from '@keyroute/core';
import { decryptKey, type PrivateKey } from 'openpgp';

/** Options of an {@link UnlockedKeys} cache. */
export interface UnlockOptions {
  readonly provider: string;
  readonly secrets: SecretSource | undefined;
  /** How long an unlocked key is kept (0: not kept). */
  readonly ttlMs: number;
}

interface Held {
  readonly key: PrivateKey;
  readonly timer: NodeJS.Timeout | undefined;
}

/**
 * Unlocks secret keys with passphrases from the `SecretSource` and keeps them unlocked in memory
 * for `ttlMs`. Concurrent requests for one key share one unlock. A wrong passphrase is
 * `BAD_SECRET` and remembered as a keyed hash (never the passphrase): the same wrong answer is
 * refused without trying it again. No answer is `LOCKED`.
 */
export class UnlockedKeys {
  readonly #options: UnlockOptions;
  readonly #held = new Map<string, Held>();
  readonly #pending = new Map<string, Promise<PrivateKey>>();
  readonly #rejected = new Map<string, Set<string>>();
  readonly #hashKey = randomBytes(32);

  constructor(options: UnlockOptions) {
    this.#options = options;
  }

  /** The key decrypted, from the cache or by asking for its passphrase. */
  unlock(
    fingerprint: string,
    stored: PrivateKey,
    description: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<PrivateKey> {
    if (stored.isDecrypted()) return Promise.resolve(stored);
    const held = this.#held.get(fingerprint);
    if (held !== undefined) return Promise.resolve(held.key);
    let pending = this.#pending.get(fingerprint);
    if (pending === undefined) {
      pending = this.#ask(fingerprint, stored, description, signal).finally(() => {
        this.#pending.delete(fingerprint);
      });
      this.#pending.set(fingerprint, pending);
    }
    return pending;
  }

  /** Forgets every unlocked key (dispose, key deleted). */
  clear(fingerprint?: string): void {
    for (const [name, held] of this.#held) {
      if (fingerprint !== undefined && name !== fingerprint) continue;
      if (held.timer !== undefined) clearTimeout(held.timer);
      this.#held.delete(name);
    }
  }

  async #ask(
    fingerprint: string,
    stored: PrivateKey,
    description: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<PrivateKey> {
    const { provider, secrets, ttlMs } = this.#options;
    const rejected = this.#rejected.get(fingerprint) ?? new Set<string>();
    const answer = await secrets?.(
      {
        provider,
        kind: 'passphrase',
        key: fingerprint,
        ...(description === undefined ? {} : { description }),
        attempt: rejected.size + 1,
      },
      signal === undefined ? {} : { signal },
    );
    signal?.throwIfAborted();
    if (answer === undefined) {
      throw new ProviderError(
        'LOCKED',
        `secret key ${fingerprint} is protected and no secret source supplied its passphrase`,
        { provider, key: fingerprint },
      );
    }
    const passphrase = typeof answer === 'string' ? answer : Buffer.from(answer).toString('utf8');
    const fingerprintOfAnswer = createHmac('sha256', this.#hashKey)
      .update(passphrase)
      .digest('base64');
    if (rejected.has(fingerprintOfAnswer)) {
      throw new ProviderError(
        'BAD_SECRET',
        `the passphrase for ${fingerprint} was already refused; keyroute does not try it again`,
        { provider, key: fingerprint },
      );
    }
    let key: PrivateKey;
    try {
      key = await decryptKey({ privateKey: stored, passphrase });
    } catch {
      rejected.add(fingerprintOfAnswer);
      this.#rejected.set(fingerprint, rejected);
      // openpgp.js's message says only "Incorrect key passphrase"; no cause, nothing secret.
      throw new ProviderError('BAD_SECRET', `wrong passphrase for secret key ${fingerprint}`, {
        provider,
        key: fingerprint,
      });
    }
    if (ttlMs > 0) {
      const timer = setTimeout(() => {
        this.#held.delete(fingerprint);
      }, ttlMs);
      timer.unref();
      this.#held.set(fingerprint, { key, timer });
    }
    return key;
  }
}
