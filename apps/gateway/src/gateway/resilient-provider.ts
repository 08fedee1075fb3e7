import {
  ProviderError,
  isProviderError,
  type CallOptions,
  type Provider,
  type ProviderCapabilities,
} from '@keyroute/core';

const NOTHING: ProviderCapabilities = {
  sign: [],
  decrypt: [],
  encrypt: [],
  verifyFormats: [],
  certificates: false,
};

/** A {@link resilientProvider}: a provider, and the one inside once it opened. */
export interface ResilientProvider extends Provider {
  /** The opened provider, or undefined while it cannot be opened. */
  opened(): Provider | undefined;
}

/**
 * A provider that may not be openable yet (a token not inserted, an agent not started): every
 * call tries to open it, at most once per `retryMs`, and fails with `UNAVAILABLE` (saying why)
 * until it opens. Once open, calls go straight to it. The gateway starts even when one backend
 * is down; the router then reports that provider unavailable and serves the others.
 */
export function resilientProvider(
  id: string,
  kind: string,
  open: () => Promise<Provider>,
  retryMs: number,
): ResilientProvider {
  let current: Provider | undefined;
  let opening: Promise<Provider> | undefined;
  let lastFailure: { at: number; error: ProviderError } | undefined;
  let disposed = false;

  const ensure = (): Promise<Provider> => {
    if (current !== undefined) return Promise.resolve(current);
    if (disposed) {
      return Promise.reject(
        new ProviderError('UNAVAILABLE', `provider "${id}" is closed`, { provider: id }),
      );
    }
    if (lastFailure !== undefined && Date.now() - lastFailure.at < retryMs) {
      return Promise.reject(lastFailure.error);
    }
    opening ??= open().then(
      (provider) => {
        current = provider;
        lastFailure = undefined;
        opening = undefined;
        return provider;
      },
      (error: unknown) => {
        const reason = isProviderError(error) ? error.message : String(error);
        const failure = new ProviderError(
          'UNAVAILABLE',
          `provider "${id}" is not available: ${reason}`,
          {
            provider: id,
            cause: error,
          },
        );
        lastFailure = { at: Date.now(), error: failure };
        opening = undefined;
        throw failure;
      },
    );
    return opening;
  };

  const through =
    <A, R>(call: (provider: Provider, argument: A, options?: CallOptions) => Promise<R>) =>
    async (argument: A, options?: CallOptions): Promise<R> =>
      call(await ensure(), argument, options);

  return {
    id,
    kind,
    opened: () => current,
    capabilities: () => current?.capabilities() ?? NOTHING,
    listKeys: async (options?: CallOptions) => (await ensure()).listKeys(options),
    listCertificates: async (options?: CallOptions) => (await ensure()).listCertificates(options),
    getKey: through((provider, reference: string, options) => provider.getKey(reference, options)),
    sign: through((provider, request: Parameters<Provider['sign']>[0], options) =>
      provider.sign(request, options),
    ),
    verify: through((provider, request: Parameters<Provider['verify']>[0], options) =>
      provider.verify(request, options),
    ),
    decrypt: through((provider, request: Parameters<Provider['decrypt']>[0], options) =>
      provider.decrypt(request, options),
    ),
    encrypt: through((provider, request: Parameters<Provider['encrypt']>[0], options) =>
      provider.encrypt(request, options),
    ),
    async [Symbol.asyncDispose](): Promise<void> {
      disposed = true;
      const provider = current ?? (await opening?.catch(() => undefined));
      current = undefined;
      await provider?.[Symbol.asyncDispose]();
    },
  };
}
