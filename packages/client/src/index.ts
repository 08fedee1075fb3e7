/**
 * `@keyroute/client` — the keyroute Provider contract spoken to a gateway over its Unix socket
 * or HTTP(S), so that the same code works with a local adapter or a gateway:
 * `await loadProvider('unix:/run/keyroute/keyroute.sock')`.
 */
export { createGatewayClient, type GatewayClientOptions } from './provider.js';
export { createProvider } from './adapter.js';
export type { GatewayAddress } from './transport.js';
export { armorSignature } from './armor.js';
export {
  remoteKeyCrypto,
  type RemoteKeyCrypto,
  type RemoteKeyCryptoOptions,
  type RemoteKeyHash,
  type RemoteSigningAlgorithm,
} from './webcrypto/index.js';
