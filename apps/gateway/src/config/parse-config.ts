import { defaultAuditPath, DEFAULT_DATA_DIR } from './defaults.js';
import { keyPath } from './json-path.js';
import { field, readObject, rejectUnknownKeys, requireKey } from './json-values.js';
import { parseApps } from './parse-apps.js';
import { parseLimits } from './parse-limits.js';
import { parseListen } from './parse-listen.js';
import { parseProviders } from './parse-providers.js';
import { readPath, type PathContext } from './resolve-path.js';
import type { GatewayConfig, TlsConfig } from './types.js';

/** Options of {@link parseGatewayConfig}. */
export interface ParseGatewayConfigOptions {
  /** Folder relative paths are resolved against: the config file's folder. */
  readonly baseDir: string;
  /** Environment for `~` in paths (`HOME`); default `process.env`. Secrets are not read here. */
  readonly env?: NodeJS.ProcessEnv;
  /** The config file's path, kept as {@link GatewayConfig.source}. */
  readonly source?: string;
}

/** The keys of a gateway config. */
export const GATEWAY_CONFIG_KEYS = [
  'listen',
  'dataDir',
  'providers',
  'apps',
  'audit',
  'limits',
  'tls',
] as const;

const AUDIT_KEYS = ['path'] as const;
const TLS_KEYS = ['cert', 'key'] as const;

/**
 * Validates a gateway config (parsed JSON) and fills in its defaults. Pure: reads no file and
 * no secret. Every object is checked for unknown keys (the documented ones plus, in a provider
 * entry, the options of its type), and every error is `INVALID_INPUT` with a message starting
 * with the JSON path of the culprit: `providers[1].homdir: unknown key; known: id, type, …`.
 *
 * Defaults: `dataDir` `.keyroute`; `listen` the socket `<dataDir>/keyroute.sock` when it
 * names neither `socket` nor `http`; `providers` and `apps` none; `audit.path`
 * `<dataDir>/audit.log`; `limits` from `DEFAULT_LIMITS`. Relative paths (`dataDir`,
 * `listen.socket`, `audit.path`, `tls.cert`/`key`, provider `dir`/`homedir`/`socket`, secret
 * files) are resolved against `baseDir`; `~/` starts at `HOME`; a pkcs11 `module` must be
 * absolute.
 *
 * `listen.http` must be a loopback address (`127.0.0.1`, `::1`, `localhost`) unless `tls`
 * (`{ cert, key }`) is given. Provider ids must be unique (case-insensitively) and match
 * `PROVIDER_ID`; app names and token hashes must be unique.
 *
 * @throws ProviderError `INVALID_INPUT` as described; messages never contain a secret, a
 *   token or a token hash.
 */
export function parseGatewayConfig(
  json: unknown,
  options: ParseGatewayConfigOptions,
): GatewayConfig {
  const env = options.env ?? process.env;
  const home = env['HOME'];
  const context: PathContext = { baseDir: options.baseDir, home: home === '' ? undefined : home };
  const root = readObject(json, '');
  rejectUnknownKeys(root, '', GATEWAY_CONFIG_KEYS);

  const dataDirValue = field(root, 'dataDir');
  const dataDir =
    dataDirValue === undefined
      ? readPath(DEFAULT_DATA_DIR, 'dataDir', context)
      : readPath(dataDirValue, 'dataDir', context);
  const tls = parseTls(field(root, 'tls'), 'tls', context);
  const config: GatewayConfig = {
    listen: parseListen(field(root, 'listen'), 'listen', dataDir, tls !== undefined, context),
    dataDir,
    providers: parseProviders(orEmptyList(field(root, 'providers')), 'providers', context),
    apps: parseApps(orEmptyList(field(root, 'apps')), 'apps'),
    audit: { path: parseAuditPath(field(root, 'audit'), 'audit', dataDir, context) },
    limits: parseLimits(field(root, 'limits'), 'limits'),
  };
  if (tls !== undefined) config.tls = tls;
  if (options.source !== undefined) config.source = options.source;
  return config;
}

/** A list a config may leave out: `[]` when it does (`null` is refused by the list's parser). */
function orEmptyList(value: unknown): unknown {
  return value === undefined ? [] : value;
}

function parseAuditPath(
  value: unknown,
  path: string,
  dataDir: string,
  context: PathContext,
): string {
  if (value === undefined) return defaultAuditPath(dataDir);
  const audit = readObject(value, path);
  rejectUnknownKeys(audit, path, AUDIT_KEYS);
  const auditPath = field(audit, 'path');
  return auditPath === undefined
    ? defaultAuditPath(dataDir)
    : readPath(auditPath, keyPath(path, 'path'), context);
}

function parseTls(value: unknown, path: string, context: PathContext): TlsConfig | undefined {
  if (value === undefined) return undefined;
  const tls = readObject(value, path);
  rejectUnknownKeys(tls, path, TLS_KEYS);
  return {
    cert: readPath(requireKey(tls, path, 'cert'), keyPath(path, 'cert'), context),
    key: readPath(requireKey(tls, path, 'key'), keyPath(path, 'key'), context),
  };
}
