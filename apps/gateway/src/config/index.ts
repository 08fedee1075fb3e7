/**
 * Gateway configuration: the {@link GatewayConfig} model, its pure parser, the file loader,
 * the embedded default, and secret sources for `{ env }` / `{ file }` references.
 */
export type {
  AllowRule,
  AppSpec,
  GatewayConfig,
  HttpAddress,
  Limits,
  ListenConfig,
  ProviderSpec,
  ProviderType,
  SecretRef,
  TlsConfig,
} from './types.js';
export { PROVIDER_ID, PROVIDER_TYPES } from './types.js';
export {
  DEFAULT_DATA_DIR,
  DEFAULT_HTTP_PORT,
  DEFAULT_LIMITS,
  defaultAuditPath,
  defaultSocketPath,
} from './defaults.js';
export {
  GATEWAY_CONFIG_KEYS,
  parseGatewayConfig,
  type ParseGatewayConfigOptions,
} from './parse-config.js';
export { parseHttpAddress, MAX_SOCKET_PATH_BYTES } from './parse-listen.js';
export { PROVIDER_SECRET_KEYS } from './parse-providers.js';
export { PROVIDER_OPTION_KINDS, providerOptionNames } from './provider-options.js';
export { isLoopbackHost } from './loopback.js';
export { loadGatewayConfig } from './load-config.js';
export { DEFAULT_PROVIDER_ID, defaultGatewayConfig } from './default-config.js';
export { readSecretFile, secretSourceFor } from './secrets.js';
