import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { hashToken, newToken } from '../../src/auth/tokens.js';
import { parseGatewayConfig } from '../../src/config/parse-config.js';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.js';

/** A gateway started in this process for tests, with one app allowed everything. */
export interface TestGateway extends AsyncDisposable {
  readonly gateway: RunningGateway;
  readonly socket: string;
  readonly url: string;
  readonly token: string;
}

/** Starts a gateway over `providers` (config entries) on a temp socket and 127.0.0.1:0. */
export async function startTestGateway(
  providers: readonly Record<string, unknown>[],
): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'kr-gw-'));
  const token = newToken();
  const config = parseGatewayConfig(
    {
      dataDir: dir,
      listen: { socket: join(dir, 'gw.sock'), http: '127.0.0.1:0' },
      providers,
      apps: [
        {
          name: 'test',
          token: { sha256: hashToken(token) },
          allow: [{ keys: ['*'], ops: ['list', 'sign', 'verify', 'decrypt', 'encrypt'] }],
        },
      ],
      limits: { ratePerMinute: 0 },
    },
    { baseDir: dir },
  );
  const gateway = await startGateway(config, pino({ level: 'silent' }));
  const http = gateway.addresses.http;
  const dispose = async (): Promise<void> => {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  };
  return {
    gateway,
    socket: join(dir, 'gw.sock'),
    url: `http://127.0.0.1:${http?.port ?? 0}`,
    token,
    [Symbol.asyncDispose]: dispose,
  };
}
