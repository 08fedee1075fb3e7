import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { defaultGatewayConfig } from './default-config.js';
import { parseGatewayConfig } from './parse-config.js';
import type { GatewayConfig } from './types.js';

describe('defaultGatewayConfig', () => {
  it('keeps everything in the data directory, with one OpenPGP provider and no apps', () => {
    expect(defaultGatewayConfig('/srv/keyroute')).toEqual({
      listen: {
        socket: '/srv/keyroute/keyroute.sock',
        http: { host: '127.0.0.1', port: 7787 },
      },
      dataDir: '/srv/keyroute',
      providers: [{ id: 'local', type: 'openpgp', options: { dir: '/srv/keyroute/openpgp' } }],
      apps: [],
      audit: { path: '/srv/keyroute/audit.log' },
      limits: {
        bodyBytes: 1024 * 1024,
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        ratePerMinute: 600,
        providerTimeoutMs: 30_000,
      },
    } satisfies GatewayConfig);
  });

  it('resolves a relative data directory against the working directory', () => {
    const config = defaultGatewayConfig('.keyroute');
    expect(config.dataDir).toBe(resolve('.keyroute'));
    expect(config.audit.path).toBe(join(resolve('.keyroute'), 'audit.log'));
  });

  it('gives each config its own objects', () => {
    const first = defaultGatewayConfig('/a');
    first.apps.push({ name: 'admin', tokenSha256: '0'.repeat(64), allow: [] });
    first.limits.bodyBytes = 1;
    const second = defaultGatewayConfig('/a');
    expect(second.apps).toEqual([]);
    expect(second.limits.bodyBytes).toBe(1024 * 1024);
  });

  it('is what the parser makes of the same settings', () => {
    const parsed = parseGatewayConfig(
      {
        dataDir: '/srv/keyroute',
        listen: { socket: 'keyroute.sock', http: '127.0.0.1:7787' },
        providers: [{ id: 'local', type: 'openpgp', dir: 'openpgp' }],
      },
      { baseDir: '/srv/keyroute' },
    );
    expect(parsed).toEqual(defaultGatewayConfig('/srv/keyroute'));
  });
});
