import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ProviderError } from '@keyroute/core';
import type { Logger } from 'pino';
import { AuditLog } from '../audit/index.js';
import type { GatewayConfig } from '../config/types.js';
import { GatewayState } from '../gateway/gateway-state.js';
import { createRequestHandler } from '../http/handler.js';
import { GatewayMetrics } from '../metrics/metrics.js';
import { closeServer, listenOnSocket, listenOnTcp } from './listen.js';

/** A gateway that is serving. */
export interface RunningGateway {
  /** Where it listens (the TCP port is the real one when the config said 0). */
  readonly addresses: { readonly socket?: string; readonly http?: { host: string; port: number } };
  /** The configuration in force. */
  readonly config: () => GatewayConfig;
  /**
   * Swaps in a new configuration (providers, apps, limits) without dropping connections;
   * requests already running finish on the old one. `listen`, `dataDir`, `audit` and `tls`
   * cannot change without a restart: a config that changes them is refused and the old one
   * keeps serving.
   */
  reload(config: GatewayConfig): Promise<void>;
  /** Stops accepting, drains running requests, closes providers and the audit log. */
  close(): Promise<void>;
}

function unchanged(before: GatewayConfig, after: GatewayConfig): string | undefined {
  const pick = (config: GatewayConfig): string =>
    JSON.stringify([config.listen, config.dataDir, config.audit, config.tls ?? null]);
  return pick(before) === pick(after)
    ? undefined
    : 'listen, dataDir, audit and tls change only with a restart';
}

/**
 * Starts a gateway: opens the audit log (recovering a torn last record), opens the providers
 * (one that cannot open yet is reported unavailable and retried), and listens on the socket
 * and/or TCP address of the config.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningGateway> {
  const audit = await AuditLog.open({ path: config.audit.path });
  if (audit.recovered.truncatedBytes > 0) {
    logger.warn(
      { bytes: audit.recovered.truncatedBytes },
      'audit log: a torn last record was removed',
    );
  }
  let state = await GatewayState.open(config, env);
  const metrics = new GatewayMetrics();
  const handler = createRequestHandler({
    state: () => state,
    audit,
    metrics,
    logger,
    gauges: () => [
      {
        name: 'keyroute_provider_up',
        help: 'Whether the provider answered its last listing (1) or not (0).',
        values: state.router.status().map((status) => ({
          labels: { provider: status.id },
          value: status.state === 'up' ? 1 : 0,
        })),
      },
      {
        name: 'keyroute_provider_keys',
        help: 'Keys the provider listed last.',
        values: state.router
          .status()
          .map((status) => ({ labels: { provider: status.id }, value: status.keys })),
      },
      {
        name: 'keyroute_pool_sessions',
        help: 'PKCS#11 sessions by state (open, busy) and requests waiting for one.',
        values: state.poolUse().flatMap((use) => [
          { labels: { provider: use.provider, state: 'open' }, value: use.open },
          { labels: { provider: use.provider, state: 'busy' }, value: use.busy },
          { labels: { provider: use.provider, state: 'waiting' }, value: use.waiting },
        ]),
      },
      {
        name: 'keyroute_requests_in_flight',
        help: 'Requests being answered.',
        values: [{ labels: {}, value: state.inFlight }],
      },
    ],
  });
  const servers: Server[] = [];
  const addresses: { socket?: string; http?: { host: string; port: number } } = {};
  try {
    if (config.listen.socket !== undefined) {
      servers.push(await listenOnSocket(config.listen.socket, handler, config.limits));
      addresses.socket = config.listen.socket;
    }
    if (config.listen.http !== undefined) {
      const server = await listenOnTcp(config.listen.http, handler, config.limits, config.tls);
      servers.push(server);
      addresses.http = {
        host: config.listen.http.host,
        port: (server.address() as AddressInfo).port,
      };
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    await state.close();
    await audit.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    addresses,
    config: () => state.config,
    async reload(next: GatewayConfig): Promise<void> {
      const refused = unchanged(state.config, next);
      if (refused !== undefined)
        throw new ProviderError('INVALID_INPUT', `reload refused: ${refused}`);
      const fresh = await GatewayState.open(next, env);
      const old = state;
      state = fresh;
      old.retire();
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.all(servers.map(closeServer));
        await state.close();
        await audit.close();
      })();
      return closing;
    },
  };
}
