import type { Op } from '../auth/acl.js';

/** The provider types a gateway config may use (`providers[].type`). */
export const PROVIDER_TYPES = ['gpg-agent', 'pkcs11', 'openpgp'] as const;

/** One of {@link PROVIDER_TYPES}. */
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/**
 * Where a PIN or passphrase comes from: an environment variable (`{ "env": "TOKEN_PIN" }`) or
 * a file readable by its owner only (`{ "file": "/run/secrets/pin" }`, path resolved). Read when
 * a provider asks, never at startup; see `secretSourceFor`.
 */
export type SecretRef = { readonly env: string } | { readonly file: string };

/** One backend of the gateway (`providers[]`). */
export interface ProviderSpec {
  /** Prefix of its keys' gateway ids (`softhsm` in `softhsm:01`); matches {@link PROVIDER_ID}. */
  id: string;
  type: ProviderType;
  /**
   * The type's options as the adapter takes them (`homedir`, `module`, `token`, `dir`,
   * `poolSize`, …), validated, with paths absolute. Neither `id`, `type` nor the secret.
   */
  options: Record<string, unknown>;
  /** The PIN or passphrase, from the entry's `pin`, `passphrase` or `secret` key. */
  secret?: SecretRef;
}

/** One access rule of an application: these ops on keys matching these globs. */
export interface AllowRule {
  /** Globs over gateway key ids and key aliases (`softhsm:*`, `pgp:8F3A*`); see `globToRegExp`. */
  keys: string[];
  /** The operations granted, without duplicates. */
  ops: Op[];
}

/** One application allowed to call the gateway (`apps[]`). */
export interface AppSpec {
  /** Unique name, shown in the audit log. */
  name: string;
  /** SHA-256 of its bearer token, 64 lower-case hex digits. */
  tokenSha256: string;
  /** What it may do; nothing when empty (deny by default). */
  allow: AllowRule[];
}

/** Resource limits of the gateway (`limits`); every field has a default. */
export interface Limits {
  /** Largest request body in bytes (default 1 MiB). */
  bodyBytes: number;
  /** Time for a whole request, in ms (default 30 000). */
  requestTimeoutMs: number;
  /** Time for the request headers, in ms (default 10 000). */
  headersTimeoutMs: number;
  /** Requests per minute per app (default 600); 0 turns rate limiting off. */
  ratePerMinute: number;
  /** Time for one provider call, in ms (default 30 000). */
  providerTimeoutMs: number;
}

/** A TCP address the gateway listens on. */
export interface HttpAddress {
  /** Host name or IP address, IPv6 without brackets (`::1`). */
  host: string;
  /** TCP port; 0 lets the system pick a free one. */
  port: number;
}

/** Where the gateway listens: at least one of the two is set. */
export interface ListenConfig {
  /** Unix socket path (created with mode 0600). */
  socket?: string;
  /** Loopback TCP address, or any address when {@link GatewayConfig.tls} is set. */
  http?: HttpAddress;
}

/** TLS certificate and private key files (PEM), needed to listen on a non-loopback address. */
export interface TlsConfig {
  cert: string;
  key: string;
}

/** A gateway configuration with every default filled in and every path absolute. */
export interface GatewayConfig {
  listen: ListenConfig;
  /** Folder of the gateway's own state (default keystore, default socket and audit log). */
  dataDir: string;
  providers: ProviderSpec[];
  apps: AppSpec[];
  audit: { path: string };
  limits: Limits;
  tls?: TlsConfig;
  /** The config file it was read from, when it was read from one. */
  source?: string;
}

/** What a provider id must look like: it prefixes key ids and appears in URLs. */
export const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/i;
