import { hasErrorCode } from '@keyroute/core';
import { describe, expect, it } from 'vitest';

import { parseGatewayConfig } from './parse-config.js';
import type { GatewayConfig } from './types.js';

const BASE = '/etc/keyroute';
const ENV = { HOME: '/home/ops' };
const HASH_A = 'a'.repeat(64);
const HASH_B = 'B'.repeat(64);

function parse(json: unknown): GatewayConfig {
  return parseGatewayConfig(json, { baseDir: BASE, env: ENV });
}

/** Parses `json`, expecting INVALID_INPUT whose message starts with `path: `; returns it. */
function rejection(json: unknown, path: string): string {
  let caught: unknown;
  try {
    parse(json);
  } catch (error) {
    caught = error;
  }
  if (!hasErrorCode(caught, 'INVALID_INPUT')) {
    throw new Error(`expected INVALID_INPUT at ${path}, got ${String(caught)}`);
  }
  expect(caught.message.startsWith(`${path}: `), caught.message).toBe(true);
  return caught.message;
}

/** A config with one provider entry (plus what it needs). */
function withProvider(entry: Record<string, unknown>): unknown {
  return { providers: [entry] };
}

/** A config with one app entry. */
function withApp(entry: Record<string, unknown>): unknown {
  return { apps: [entry] };
}

describe('parseGatewayConfig: a full config', () => {
  it('round-trips every documented key, resolving paths and normalising values', () => {
    const config = parseGatewayConfig(
      {
        listen: { socket: 'run/keyroute.sock', http: '127.0.0.1:8443' },
        dataDir: '/var/lib/keyroute',
        providers: [
          {
            id: 'gpg',
            type: 'gpg-agent',
            homedir: '~/.gnupg',
            socket: 'agent/S.gpg-agent',
            poolSize: 2,
            timeoutMs: 5000,
            launch: false,
            allowPkcs1v15Decrypt: true,
            keyCacheMs: 0,
            passphrase: { env: 'GPG_PASSPHRASE' },
          },
          {
            id: 'softhsm',
            type: 'pkcs11',
            module: '/usr/lib/softhsm/libsofthsm2.so',
            token: 'pkcs11:token=keyroute',
            poolSize: 4,
            timeoutMs: 10_000,
            rescanIntervalMs: 0,
            oaepHashes: ['sha1', 'sha256', 'sha1'],
            allowPkcs1v15Decrypt: false,
            pin: { file: 'secrets/pin' },
          },
          {
            id: 'pgp',
            type: 'openpgp',
            dir: 'keys',
            unlockTtlMs: 60_000,
            timeoutMs: 30_000,
            maxDecryptedBytes: 1024,
            secret: { file: '/run/secrets/pgp' },
          },
        ],
        apps: [
          {
            name: 'billing',
            token: { sha256: HASH_B },
            allow: [
              { keys: ['softhsm:*', 'pgp:8F3A*'], ops: ['list', 'sign', 'sign'] },
              { keys: [], ops: ['admin'] },
            ],
          },
          { name: 'reader', token: { sha256: HASH_A } },
        ],
        audit: { path: 'log/audit.jsonl' },
        limits: { bodyBytes: 2048, ratePerMinute: 0 },
        tls: { cert: 'tls/cert.pem', key: '/etc/ssl/key.pem' },
      },
      { baseDir: BASE, env: ENV, source: '/etc/keyroute/config.json' },
    );
    expect(config).toEqual({
      listen: {
        socket: '/etc/keyroute/run/keyroute.sock',
        http: { host: '127.0.0.1', port: 8443 },
      },
      dataDir: '/var/lib/keyroute',
      providers: [
        {
          id: 'gpg',
          type: 'gpg-agent',
          options: {
            homedir: '/home/ops/.gnupg',
            socket: '/etc/keyroute/agent/S.gpg-agent',
            poolSize: 2,
            timeoutMs: 5000,
            launch: false,
            allowPkcs1v15Decrypt: true,
            keyCacheMs: 0,
          },
          secret: { env: 'GPG_PASSPHRASE' },
        },
        {
          id: 'softhsm',
          type: 'pkcs11',
          options: {
            module: '/usr/lib/softhsm/libsofthsm2.so',
            token: 'pkcs11:token=keyroute',
            poolSize: 4,
            timeoutMs: 10_000,
            rescanIntervalMs: 0,
            oaepHashes: ['sha1', 'sha256'],
            allowPkcs1v15Decrypt: false,
          },
          secret: { file: '/etc/keyroute/secrets/pin' },
        },
        {
          id: 'pgp',
          type: 'openpgp',
          options: {
            dir: '/etc/keyroute/keys',
            unlockTtlMs: 60_000,
            timeoutMs: 30_000,
            maxDecryptedBytes: 1024,
          },
          secret: { file: '/run/secrets/pgp' },
        },
      ],
      apps: [
        {
          name: 'billing',
          tokenSha256: 'b'.repeat(64),
          allow: [
            { keys: ['softhsm:*', 'pgp:8F3A*'], ops: ['list', 'sign'] },
            { keys: [], ops: ['admin'] },
          ],
        },
        { name: 'reader', tokenSha256: HASH_A, allow: [] },
      ],
      audit: { path: '/etc/keyroute/log/audit.jsonl' },
      limits: {
        bodyBytes: 2048,
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        ratePerMinute: 0,
        providerTimeoutMs: 30_000,
      },
      tls: { cert: '/etc/keyroute/tls/cert.pem', key: '/etc/ssl/key.pem' },
      source: '/etc/keyroute/config.json',
    } satisfies GatewayConfig);
  });

  it('fills every default into an empty config', () => {
    expect(parse({})).toEqual({
      listen: { socket: '/etc/keyroute/.keyroute/keyroute.sock' },
      dataDir: '/etc/keyroute/.keyroute',
      providers: [],
      apps: [],
      audit: { path: '/etc/keyroute/.keyroute/audit.log' },
      limits: {
        bodyBytes: 1024 * 1024,
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        ratePerMinute: 600,
        providerTimeoutMs: 30_000,
      },
    } satisfies GatewayConfig);
  });

  it('puts the default socket and audit log into the configured dataDir', () => {
    const config = parse({ dataDir: 'state', listen: {}, audit: {} });
    expect(config.dataDir).toBe('/etc/keyroute/state');
    expect(config.listen).toEqual({ socket: '/etc/keyroute/state/keyroute.sock' });
    expect(config.audit.path).toBe('/etc/keyroute/state/audit.log');
  });

  it('listens on http alone when only http is given', () => {
    expect(parse({ listen: { http: 'localhost:0' } }).listen).toEqual({
      http: { host: 'localhost', port: 0 },
    });
  });

  it.each([
    ['127.0.0.1:7787', '127.0.0.1', 7787],
    ['127.1.2.3:1', '127.1.2.3', 1],
    ['LocalHost:65535', 'LocalHost', 65535],
    ['[::1]:7787', '::1', 7787],
    ['[0:0:0:0:0:0:0:1]:80', '0:0:0:0:0:0:0:1', 80],
  ])('accepts the loopback address %s without tls', (http, host, port) => {
    expect(parse({ listen: { http } }).listen.http).toEqual({ host, port });
  });

  it.each([
    ['0.0.0.0:7787', '0.0.0.0'],
    ['[::]:443', '::'],
    ['gateway.example:443', 'gateway.example'],
  ])('accepts the non-loopback address %s with tls', (http, host) => {
    const config = parse({ listen: { http }, tls: { cert: 'c.pem', key: 'k.pem' } });
    expect(config.listen.http?.host).toBe(host);
  });

  it('takes a pkcs11 module from the token URI instead of module', () => {
    const config = parse(
      withProvider({
        id: 'hsm',
        type: 'pkcs11',
        token: 'pkcs11:token=t?module-path=/usr/lib/libhsm.so',
      }),
    );
    expect(config.providers[0]?.options).toEqual({
      token: 'pkcs11:token=t?module-path=/usr/lib/libhsm.so',
    });
  });

  it('accepts provider ids of 1 to 32 letters, digits, "_" and "-"', () => {
    for (const id of ['a', '0', 'SoftHSM_2-x', 'a'.repeat(32)]) {
      expect(parse(withProvider({ id, type: 'openpgp', dir: 'k' })).providers[0]?.id).toBe(id);
    }
  });
});

describe('parseGatewayConfig: rejections name the JSON path', () => {
  it('refuses a root that is not an object', () => {
    for (const json of [null, [], 'config', 42]) {
      expect(rejection(json, '(root)')).toMatch(/must be an object/);
    }
  });

  it('refuses an unknown root key, listing the known ones', () => {
    expect(rejection({ listne: {} }, 'listne')).toBe(
      'listne: unknown key; known: listen, dataDir, providers, apps, audit, limits, tls ' +
        '(did you mean "listen"?)',
    );
  });

  it.each([
    [{ listen: { sockte: 'x' } }, 'listen.sockte'],
    [{ audit: { file: 'x' } }, 'audit.file'],
    [{ limits: { bodySize: 1 } }, 'limits.bodySize'],
    [{ tls: { cert: 'c', key: 'k', ca: 'x' } }, 'tls.ca'],
    [withApp({ name: 'a', token: { sha256: HASH_A }, roles: [] }), 'apps[0].roles'],
    [withApp({ name: 'a', token: { sha256: HASH_A, md5: 'x' } }), 'apps[0].token.md5'],
    [
      withApp({ name: 'a', token: { sha256: HASH_A }, allow: [{ keys: [], ops: [], x: 1 }] }),
      'apps[0].allow[0].x',
    ],
    [
      withProvider({ id: 'p', type: 'openpgp', dir: 'k', pin: { vault: 'x' } }),
      'providers[0].pin.vault',
    ],
    [{ apps: [], 'odd key': 1 }, '["odd key"]'],
  ])('refuses unknown key %j at %s', (json, path) => {
    expect(rejection(json, path)).toMatch(/unknown key; known: /);
  });

  it('lists the options of the provider type for an unknown provider key', () => {
    const message = rejection(
      {
        providers: [
          { id: 'a', type: 'openpgp', dir: 'k' },
          { id: 'gpg', type: 'gpg-agent', homdir: '/x' },
        ],
      },
      'providers[1].homdir',
    );
    expect(message).toBe(
      'providers[1].homdir: unknown key; known: id, type, homedir, socket, poolSize, timeoutMs, ' +
        'launch, allowPkcs1v15Decrypt, keyCacheMs, pin, passphrase, secret (did you mean "homedir"?)',
    );
  });

  it('refuses options of another provider type', () => {
    expect(
      rejection(
        withProvider({ id: 'p', type: 'openpgp', dir: 'k', module: '/m.so' }),
        'providers[0].module',
      ),
    ).toMatch(
      /known: id, type, dir, unlockTtlMs, timeoutMs, maxDecryptedBytes, pin, passphrase, secret$/,
    );
    rejection(
      withProvider({ id: 'p', type: 'pkcs11', module: '/m.so', dir: 'k' }),
      'providers[0].dir',
    );
  });

  it.each([
    [{ listen: 'sock' }, 'listen', /must be an object; got a string/],
    [{ listen: { socket: 5 } }, 'listen.socket', /must be a string; got a number/],
    [{ listen: { socket: '' } }, 'listen.socket', /must not be empty/],
    [{ listen: { http: 7787 } }, 'listen.http', /must be a string/],
    [{ dataDir: null }, 'dataDir', /must be a string; got null/],
    [{ dataDir: 'a\0b' }, 'dataDir', /NUL/],
    [{ providers: {} }, 'providers', /must be an array; got an object/],
    [{ providers: null }, 'providers', /must be an array; got null/],
    [{ providers: ['openpgp'] }, 'providers[0]', /must be an object/],
    [{ apps: 'all' }, 'apps', /must be an array/],
    [{ apps: [null] }, 'apps[0]', /must be an object/],
    [{ audit: 'audit.log' }, 'audit', /must be an object/],
    [{ audit: { path: [] } }, 'audit.path', /must be a string; got an array/],
    [{ limits: [] }, 'limits', /must be an object/],
    [{ limits: { bodyBytes: '1MiB' } }, 'limits.bodyBytes', /must be an integer/],
    [{ limits: { bodyBytes: 0 } }, 'limits.bodyBytes', /from 1 to/],
    [{ limits: { ratePerMinute: -1 } }, 'limits.ratePerMinute', /from 0 to/],
    [{ limits: { requestTimeoutMs: 1.5 } }, 'limits.requestTimeoutMs', /must be an integer/],
    [{ limits: { headersTimeoutMs: 2 ** 31 } }, 'limits.headersTimeoutMs', /from 1 to 2147483647/],
    [{ tls: { cert: 'c' } }, 'tls.key', /is required/],
    [{ tls: true }, 'tls', /must be an object/],
    [withProvider({ id: 'p', type: 'gpg-agent', poolSize: 0 }), 'providers[0].poolSize', /from 1/],
    [
      withProvider({ id: 'p', type: 'gpg-agent', poolSize: '2' }),
      'providers[0].poolSize',
      /integer/,
    ],
    [
      withProvider({ id: 'p', type: 'gpg-agent', launch: 'yes' }),
      'providers[0].launch',
      /true or false/,
    ],
    [
      withProvider({ id: 'p', type: 'gpg-agent', timeoutMs: 0 }),
      'providers[0].timeoutMs',
      /from 1/,
    ],
    [
      withProvider({ id: 'p', type: 'gpg-agent', keyCacheMs: -5 }),
      'providers[0].keyCacheMs',
      /from 0/,
    ],
    [withProvider({ id: 'p', type: 'gpg-agent', homedir: 3 }), 'providers[0].homedir', /string/],
    [
      withProvider({ id: 'p', type: 'openpgp', dir: 'k', maxDecryptedBytes: 0 }),
      'providers[0].maxDecryptedBytes',
      /from 1/,
    ],
    [withProvider({ id: 'p', type: 'openpgp' }), 'providers[0].dir', /is required/],
    [
      withProvider({ id: 'p', type: 'pkcs11', token: 'pkcs11:token=t' }),
      'providers[0].module',
      /is required/,
    ],
    [
      withProvider({ id: 'p', type: 'pkcs11', module: 'libsofthsm2.so' }),
      'providers[0].module',
      /must be an absolute path/,
    ],
    [
      withProvider({ id: 'p', type: 'pkcs11', module: '/m.so', token: 'token=t' }),
      'providers[0].token',
      /starts with "pkcs11:"/,
    ],
    [
      withProvider({ id: 'p', type: 'pkcs11', module: '/m.so', oaepHashes: ['md5'] }),
      'providers[0].oaepHashes[0]',
      /one of sha1, sha224/,
    ],
    [
      withProvider({ id: 'p', type: 'pkcs11', module: '/m.so', oaepHashes: [] }),
      'providers[0].oaepHashes',
      /at least one/,
    ],
    [
      withProvider({ id: 'p', type: 'pkcs11', module: '/m.so', oaepHashes: 'sha1' }),
      'providers[0].oaepHashes',
      /must be an array/,
    ],
  ])('refuses a value of the wrong type or range: %j', (json, path, detail) => {
    expect(rejection(json, path)).toMatch(detail);
  });

  it.each([
    [{ id: 'p' }, 'providers[0].type', /is required/],
    [
      { id: 'p', type: 'gpg' },
      'providers[0].type',
      /"gpg" is not a provider type; known: gpg-agent, pkcs11, openpgp/,
    ],
    [{ id: 'p', type: 1 }, 'providers[0].type', /is not a provider type/],
    [{ type: 'openpgp', dir: 'k' }, 'providers[0].id', /is required/],
  ])('refuses a bad or missing type or id: %j', (entry, path, detail) => {
    expect(rejection(withProvider(entry), path)).toMatch(detail);
  });

  it.each(['', '-a', '_a', 'a'.repeat(33), 'soft hsm', 'soft:hsm', 'a/b', 'é', 'a.b'])(
    'refuses the provider id %j',
    (id) => {
      expect(rejection(withProvider({ id, type: 'openpgp', dir: 'k' }), 'providers[0].id')).toMatch(
        /is not a provider id/,
      );
    },
  );

  it('refuses duplicate provider ids, case-insensitively', () => {
    const message = rejection(
      {
        providers: [
          { id: 'pgp', type: 'openpgp', dir: 'a' },
          { id: 'other', type: 'openpgp', dir: 'b' },
          { id: 'PGP', type: 'openpgp', dir: 'c' },
        ],
      },
      'providers[2].id',
    );
    expect(message).toMatch(/duplicate provider id "PGP" \(also providers\[0\]\)/);
  });

  it('refuses duplicate app names and token hashes', () => {
    expect(
      rejection(
        {
          apps: [
            { name: 'a', token: { sha256: HASH_A } },
            { name: 'a', token: { sha256: HASH_B } },
          ],
        },
        'apps[1].name',
      ),
    ).toMatch(/duplicate app name "a" \(also apps\[0\]\)/);
    const message = rejection(
      {
        apps: [
          { name: 'a', token: { sha256: HASH_A } },
          { name: 'b', token: { sha256: HASH_A.toUpperCase() } },
        ],
      },
      'apps[1].token.sha256',
    );
    expect(message).toMatch(/same token hash as apps\[0\]/);
    expect(message.toLowerCase()).not.toContain(HASH_A);
  });

  it.each([
    ['0.0.0.0:7787'],
    ['192.168.1.10:7787'],
    ['[::]:7787'],
    ['[2001:db8::1]:443'],
    ['example.com:80'],
    ['[::ffff:127.0.0.1]:80'],
  ])('refuses the non-loopback listen address %s without tls', (http) => {
    const message = rejection({ listen: { http } }, 'listen.http');
    expect(message).toMatch(/is not a loopback address \(127\.0\.0\.1, ::1, localhost\)/);
    expect(message).toMatch(/unencrypted; add "tls"/);
  });

  it.each([
    ['127.0.0.1', /is not "host:port"/],
    [':7787', /is not "host:port"/],
    ['127.0.0.1:', /is not "host:port"/],
    ['127.0.0.1:http', /is not "host:port"/],
    ['127.0.0.1:123456', /is not "host:port"/],
    ['127.0.0.1:65536', /port must be from 0 to 65535/],
    ['::1:7787', /write IPv6 addresses in brackets/],
    ['[localhost]:80', /only IPv6 addresses go in brackets/],
    ['local host:80', /is not "host:port"/],
    ['', /must not be empty/],
  ])('refuses the malformed listen address %j', (http, detail) => {
    expect(rejection({ listen: { http } }, 'listen.http')).toMatch(detail);
  });

  it('refuses a socket path too long for the kernel, and a long default one', () => {
    expect(rejection({ listen: { socket: `/${'s'.repeat(120)}` } }, 'listen.socket')).toMatch(
      /Unix socket paths are at most/,
    );
    rejection({ dataDir: `/${'d'.repeat(120)}` }, 'listen.socket');
  });

  it('refuses "~" when HOME is unknown', () => {
    expect(() => parseGatewayConfig({ dataDir: '~/kr' }, { baseDir: BASE, env: {} })).toThrow(
      /^dataDir: starts with "~" but HOME is not set/,
    );
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [{ sha256: 'abcdef123' }, /must be a SHA-256 in hex/],
    [{ sha256: 'g'.repeat(64) }, /must be a SHA-256 in hex/],
    [{ sha256: `${HASH_A}0` }, /must be a SHA-256 in hex/],
    [{ sha256: 42 }, /must be a SHA-256 in hex/],
    [{}, /is required/],
  ])('refuses the token %j', (token, detail) => {
    const message = rejection(withApp({ name: 'a', token }), 'apps[0].token.sha256');
    expect(message).toMatch(detail);
    const hash = token['sha256'];
    if (typeof hash === 'string') expect(message).not.toContain(hash);
  });

  it('refuses a token written in clear, without showing it', () => {
    const message = rejection(withApp({ name: 'a', token: 'kr_secret-token' }), 'apps[0].token');
    expect(message).toMatch(/not the token itself/);
    expect(message).not.toContain('kr_secret-token');
  });

  it.each([
    [{ name: '', token: { sha256: HASH_A } }, 'apps[0].name', /must not be empty/],
    [{ name: 'a\nb', token: { sha256: HASH_A } }, 'apps[0].name', /control characters/],
    [{ name: 'x'.repeat(65), token: { sha256: HASH_A } }, 'apps[0].name', /at most 64/],
    [{ token: { sha256: HASH_A } }, 'apps[0].name', /is required/],
    [{ name: 'a' }, 'apps[0].token', /is required/],
    [{ name: 'a', token: { sha256: HASH_A }, allow: {} }, 'apps[0].allow', /must be an array/],
    [
      { name: 'a', token: { sha256: HASH_A }, allow: [{ ops: ['list'] }] },
      'apps[0].allow[0].keys',
      /is required/,
    ],
    [
      { name: 'a', token: { sha256: HASH_A }, allow: [{ keys: ['*'] }] },
      'apps[0].allow[0].ops',
      /is required/,
    ],
    [
      { name: 'a', token: { sha256: HASH_A }, allow: [{ keys: '*', ops: ['list'] }] },
      'apps[0].allow[0].keys',
      /must be an array/,
    ],
    [
      { name: 'a', token: { sha256: HASH_A }, allow: [{ keys: [''], ops: ['list'] }] },
      'apps[0].allow[0].keys[0]',
      /must not be empty/,
    ],
    [
      { name: 'a', token: { sha256: HASH_A }, allow: [{ keys: ['*'], ops: [] }] },
      'apps[0].allow[0].ops',
      /at least one of list, sign/,
    ],
  ])('refuses the app %j', (app, path, detail) => {
    expect(rejection(withApp(app), path)).toMatch(detail);
  });

  it.each([['delete'], ['Sign'], ['*'], [3]])('refuses the unknown op %j', (op) => {
    const message = rejection(
      withApp({
        name: 'a',
        token: { sha256: HASH_A },
        allow: [{ keys: ['*'], ops: ['list', op] }],
      }),
      'apps[0].allow[0].ops[1]',
    );
    expect(message).toMatch(/is not an op; known: list, sign, verify, decrypt, encrypt, admin$/);
  });
});

describe('parseGatewayConfig: provider secrets', () => {
  const provider = (secret: Record<string, unknown>): unknown =>
    withProvider({ id: 'p', type: 'openpgp', dir: 'k', ...secret });

  it.each(['pin', 'passphrase', 'secret'])('reads %s as {env} or {file}', (key) => {
    expect(parse(provider({ [key]: { env: 'PGP_PASS' } })).providers[0]?.secret).toEqual({
      env: 'PGP_PASS',
    });
    expect(parse(provider({ [key]: { file: '~/pass' } })).providers[0]?.secret).toEqual({
      file: '/home/ops/pass',
    });
  });

  it('leaves secret out when none is given', () => {
    expect(parse(provider({})).providers[0]).not.toHaveProperty('secret');
  });

  it.each([
    [
      { pin: 'hunter2-literal' },
      'providers[0].pin',
      /must be \{"env": NAME\} or \{"file": path\}; got a string; secrets are never written/,
    ],
    [{ pin: 123456 }, 'providers[0].pin', /got a number/],
    [{ pin: null }, 'providers[0].pin', /got null/],
    [{ pin: ['hunter2-literal'] }, 'providers[0].pin', /got an array/],
    [{ pin: {} }, 'providers[0].pin', /got an object with neither/],
    [{ pin: { env: 'A', file: '/f' } }, 'providers[0].pin', /not both/],
    [
      { pin: { env: 'hunter2-literal' } },
      'providers[0].pin.env',
      /name of an environment variable/,
    ],
    [{ pin: { env: 5 } }, 'providers[0].pin.env', /name of an environment variable/],
    [{ pin: { env: '' } }, 'providers[0].pin.env', /name of an environment variable/],
    [{ passphrase: { file: 7 } }, 'providers[0].passphrase.file', /must be a string/],
    [{ passphrase: { file: '' } }, 'providers[0].passphrase.file', /must not be empty/],
    [
      { secret: { value: 'hunter2-literal' } },
      'providers[0].secret.value',
      /unknown key; known: env, file/,
    ],
    [
      { pin: { env: 'A' }, passphrase: { env: 'B' } },
      'providers[0]',
      /give one of pin, passphrase, secret; got pin, passphrase/,
    ],
  ])('refuses %j without showing the value', (secret, path, detail) => {
    const message = rejection(provider(secret), path);
    expect(message).toMatch(detail);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('123456');
  });

  it('refuses a PIN inside the pkcs11 token URI without showing it', () => {
    for (const token of [
      'pkcs11:token=t?pin-value=hunter2-literal',
      'pkcs11:token=t?pin-source=file:/etc/pin',
    ]) {
      const message = rejection(
        withProvider({ id: 'p', type: 'pkcs11', module: '/m.so', token }),
        'providers[0].token',
      );
      expect(message).toMatch(/must not carry pin-value or pin-source/);
      expect(message).not.toContain('hunter2');
    }
    const malformed = rejection(
      withProvider({
        id: 'p',
        type: 'pkcs11',
        module: '/m.so',
        token: 'pkcs11:tokn=t?pin-value=hunter2',
      }),
      'providers[0].token',
    );
    expect(malformed).not.toContain('hunter2');
  });
});
