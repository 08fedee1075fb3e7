/** WebCrypto views of keys that a provider holds (for `@peculiar/x509` and the like). */
export {
  remoteKeyCrypto,
  type RemoteKeyCrypto,
  type RemoteKeyCryptoOptions,
  type RemoteKeyHash,
  type RemoteSigningAlgorithm,
} from './remote-key-crypto.js';
