import {
  createRouter,
  loadProvider,
  type Provider,
  type Router,
  type SecretSource,
} from '@keyroute/core';
import type { AppSpec, GatewayConfig, ProviderSpec } from '../config/types.js';
import { secretSourceFor } from '../config/secrets.js';
import { resilientProvider, type ResilientProvider } from './resilient-provider.js';

/** How long a provider that failed to open is left alone before the next try. */
const REOPEN_AFTER_MS = 5_000;

/**
 * One generation of the gateway's configuration: its providers behind a router, its apps and
 * limits. A reload builds a new state and swaps it in; requests keep the state they started
 * with, and the old one is closed when the last of them ends.
 */
export class GatewayState {
  readonly config: GatewayConfig;
  readonly router: Router;
  readonly providers: ReadonlyMap<string, ProviderSpec>;
  #inFlight = 0;
  #retired = false;
  #closed: Promise<void> | undefined;

  readonly #opened: readonly ResilientProvider[];

  private constructor(
    config: GatewayConfig,
    router: Router,
    providers: readonly ResilientProvider[],
  ) {
    this.config = config;
    this.router = router;
    this.#opened = providers;
    this.providers = new Map(config.providers.map((spec) => [spec.id, spec]));
  }

  /**
   * Opens every provider of `config` (a provider that cannot open yet is retried on use and
   * reported unavailable) and lists them once.
   */
  static async open(
    config: GatewayConfig,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<GatewayState> {
    const providers: ResilientProvider[] = config.providers.map((spec) =>
      resilientProvider(spec.id, spec.type, () => openProvider(spec, config, env), REOPEN_AFTER_MS),
    );
    const router = createRouter({
      id: 'gateway',
      providers,
      operationTimeoutMs: config.limits.providerTimeoutMs,
      listTimeoutMs: Math.min(config.limits.providerTimeoutMs, 10_000),
    });
    await router.refresh();
    return new GatewayState(config, router, providers);
  }

  /** Session-pool use of the providers that report it (PKCS#11), for metrics. */
  poolUse(): { provider: string; open: number; busy: number; waiting: number }[] {
    return this.#opened.flatMap((provider) => {
      const inner = provider.opened() as (Provider & { status?: () => unknown }) | undefined;
      const status = inner?.status?.() as
        { sessions?: { open: number; busy: number; waiting: number } } | undefined;
      const sessions = status?.sessions;
      return sessions === undefined ? [] : [{ provider: provider.id, ...sessions }];
    });
  }

  /** The apps of this configuration. */
  get apps(): readonly AppSpec[] {
    return this.config.apps;
  }

  /** Marks a request as using this state until `release` is called. */
  enter(): void {
    this.#inFlight += 1;
  }

  /** Ends a request that used this state. */
  release(): void {
    this.#inFlight -= 1;
    if (this.#retired && this.#inFlight === 0) void this.close();
  }

  /** Requests running on this state. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Closes the state once its requests are done (a reload replaced it). */
  retire(): void {
    this.#retired = true;
    if (this.#inFlight === 0) void this.close();
  }

  /** Disposes the router and its providers (PKCS#11 logouts happen here, never per request). */
  close(): Promise<void> {
    this.#closed ??= Promise.resolve(this.router[Symbol.asyncDispose]());
    return this.#closed;
  }
}

function openProvider(
  spec: ProviderSpec,
  config: GatewayConfig,
  env: NodeJS.ProcessEnv,
): Promise<Provider> {
  const secrets: SecretSource | undefined = secretSourceFor(spec.secret, env);
  return loadProvider(
    {
      type: spec.type,
      id: spec.id,
      ...spec.options,
      ...(spec.options['timeoutMs'] === undefined
        ? { timeoutMs: config.limits.providerTimeoutMs }
        : {}),
    },
    secrets === undefined ? {} : { secrets },
  );
}
