import { join, resolve } from 'node:path';

import {
  DEFAULT_HTTP_PORT,
  DEFAULT_LIMITS,
  defaultAuditPath,
  defaultSocketPath,
} from './defaults.js';
import type { GatewayConfig } from './types.js';

/** Id of the embedded default's OpenPGP provider: its keys are `local:<fingerprint>`. */
export const DEFAULT_PROVIDER_ID = 'local';

/**
 * The embedded default config, used by `keyroute serve` without `--config`: everything lives
 * in `dataDir` (resolved against the working directory):
 *
 * - one OpenPGP keystore provider, id `local`, in `<dataDir>/openpgp`;
 * - listening on the Unix socket `<dataDir>/keyroute.sock` and on `127.0.0.1:7787`
 *   ({@link DEFAULT_HTTP_PORT});
 * - no apps (`serve` adds the admin app it prints the token of);
 * - the audit log `<dataDir>/audit.log`, and the default limits.
 */
export function defaultGatewayConfig(dataDir: string): GatewayConfig {
  const root = resolve(dataDir);
  return {
    listen: {
      socket: defaultSocketPath(root),
      http: { host: '127.0.0.1', port: DEFAULT_HTTP_PORT },
    },
    dataDir: root,
    providers: [
      { id: DEFAULT_PROVIDER_ID, type: 'openpgp', options: { dir: join(root, 'openpgp') } },
    ],
    apps: [],
    audit: { path: defaultAuditPath(root) },
    limits: { ...DEFAULT_LIMITS },
  };
}
