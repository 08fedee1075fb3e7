import type { CallOptions } from '../contract/call-options.js';
import type { ProviderCapabilities } from '../contract/capabilities.js';
import { ProviderError, hasErrorCode, isProviderError } from '../contract/errors.js';
import type { CertificateInfo, KeyInfo } from '../contract/keys.js';
import type { Provider } from '../contract/provider.js';
import type {
  DecryptRequest,
  DecryptResult,
  EncryptRequest,
  EncryptResult,
  KeyReference,
  SignRequest,
  SignResult,
  VerifyRequest,
  VerifyResult,
} from '../contract/requests.js';
import { keyNotFound } from '../keys/find-key.js';
import { raceAbort } from '../util/abort.js';
import { encryptToPublicKey } from '../software/encrypt.js';
import { verifySignature } from '../software/verify.js';
import { mergeCapabilities } from './capabilities.js';
import { KeyIndex, type IndexMatch, type ProviderStatus } from './key-index.js';
import { withDeadline } from './timeouts.js';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** The router's own provider id (default `router`). */
  readonly id?: string;
  /** Providers in order of preference: when two hold the same key, the first one is used. */
  readonly providers: readonly Provider[];
  /** Re-list every provider this often, in ms (default 60 000; 0 turns it off). */
  readonly refreshIntervalMs?: number;
  /** A provider's listing that takes longer marks it down with `TIMEOUT` (default 10 000 ms). */
  readonly listTimeoutMs?: number;
  /** An operation that takes longer fails with `TIMEOUT` (default 30 000 ms). */
  readonly operationTimeoutMs?: number;
  /** Minimum time between two refreshes caused by unknown references (default 1 000 ms). */
  readonly missRefreshIntervalMs?: number;
  /** Dispose the providers when the router is disposed (default true). */
  readonly ownsProviders?: boolean;
}

/** A resolved key reference. */
export interface ResolvedKey {
  /** The provider that holds the key. */
  readonly provider: Provider;
  /** The key as that provider reports it. */
  readonly key: KeyInfo;
}

/**
 * Many providers behind one {@link Provider} face. Key references (ids, any alias, or
 * `providerId/reference`) are resolved through an index of every provider's keys, refreshed on
 * a miss and on an interval. A provider that fails or hangs is marked down: its keys answer
 * `UNAVAILABLE`, and every other provider keeps working.
 */
export interface Router extends Provider {
  /**
   * Finds the provider that holds a key.
   * @throws ProviderError `KEY_NOT_FOUND`, `UNAVAILABLE` (the provider that holds it is down),
   *   `INVALID_INPUT` (the reference names different keys).
   */
  resolve(reference: KeyReference, options?: CallOptions): Promise<ResolvedKey>;
  /** Re-lists every provider now. Never throws for a failing provider; see {@link Router.status}. */
  refresh(options?: CallOptions): Promise<void>;
  /** What the router knows about each provider. */
  status(): ProviderStatus[];
  /** The providers in order of preference. */
  providers(): Provider[];
}

const DEFAULTS = {
  refreshIntervalMs: 60_000,
  listTimeoutMs: 10_000,
  operationTimeoutMs: 30_000,
  missRefreshIntervalMs: 1_000,
};

/**
 * Creates a {@link Router}.
 * @throws ProviderError `INVALID_INPUT` when two providers share an id.
 */
export function createRouter(options: RouterOptions): Router {
  const id = options.id ?? 'router';
  const settings = settingsFrom(options);
  const index = new KeyIndex(options.providers);
  let disposed = false;
  let refreshing: Promise<void> | undefined;
  let lastRefreshStart = 0;

  const timer =
    settings.refreshIntervalMs > 0
      ? setInterval(() => void refreshAll(undefined), settings.refreshIntervalMs)
      : undefined;
  timer?.unref();

  function ensureOpen(): void {
    if (disposed)
      throw new ProviderError('UNAVAILABLE', `router "${id}" is disposed`, { provider: id });
  }

  async function refreshProvider(
    provider: Provider,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      const keys = await withDeadline((s) => provider.listKeys({ signal: s }), {
        timeoutMs: settings.listTimeoutMs,
        signal,
        what: 'listKeys',
        provider: provider.id,
      });
      index.recordKeys(provider.id, keys);
    } catch (error) {
      if (signal?.aborted) throw error;
      index.recordFailure(provider.id, error);
    }
  }

  function refreshAll(signal: AbortSignal | undefined): Promise<void> {
    if (disposed) return Promise.resolve();
    // Coalesce: a burst of misses causes one refresh, not one per request.
    refreshing ??= (async () => {
      lastRefreshStart = Date.now();
      try {
        await Promise.all(index.providers().map((p) => refreshProvider(p, undefined)));
      } finally {
        refreshing = undefined;
      }
    })();
    const pending = refreshing;
    return raceAbort(pending, signal);
  }

  async function resolve(reference: KeyReference, callOptions?: CallOptions): Promise<ResolvedKey> {
    ensureOpen();
    callOptions?.signal?.throwIfAborted();
    let matches = index.match(reference);
    const neverListed = index.status().some((s) => s.state === 'unknown');
    if (
      (matches.length === 0 || neverListed) &&
      (neverListed || Date.now() - lastRefreshStart >= settings.missRefreshIntervalMs)
    ) {
      await refreshAll(callOptions?.signal);
      matches = index.match(reference);
    }
    return pick(reference, matches);
  }

  function pick(reference: string, matches: readonly IndexMatch[]): ResolvedKey {
    const up = matches.filter((m) => m.up);
    if (up.length === 0) {
      const held = matches[0];
      if (held) {
        const reason = index.status().find((s) => s.id === held.provider.id)?.lastError;
        throw new ProviderError(
          'UNAVAILABLE',
          `key "${reference}" is held by provider "${held.provider.id}", which is unavailable${reason ? `: ${reason.message}` : ''}`,
          { provider: held.provider.id, key: reference },
        );
      }
      const error = keyNotFound(index.liveKeys(), reference, id);
      const down = index.downProviders();
      if (down.length === 0) throw error;
      throw new ProviderError(
        'KEY_NOT_FOUND',
        `${error.message}; unavailable providers that may hold it: ${down.map((d) => `"${d}"`).join(', ')}`,
        { provider: id, key: reference },
      );
    }
    const distinct = new Set(up.map((m) => m.key.aliases.spkiSha256));
    if (distinct.size > 1) {
      const names = up.map((m) => `"${m.provider.id}/${m.key.id}"`).join(', ');
      throw new ProviderError(
        'INVALID_INPUT',
        `key reference "${reference}" is ambiguous: it names ${names}; qualify it as provider/key`,
        { provider: id, key: reference },
      );
    }
    const [first] = up;
    if (!first) throw new ProviderError('INTERNAL', 'no match after filtering', { provider: id });
    return { provider: first.provider, key: first.key };
  }

  /** Runs an operation on the provider that holds the key, with the router's deadline. */
  async function run<T>(
    reference: KeyReference,
    what: string,
    callOptions: CallOptions | undefined,
    operation: (resolved: ResolvedKey, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const resolved = await resolve(reference, callOptions);
    try {
      return await withDeadline((signal) => operation(resolved, signal), {
        timeoutMs: settings.operationTimeoutMs,
        signal: callOptions?.signal,
        what,
        provider: resolved.provider.id,
      });
    } catch (error) {
      if (isBackendFailure(error)) {
        index.recordFailure(resolved.provider.id, error);
      } else if (hasErrorCode(error, 'KEY_NOT_FOUND')) {
        // The key vanished from its provider: let the next miss re-list.
        lastRefreshStart = 0;
      }
      throw error;
    }
  }

  /** For public-key work: a key whose provider is down is still usable from the index. */
  async function resolvePublic(
    reference: KeyReference,
    callOptions?: CallOptions,
  ): Promise<ResolvedKey> {
    ensureOpen();
    try {
      return await resolve(reference, callOptions);
    } catch (error) {
      if (!hasErrorCode(error, 'UNAVAILABLE')) throw error;
      const [held] = index.match(reference);
      if (!held) throw error;
      return { provider: held.provider, key: held.key };
    }
  }

  const router: Router = {
    id,
    kind: 'router',
    capabilities(): ProviderCapabilities {
      return mergeCapabilities(index.providers().map((p) => p.capabilities()));
    },
    async listKeys(callOptions?: CallOptions): Promise<readonly KeyInfo[]> {
      ensureOpen();
      callOptions?.signal?.throwIfAborted();
      await refreshAll(callOptions?.signal);
      return index.liveKeys();
    },
    async listCertificates(callOptions?: CallOptions): Promise<readonly CertificateInfo[]> {
      ensureOpen();
      callOptions?.signal?.throwIfAborted();
      const lists = await Promise.all(
        index.providers().map(async (provider) => {
          try {
            return await withDeadline((s) => provider.listCertificates({ signal: s }), {
              timeoutMs: settings.listTimeoutMs,
              signal: callOptions?.signal,
              what: 'listCertificates',
              provider: provider.id,
            });
          } catch (error) {
            if (callOptions?.signal?.aborted) throw error;
            index.recordFailure(provider.id, error);
            return [];
          }
        }),
      );
      return lists.flat();
    },
    async getKey(reference: KeyReference, callOptions?: CallOptions): Promise<KeyInfo> {
      return (await resolve(reference, callOptions)).key;
    },
    sign(request: SignRequest, callOptions?: CallOptions): Promise<SignResult> {
      return run(request.key, 'sign', callOptions, ({ provider, key }, signal) =>
        provider.sign({ ...request, key: key.id }, { signal }),
      );
    },
    async verify(request: VerifyRequest, callOptions?: CallOptions): Promise<VerifyResult> {
      if ((request.format ?? 'raw') !== 'raw') {
        return run(request.key, 'verify', callOptions, ({ provider, key }, signal) =>
          provider.verify({ ...request, key: key.id }, { signal }),
        );
      }
      const { key } = await resolvePublic(request.key, callOptions);
      const valid = await verifySignature(key.publicKey, request, callOptions);
      return { valid, key: { id: key.id, provider: key.provider } };
    },
    decrypt(request: DecryptRequest, callOptions?: CallOptions): Promise<DecryptResult> {
      return run(request.key, 'decrypt', callOptions, ({ provider, key }, signal) =>
        provider.decrypt({ ...request, key: key.id }, { signal }),
      );
    },
    async encrypt(request: EncryptRequest, callOptions?: CallOptions): Promise<EncryptResult> {
      if (request.scheme === 'openpgp') {
        return run(request.key, 'encrypt', callOptions, ({ provider, key }, signal) =>
          provider.encrypt({ ...request, key: key.id }, { signal }),
        );
      }
      const { key } = await resolvePublic(request.key, callOptions);
      const result = await encryptToPublicKey(key.publicKey, request, callOptions);
      return { ...result, key: { id: key.id, provider: key.provider } };
    },
    resolve,
    refresh: (callOptions?: CallOptions) => {
      ensureOpen();
      return refreshAll(callOptions?.signal);
    },
    status: () => index.status(),
    providers: () => index.providers(),
    async [Symbol.asyncDispose](): Promise<void> {
      if (disposed) return;
      disposed = true;
      clearInterval(timer);
      if (options.ownsProviders === false) return;
      const results = await Promise.allSettled(
        index.providers().map((provider) => provider[Symbol.asyncDispose]()),
      );
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) {
        throw new AggregateError(
          failed.map((f) => f.reason as unknown),
          `router "${id}": ${failed.length} provider(s) failed to close`,
        );
      }
    },
  };
  return router;
}

function settingsFrom(options: RouterOptions): typeof DEFAULTS {
  return {
    refreshIntervalMs: options.refreshIntervalMs ?? DEFAULTS.refreshIntervalMs,
    listTimeoutMs: options.listTimeoutMs ?? DEFAULTS.listTimeoutMs,
    operationTimeoutMs: options.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs,
    missRefreshIntervalMs: options.missRefreshIntervalMs ?? DEFAULTS.missRefreshIntervalMs,
  };
}

/** True when `error` shows that the provider's backend is unreachable. */
function isBackendFailure(error: unknown): boolean {
  return isProviderError(error) && (error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT');
}
