import { ProviderError, type AdapterModule, type ProviderConfig } from '@keyroute/core';
import { createGatewayClient, type GatewayClientOptions } from './provider.js';

const KNOWN = [
  'type',
  'package',
  'id',
  'socket',
  'url',
  'token',
  'tokenEnv',
  'timeoutMs',
  'connections',
];

function text(config: ProviderConfig, name: string): string | undefined {
  const value = config[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new ProviderError('INVALID_INPUT', `gateway config "${name}" must be a string`);
}

/**
 * The adapter entry point `loadProvider` from `@keyroute/core` calls for `type: 'gateway'`
 * configs and `unix:/…` or `http(s)://…` URIs. The token comes from `token`, else the
 * environment variable named by `tokenEnv`, else `KEYROUTE_TOKEN`.
 *
 * @throws ProviderError `INVALID_INPUT` for unknown keys or neither/both of `socket` and `url`.
 */
export const createProvider: AdapterModule['createProvider'] = (config, context) => {
  context.signal?.throwIfAborted();
  const unknown = Object.keys(config).filter((name) => !KNOWN.includes(name));
  if (unknown.length > 0) {
    return Promise.reject(
      new ProviderError(
        'INVALID_INPUT',
        `unknown gateway config ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${KNOWN.join(', ')}`,
      ),
    );
  }
  const socket = text(config, 'socket');
  const url = text(config, 'url');
  if ((socket === undefined) === (url === undefined)) {
    return Promise.reject(
      new ProviderError(
        'INVALID_INPUT',
        'a gateway config needs exactly one of "socket" and "url"',
      ),
    );
  }
  const tokenEnv = text(config, 'tokenEnv') ?? 'KEYROUTE_TOKEN';
  const token = text(config, 'token') ?? process.env[tokenEnv];
  const id = text(config, 'id');
  const timeoutMs = config['timeoutMs'];
  const options: GatewayClientOptions = {
    address: socket !== undefined ? { socket } : { url: url ?? '' },
    ...(token === undefined ? {} : { token }),
    ...(id === undefined ? {} : { id }),
    ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}),
  };
  return createGatewayClient(options);
};
