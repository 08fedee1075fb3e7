import { join } from 'node:path';

import type { Limits } from './types.js';

/** Default TCP port of the gateway's loopback HTTP listener (`127.0.0.1:7787`). */
export const DEFAULT_HTTP_PORT = 7787;

/** Default data directory, relative to the config file's folder (or the working directory). */
export const DEFAULT_DATA_DIR = '.keyroute';

/** The limits a config leaves out. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  bodyBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  ratePerMinute: 600,
  providerTimeoutMs: 30_000,
});

/** The default Unix socket of a data directory: `<dataDir>/keyroute.sock`. */
export function defaultSocketPath(dataDir: string): string {
  return join(dataDir, 'keyroute.sock');
}

/** The default audit log of a data directory: `<dataDir>/audit.log`. */
export function defaultAuditPath(dataDir: string): string {
  return join(dataDir, 'audit.log');
}
