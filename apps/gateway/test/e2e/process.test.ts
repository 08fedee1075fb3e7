/**
 * End to end with the real `keyroute` command as a child process, over the OpenPGP provider (no
 * daemon, fast): SIGHUP reload (good, broken and refused configs), SIGTERM drain (requests in
 * flight finish, new ones are refused, exit 0), `kill -9` under load (every answered request has
 * its durable audit record; the chain verifies once the gateway has reopened the log), and the
 * embedded default of `keyroute serve --data-dir` (admin token printed once).
 */
import { createPublicKey, randomUUID, verify as nodeVerify } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createOpenPgpKeyFolder, type OpenPgpKeyFolder } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/index.js';
import { hashToken, newToken } from '../../src/auth/tokens.js';
import type { ApiKey } from '../../src/gateway/api-key.js';
import {
  Cleanup,
  createGpgChecker,
  expectNoCanary,
  expectOk,
  expectProblem,
  readAuditRecords,
  shortTempDir,
  writeSecretFile,
} from './checks.js';
import { KeyrouteProcess, requireBuiltCli } from './gateway-process.js';
import {
  b64,
  call,
  GatewayClient,
  holdRequest,
  unb64,
  waitFor,
  type Target,
} from './http-client.js';

const PASSPHRASE = `kr-process-passphrase-${randomUUID()}`;
const PLAINTEXT = `kr-process-plaintext-${randomUUID()}`;
const tokens = { admin: newToken(), late: newToken() };

const cleanup = new Cleanup();
let folder: OpenPgpKeyFolder;
/** Gateway id of the unprotected Ed25519 primary key, and its public key. */
let signingKey: { id: string; publicKey: ReturnType<typeof createPublicKey> };

beforeAll(async () => {
  await requireBuiltCli();
  folder = cleanup.add(
    await createOpenPgpKeyFolder({
      keys: [
        { name: 'ecc', type: 'ecc' },
        { name: 'protected', type: 'ecc', passphrase: PASSPHRASE },
      ],
    }),
    (f) => f.dispose(),
  );
});

afterAll(() => cleanup.run());

/** A fresh directory with a config file for the OpenPGP folder; `apps` by name. */
async function gatewayDir(prefix: string): Promise<{
  dir: string;
  config: string;
  socket: string;
  audit: string;
  write(json: unknown): Promise<void>;
  json(apps: (keyof typeof tokens)[], extra?: Record<string, unknown>): Record<string, unknown>;
}> {
  const dir = cleanup.add(await shortTempDir(prefix), (d) => d.remove()).path;
  await writeSecretFile(join(dir, 'pgp.pass'), PASSPHRASE);
  const config = join(dir, 'keyroute.json');
  return {
    dir,
    config,
    socket: join(dir, 'gw.sock'),
    audit: join(dir, 'audit.log'),
    write: (json) =>
      writeFile(config, typeof json === 'string' ? json : JSON.stringify(json, null, 2)),
    json: (apps, extra = {}) => ({
      listen: { socket: 'gw.sock' },
      dataDir: '.',
      audit: { path: 'audit.log' },
      limits: { ratePerMinute: 0 },
      providers: [
        { id: 'pgp', type: 'openpgp', dir: folder.dir, passphrase: { file: 'pgp.pass' } },
      ],
      apps: apps.map((name) => ({
        name,
        token: { sha256: hashToken(tokens[name]) },
        allow: [{ keys: ['*'], ops: ['list', 'sign', 'verify', 'decrypt', 'encrypt'] }],
      })),
      ...extra,
    }),
  };
}

/** Starts `keyroute serve --config <file>` and waits until it serves. */
async function serve(config: string, cwd: string): Promise<KeyrouteProcess> {
  const gateway = cleanup.add(KeyrouteProcess.start(['serve', '--config', config], { cwd }), (p) =>
    p.dispose(),
  );
  await gateway.waitForLog('keyroute gateway serving');
  return gateway;
}

/** The signing key of the folder's `ecc` key, as the gateway lists it. */
async function findSigningKey(client: GatewayClient): Promise<typeof signingKey> {
  const ecc = folder.keys.find((key) => key.name === 'ecc');
  const listed = expectOk<{ keys: ApiKey[] }>(await client.get('/v1/keys', tokens.admin)).keys;
  const key = listed.find((candidate) => candidate.id === `pgp:${ecc?.fingerprint ?? '-'}`);
  if (key === undefined) throw new Error('the ecc key is not listed');
  return {
    id: key.id,
    publicKey: createPublicKey({ key: unb64(key.publicKey), format: 'der', type: 'spki' }),
  };
}

describe('keyroute serve --config', () => {
  /** What the drain test saw, for the known deviations below it. */
  const drain: {
    connectionHeaders?: (string | undefined)[];
    lateRequest?: number | 'refused';
    exitAfterMs?: number;
  } = {};

  it('SIGHUP reloads the config: a new app works, broken and listen-changing configs are refused', async () => {
    const setup = await gatewayDir('krh-');
    await setup.write(setup.json(['admin']));
    const gateway = await serve(setup.config, setup.dir);
    const client = new GatewayClient({ socketPath: setup.socket });
    signingKey = await findSigningKey(client);
    expectProblem(await client.get('/v1/keys', tokens.late), 401, 'UNAUTHENTICATED');

    // A new app.
    await setup.write(setup.json(['admin', 'late']));
    gateway.signal('SIGHUP');
    await gateway.waitForLog('configuration reloaded');
    expect((await client.get('/v1/keys', tokens.late)).status).toBe(200);

    // Broken JSON: refused, the previous config keeps serving.
    await setup.write('{ "apps": [');
    gateway.signal('SIGHUP');
    await gateway.waitForLog('reload refused; the previous configuration keeps serving');
    expect((await client.get('/v1/keys', tokens.late)).status).toBe(200);
    expect((await client.get('/v1/keys', tokens.admin)).status).toBe(200);

    // A valid config that moves the socket: refused too (listen changes need a restart).
    await setup.write(setup.json(['admin'], { listen: { socket: 'other.sock' } }));
    gateway.signal('SIGHUP');
    await gateway.waitForLog('reload refused; the previous configuration keeps serving', 2);
    expect((await client.get('/v1/keys', tokens.late)).status).toBe(200);

    // And a good one after the refusals still applies: `late` is gone.
    await setup.write(setup.json(['admin']));
    gateway.signal('SIGHUP');
    await gateway.waitForLog('configuration reloaded', 2);
    expectProblem(await client.get('/v1/keys', tokens.late), 401, 'UNAUTHENTICATED');
    expect((await client.op(signingKey.id, 'sign', tokens.admin, { data: b64('x') })).status).toBe(
      200,
    );

    gateway.signal('SIGTERM');
    expect(await gateway.waitForExit()).toEqual({ code: 0, signal: null });
    const reloads = gateway.logRecords().filter((r) => r.msg?.startsWith('reload refused'));
    expect(reloads.map((r) => JSON.stringify(r['err']))).toEqual([
      expect.stringMatching(/invalid JSON/) as unknown,
      expect.stringMatching(/listen, dataDir, audit and tls change only with a restart/) as unknown,
    ]);
  });

  it('SIGTERM drains: requests in flight complete, new connections are refused, exit 0', async () => {
    const setup = await gatewayDir('krt-');
    await setup.write(setup.json(['admin']));
    const gateway = await serve(setup.config, setup.dir);
    const target: Target = { socketPath: setup.socket };
    const client = new GatewayClient(target);
    signingKey = await findSigningKey(client);
    // Keep-alive clients, as real ones are: draining must not wait for their idle sockets.
    const agent = new Agent({ keepAlive: true });
    try {
      const messages = Array.from({ length: 4 }, (_, index) => Buffer.from(`in flight ${index}`));
      const held = messages.map((message) =>
        holdRequest(target, `/v1/keys/${encodeURIComponent(signingKey.id)}/sign`, {
          token: tokens.admin,
          body: { data: b64(message) },
          agent,
        }),
      );
      // The gateway counts them once it has started handling them (they wait for their body).
      await waitFor('4 requests in flight', async () =>
        /^keyroute_requests_in_flight(\{\})? 4$/m.test((await call(target, '/metrics')).text),
      );

      gateway.signal('SIGTERM');
      await gateway.waitForLog('draining and stopping');
      // No new connections.
      await waitFor('the socket to refuse', () =>
        call(target, '/healthz').then(
          () => false,
          () => true,
        ),
      );
      expect(gateway.running).toBe(true);

      const replies = await Promise.all(held.map((request) => request.finish()));
      replies.forEach((reply, index) => {
        const { signature } = expectOk<{ signature: string }>(reply);
        const message = messages[index] ?? Buffer.alloc(0);
        expect(nodeVerify(null, message, signingKey.publicKey, unb64(signature))).toBe(true);
      });
      drain.connectionHeaders = replies.map((reply) => reply.headers['connection']);
      const drained = Date.now();
      // A new request on a connection kept alive from before the SIGTERM.
      drain.lateRequest = await call(target, '/v1/keys', { token: tokens.admin, agent }).then(
        (reply) => reply.status,
        () => 'refused',
      );
      expect(await gateway.waitForExit(10_000)).toEqual({ code: 0, signal: null });
      drain.exitAfterMs = Date.now() - drained;
      expect(gateway.countLogs('stopped')).toBe(1);
      // Every drained request has its record.
      const recorded = new Set((await readAuditRecords(setup.audit)).map((r) => r.requestId));
      for (const reply of replies) expect(recorded.has(reply.requestId)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  // While draining, every response says `Connection: close` and idle connections are closed.
  it('draining: responses in flight say Connection: close', () => {
    expect(drain.connectionHeaders).toEqual(['close', 'close', 'close', 'close']);
  });

  it('draining: no new request is served on a kept-alive connection', () => {
    expect(drain.lateRequest).toBe('refused');
  });

  it('draining: the process exits within 2 s of the last response', () => {
    expect(drain.exitAfterMs).toBeLessThan(2_000);
  });

  it('kill -9 under load: every answered request has its audit record, and the chain verifies', async () => {
    const setup = await gatewayDir('krk-');
    await setup.write(setup.json(['admin']));
    const gateway = await serve(setup.config, setup.dir);
    const client = new GatewayClient({ socketPath: setup.socket });
    signingKey = await findSigningKey(client);
    const protectedKey = folder.keys.find((key) => key.name === 'protected');
    const answered: string[] = [];
    let stop = false;
    let killed = false;
    const worker = async (index: number): Promise<void> => {
      // Half of them use the passphrase-protected key, for the canary check below.
      const ref = index % 2 === 0 ? signingKey.id : `pgp:${protectedKey?.fingerprint ?? '-'}`;
      while (!stop) {
        try {
          const reply = await call(client.target, `/v1/keys/${encodeURIComponent(ref)}/sign`, {
            token: tokens.admin,
            body: { data: b64(`${PLAINTEXT} ${index}`) },
          });
          if (reply.status === 200) answered.push(reply.requestId);
          else throw new Error(`unexpected ${reply.status}: ${reply.text}`);
        } catch (error) {
          // Once the kill is sent, connections fail: that ends the worker.
          if (!killed) throw error;
          return;
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, index) => worker(index));
    const load = Promise.all(workers);
    // A worker failing before the kill fails the test at once.
    await Promise.race([load, new Promise((resolve) => setTimeout(resolve, 500))]);
    killed = true;
    gateway.signal('SIGKILL');
    expect(await gateway.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });
    stop = true;
    await load;
    expect(answered.length).toBeGreaterThan(20);

    // Every answered request is in a complete line; at most the very last line is torn.
    const text = await readFile(setup.audit, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const ids = new Set(
      complete
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { requestId: string }).requestId),
    );
    const missing = answered.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    const before = await verifyAuditLog(setup.audit);
    if (!before.ok) {
      expect(before.firstBadLine).toBe(complete.split('\n').length);
      expect(before.problem).toMatch(/no newline/);
    }

    // The next start removes a torn last record; then the chain verifies.
    const again = await serve(setup.config, setup.dir);
    again.signal('SIGTERM');
    expect(await again.waitForExit()).toEqual({ code: 0, signal: null });
    const verify = await KeyrouteProcess.run(['audit', 'verify', '--path', setup.audit], {
      cwd: setup.dir,
    });
    expect(verify.exit, verify.stdout + verify.stderr).toEqual({ code: 0, signal: null });
    expect(verify.stdout).toMatch(/chain intact/);
    const records = await readAuditRecords(setup.audit);
    expect(records.length).toBeGreaterThanOrEqual(answered.length);
    const after = new Set(records.map((r) => r.requestId));
    expect(answered.filter((id) => !after.has(id))).toEqual([]);
    const verifyByConfig = await KeyrouteProcess.run(
      ['audit', 'verify', '--config', setup.config],
      { cwd: setup.dir },
    );
    expect(verifyByConfig.exit.code).toBe(0);

    // Neither the passphrase, the signed data nor a token is in the audit log or the logs.
    const canaries = [PASSPHRASE, PLAINTEXT, ...Object.values(tokens)];
    expectNoCanary('the audit log', await readFile(setup.audit, 'utf8'), canaries);
    expectNoCanary('the log', gateway.stderr + again.stderr, canaries);
    expectNoCanary('stdout', gateway.stdout + again.stdout, canaries);
  });
});

/** True when nothing listens on the embedded default's TCP port. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

describe('keyroute serve --data-dir (the embedded default)', () => {
  it('prints an admin token once; it lists one Ed25519 key and its cv25519 subkey', async () => {
    if (!(await portIsFree(7787))) {
      throw new Error('127.0.0.1:7787 is in use: the embedded default listens there');
    }
    const root = cleanup.add(await shortTempDir('kre-'), (d) => d.remove()).path;
    const dataDir = join(root, 'data');
    const first = cleanup.add(
      KeyrouteProcess.start(['serve', '--data-dir', dataDir], { cwd: root }),
      (p) => p.dispose(),
    );
    await first.waitForLog('keyroute gateway serving');
    const token = /admin token \(shown once, keep it\): (kr_[A-Za-z0-9_-]{43})\n/.exec(
      first.stdout,
    )?.[1];
    if (token === undefined) throw new Error(`no admin token on stdout:\n${first.stdout}`);
    expect(first.stdout).toContain(`--unix-socket ${join(dataDir, 'keyroute.sock')}`);
    // The token goes to stdout only, never to the log.
    expect(first.stderr).not.toContain(token);

    const client = new GatewayClient({ socketPath: join(dataDir, 'keyroute.sock') });
    const keys = expectOk<{ keys: ApiKey[] }>(await client.get('/v1/keys', token)).keys;
    expect(
      keys.map((key) => ({ name: key.algorithm.name, usages: [...key.usages].sort() })),
    ).toEqual([
      { name: 'Ed25519', usages: ['certify', 'sign'] },
      { name: 'X25519', usages: ['decrypt'] },
    ]);
    expect(keys.every((key) => key.id.startsWith('local:'))).toBe(true);
    // The same API on loopback TCP.
    const tcp = new GatewayClient({ host: '127.0.0.1', port: 7787 });
    expect((await tcp.get('/v1/keys', token)).status).toBe(200);

    // Its OpenPGP signature verifies with gpg, against the certificate the gateway lists.
    const [signing] = keys;
    const data = Buffer.from('embedded default');
    const signature = expectOk<{ signature: string }>(
      await client.op(signing?.id ?? '-', 'sign', token, { data: b64(data), format: 'openpgp' }),
    ).signature;
    const certificates = expectOk<{ certificates: { data: string; type: string }[] }>(
      await client.get('/v1/certificates', token),
    ).certificates;
    await using checker = await createGpgChecker();
    await checker.importKeys(unb64(certificates[0]?.data ?? ''));
    expect(await checker.verifyDetached(unb64(signature), data)).toBe(
      signing?.aliases['openpgpFingerprint'],
    );
    // And what it encrypts, it decrypts (the secret key is unlocked with its stored passphrase).
    const { ciphertext } = expectOk<{ ciphertext: string }>(
      await client.op(signing?.id ?? '-', 'encrypt', token, {
        format: 'openpgp',
        plaintext: b64(PLAINTEXT),
      }),
    );
    const decrypted = expectOk<{ plaintext: string }>(
      await client.op(keys[1]?.id ?? '-', 'decrypt', token, { format: 'openpgp', ciphertext }),
    );
    expect(unb64(decrypted.plaintext).toString('utf8')).toBe(PLAINTEXT);

    // Private files stay private.
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, 'keyroute.sock'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'secrets', 'local.passphrase'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'audit.log'))).mode & 0o077).toBe(0);
    const passphrase = (
      await readFile(join(dataDir, 'secrets', 'local.passphrase'), 'utf8')
    ).trim();

    first.signal('SIGTERM');
    expect(await first.waitForExit()).toEqual({ code: 0, signal: null });

    // A second start prints no token; the first one still works, with the same keys.
    const second = cleanup.add(
      KeyrouteProcess.start(['serve', '--data-dir', dataDir], { cwd: root }),
      (p) => p.dispose(),
    );
    await second.waitForLog('keyroute gateway serving');
    expect(second.stdout).toBe('');
    expect(second.countLogs('generated the default OpenPGP key')).toBe(0);
    const again = expectOk<{ keys: ApiKey[] }>(await client.get('/v1/keys', token)).keys;
    expect(again.map((key) => key.id)).toEqual(keys.map((key) => key.id));
    second.signal('SIGTERM');
    expect(await second.waitForExit()).toEqual({ code: 0, signal: null });

    const verify = await KeyrouteProcess.run(['audit', 'verify', '--data-dir', dataDir], {
      cwd: root,
    });
    expect(verify.exit.code, verify.stdout).toBe(0);
    const canaries = [token, passphrase, PLAINTEXT];
    expectNoCanary('the audit log', await readFile(join(dataDir, 'audit.log'), 'utf8'), canaries);
    expectNoCanary('the log', first.stderr + second.stderr, canaries);
  });

  it('keyroute token new prints a token and its SHA-256', async () => {
    const { exit, stdout } = await KeyrouteProcess.run(['token', 'new'], { cwd: '/' });
    expect(exit.code).toBe(0);
    const match = /^token: {2}(kr_\S+)\nsha256: ([0-9a-f]{64})\n$/.exec(stdout);
    expect(match).not.toBeNull();
    expect(hashToken(match?.[1] ?? '')).toBe(match?.[2]);
  });
});
