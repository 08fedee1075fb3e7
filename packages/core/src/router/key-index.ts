import { ProviderError, isProviderError } from '../contract/errors.js';
import type { KeyInfo } from '../contract/keys.js';
import type { Provider } from '../contract/provider.js';
import { matchKeys } from '../keys/find-key.js';

/** What the router knows about one provider. */
export interface ProviderStatus {
  /** Provider id. */
  readonly id: string;
  /** Provider kind. */
  readonly kind: string;
  /** `up` after a successful listing, `down` after a failed one, `unknown` before the first. */
  readonly state: 'up' | 'down' | 'unknown';
  /** Number of keys known (from the last successful listing). */
  readonly keys: number;
  /** When the provider last answered a listing. */
  readonly lastRefresh?: Date;
  /** The last failure, without secrets: code and message. */
  readonly lastError?: { readonly code: string; readonly message: string };
}

interface Entry {
  readonly provider: Provider;
  keys: readonly KeyInfo[];
  state: ProviderStatus['state'];
  lastRefresh?: Date;
  lastError?: { code: string; message: string };
}

/** A match of a key reference: the provider, the key, and whether the provider is up. */
export interface IndexMatch {
  readonly provider: Provider;
  readonly key: KeyInfo;
  readonly up: boolean;
}

/**
 * The router's cache of every provider's keys. It keeps the last known keys of a provider
 * that went down, so that a reference to one of them is answered `UNAVAILABLE` rather than
 * `KEY_NOT_FOUND`.
 */
export class KeyIndex {
  readonly #entries = new Map<string, Entry>();

  constructor(providers: readonly Provider[]) {
    for (const provider of providers) {
      if (this.#entries.has(provider.id)) {
        throw new ProviderError('INVALID_INPUT', `two providers share the id "${provider.id}"`);
      }
      this.#entries.set(provider.id, { provider, keys: [], state: 'unknown' });
    }
  }

  /** The providers in configuration order. */
  providers(): Provider[] {
    return [...this.#entries.values()].map((entry) => entry.provider);
  }

  /** Looks up one provider by id. */
  provider(id: string): Provider | undefined {
    return this.#entries.get(id)?.provider;
  }

  /** Records a successful listing. */
  recordKeys(providerId: string, keys: readonly KeyInfo[]): void {
    const entry = this.#entries.get(providerId);
    if (!entry) return;
    entry.keys = keys;
    entry.state = 'up';
    entry.lastRefresh = new Date();
    delete entry.lastError;
  }

  /** Records a failed listing or a failure that shows the backend is down. */
  recordFailure(providerId: string, error: unknown): void {
    const entry = this.#entries.get(providerId);
    if (!entry) return;
    entry.state = 'down';
    entry.lastError = isProviderError(error)
      ? { code: error.code, message: error.message }
      : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
  }

  /** Keys of providers that are up, in provider order. */
  liveKeys(): KeyInfo[] {
    return [...this.#entries.values()].filter((e) => e.state === 'up').flatMap((e) => e.keys);
  }

  /** Every key known, up or down. */
  allKeys(): KeyInfo[] {
    return [...this.#entries.values()].flatMap((e) => e.keys);
  }

  /** Ids of providers that are not up. */
  downProviders(): string[] {
    return [...this.#entries.values()].filter((e) => e.state !== 'up').map((e) => e.provider.id);
  }

  /**
   * Every key the reference names. `provider/rest` restricts the search to that provider
   * when `provider` is a known provider id.
   */
  match(reference: string): IndexMatch[] {
    const slash = reference.indexOf('/');
    if (slash > 0) {
      const entry = this.#entries.get(reference.slice(0, slash));
      if (entry) {
        const found = matchKeys(entry.keys, reference.slice(slash + 1));
        if (found.length > 0) return found.map((key) => this.#toMatch(entry, key));
      }
    }
    return [...this.#entries.values()].flatMap((entry) =>
      matchKeys(entry.keys, reference).map((key) => this.#toMatch(entry, key)),
    );
  }

  /** Status of every provider. */
  status(): ProviderStatus[] {
    return [...this.#entries.values()].map((entry) => ({
      id: entry.provider.id,
      kind: entry.provider.kind,
      state: entry.state,
      keys: entry.keys.length,
      ...(entry.lastRefresh ? { lastRefresh: entry.lastRefresh } : {}),
      ...(entry.lastError ? { lastError: { ...entry.lastError } } : {}),
    }));
  }

  #toMatch(entry: Entry, key: KeyInfo): IndexMatch {
    return { provider: entry.provider, key, up: entry.state === 'up' };
  }
}
