/**
 * End to end, in process: one gateway (startGateway) over the three real backends of the
 * testbed — a gpg-agent home, a SoftHSM2 token and an OpenPGP key folder — listening on a Unix
 * socket and on loopback TCP, called over HTTP. Every signature is checked by something other
 * than the gateway (openssl, node:crypto, gpg), every decryption against a ciphertext made
 * elsewhere; then the ACL matrix, the error answers, a provider going down, reload, and last the
 * audit chain and the canaries (PIN, passphrases, plaintext, tokens) in the audit log and the log.
 */
import {
  constants,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  randomUUID,
  verify as nodeVerify,
  createHash,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import {
  createGpgHome,
  createOpenPgpKeyFolder,
  createSoftHsmToken,
  type GpgHome,
  type OpenPgpKeyFolder,
  type SoftHsmToken,
} from '@keyroute/testbed';
import { destination, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/index.js';
import { hashToken, newToken } from '../../src/auth/tokens.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import type { GatewayConfig } from '../../src/config/types.js';
import type { ApiKey } from '../../src/gateway/api-key.js';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.js';
import {
  Cleanup,
  createGpgChecker,
  expectNoCanary,
  expectOk,
  expectProblem,
  keyIds,
  opensslVerifies,
  readAuditRecords,
  shortTempDir,
  writeSecretFile,
  type GpgChecker,
} from './checks.js';
import { b64, call, GatewayClient, keyPath, unb64, type Reply } from './http-client.js';
import { SocketProxy } from './socket-proxy.js';

/** Secrets and data that must never show up in the log or the audit log. */
const PIN = 'kr-pin-canary-5b1e77';
const WRONG_PIN = 'kr-wrong-pin-canary-c4d2';
const GPG_PASSPHRASE = 'kr-gpg-passphrase-canary-91af';
/** The testbed's passphrase of the OpenPGP folder's `protected` key. */
const PGP_PASSPHRASE = 'correct horse battery staple';
const PLAINTEXT = `kr-plaintext-canary-${randomUUID()}`;
const BODY_LIMIT = 4096;
const ALL_OPS = ['list', 'sign', 'verify', 'decrypt', 'encrypt'];

const tokens = {
  all: newToken(),
  a: newToken(),
  b: newToken(),
  none: newToken(),
  late: newToken(),
};

let gpgHome: GpgHome;
let token: SoftHsmToken;
let folder: OpenPgpKeyFolder;
let checker: GpgChecker;
let agentProxy: SocketProxy;
let work: { path: string; remove(): Promise<void> };
let gateway: RunningGateway;
let client: GatewayClient;
let tcp: GatewayClient;
let configJson: Record<string, unknown>;
let logPath: string;
let auditPath: string;
/** Every key the `all` app lists, by gateway id. */
const keys = new Map<string, ApiKey>();

function parse(json: Record<string, unknown>): GatewayConfig {
  return parseGatewayConfig(json, { baseDir: work.path });
}

function appsJson(names: readonly (keyof typeof tokens)[]): unknown[] {
  const rules: Record<keyof typeof tokens, unknown[]> = {
    all: [{ keys: ['*'], ops: ALL_OPS }],
    a: [{ keys: ['pgp:*'], ops: ['list', 'sign', 'verify'] }],
    b: [{ keys: ['hsm:*'], ops: ['list', 'sign'] }],
    none: [],
    late: [{ keys: ['pgp:*'], ops: ['list'] }],
  };
  return names.map((name) => ({
    name,
    token: { sha256: hashToken(tokens[name]) },
    allow: rules[name],
  }));
}

const cleanup = new Cleanup();

beforeAll(async () => {
  work = cleanup.add(await shortTempDir('krg-'), (dir) => dir.remove());
  [gpgHome, token, folder, checker] = await Promise.all([
    createGpgHome({
      keys: [
        { name: 'rsa2048', primary: 'rsa2048', subkey: 'rsa2048' },
        { name: 'ed25519', primary: 'ed25519', subkey: 'cv25519' },
        { name: 'nistp256', primary: 'nistp256', subkey: 'nistp256' },
        { name: 'protected', primary: 'ed25519', subkey: 'cv25519', passphrase: GPG_PASSPHRASE },
      ],
    }).then((home) => cleanup.add(home, (h) => h.dispose())),
    createSoftHsmToken({ pin: PIN }).then((t) => cleanup.add(t, (x) => x.dispose())),
    createOpenPgpKeyFolder().then((f) => cleanup.add(f, (x) => x.dispose())),
    createGpgChecker().then((c) => cleanup.add(c, (x) => x[Symbol.asyncDispose]())),
  ]);
  // An empty second token in the same store, logged into with a wrong PIN.
  const second = await token.addToken('second');
  // SoftHSM reads its configuration when the module is loaded, once per process.
  process.env['SOFTHSM2_CONF'] = token.conf;
  process.env['KR_TEST_PIN'] = PIN;
  process.env['KR_TEST_WRONG_PIN'] = WRONG_PIN;
  await writeSecretFile(join(work.path, 'pgp.pass'), PGP_PASSPHRASE);
  await writeSecretFile(join(work.path, 'gpg.pass'), GPG_PASSPHRASE);
  agentProxy = new SocketProxy(join(work.path, 'agent.sock'), gpgHome.agentSocket);
  await agentProxy.open();
  cleanup.add(agentProxy, (proxy) => proxy.cut());
  logPath = join(work.path, 'gateway.log');
  auditPath = join(work.path, 'audit.log');
  configJson = {
    listen: { socket: 'gw.sock', http: '127.0.0.1:0' },
    dataDir: '.',
    audit: { path: 'audit.log' },
    limits: { bodyBytes: BODY_LIMIT, ratePerMinute: 100_000 },
    providers: [
      // The provider reaches the agent through a proxy the test can cut (stopping the agent
      // would not do: gpg and gpgsm, which the provider also runs, start it again). keyCacheMs
      // 0: every listing asks the agent.
      {
        id: 'gpg',
        type: 'gpg-agent',
        homedir: gpgHome.homedir,
        socket: 'agent.sock',
        launch: false,
        keyCacheMs: 0,
        passphrase: { file: 'gpg.pass' },
      },
      {
        id: 'hsm',
        type: 'pkcs11',
        module: token.module,
        token: `pkcs11:token=${token.label};serial=${token.serial}`,
        pin: { env: 'KR_TEST_PIN' },
      },
      { id: 'pgp', type: 'openpgp', dir: folder.dir, passphrase: { file: 'pgp.pass' } },
      {
        id: 'down',
        type: 'pkcs11',
        module: token.module,
        token: 'pkcs11:token=no-such-token',
        pin: { env: 'KR_TEST_PIN' },
      },
      {
        id: 'locked',
        type: 'pkcs11',
        module: token.module,
        token: `pkcs11:token=second;serial=${second.serial}`,
        pin: { env: 'KR_TEST_WRONG_PIN' },
      },
    ],
    apps: appsJson(['all', 'a', 'b', 'none']),
  };
  const logger = pino({ level: 'trace' }, destination({ dest: logPath, sync: true }));
  gateway = cleanup.add(await startGateway(parse(configJson), logger), (g) => g.close());
  client = new GatewayClient({ socketPath: join(work.path, 'gw.sock') });
  const http = gateway.addresses.http;
  if (http === undefined) throw new Error('the gateway does not listen on TCP');
  tcp = new GatewayClient({ host: http.host, port: http.port });
  await checker.importKeys(await gpgHome.exportPublicKey('ed25519'));
  await checker.importKeys(await gpgHome.exportPublicKey('protected'));
  for (const key of folder.keys) await checker.importKeys(key.armoredPublicKey);
  // The unprotected `ecc` secret key, to decrypt what the gateway encrypts to it.
  await checker.importKeys(pgpKey('ecc').armoredPrivateKey);
});

afterAll(() => cleanup.run());

function pgpKey(name: string): OpenPgpKeyFolder['keys'][number] {
  const key = folder.keys.find((candidate) => candidate.name === name);
  if (key === undefined) throw new Error(`no OpenPGP folder key ${name}`);
  return key;
}

/** Gateway id of a gpg home key: `gpg:<keygrip>`. */
function gpgId(spec: string, role: 'primary' | 'subkey'): string {
  const key = gpgHome.keys.find((candidate) => candidate.spec === spec && candidate.role === role);
  if (key === undefined) throw new Error(`no gpg key ${spec}/${role}`);
  return `gpg:${key.keygrip}`;
}

/** Gateway id of an OpenPGP folder key: `pgp:<fingerprint>`; the subkey is found in the listing. */
function pgpId(name: string, role: 'primary' | 'subkey'): string {
  const primary = pgpKey(name);
  if (role === 'primary') return `pgp:${primary.fingerprint}`;
  const sub = [...keys.values()].find(
    (key) =>
      key.provider === 'pgp' &&
      key.certificates.includes(`pgp:${primary.fingerprint}`) &&
      key.usages.includes('decrypt'),
  );
  if (sub === undefined) throw new Error(`no decryption subkey of ${name}`);
  return sub.id;
}

function hsmSpki(id: string): Uint8Array {
  const key = token.keys.find((candidate) => candidate.id === id);
  if (key === undefined) throw new Error(`no token key ${id}`);
  return key.publicKeySpki;
}

/** The public key the gateway lists for a key. */
function listedPublicKey(id: string): KeyObject {
  const key = keys.get(id);
  if (key === undefined) throw new Error(`key ${id} was not listed`);
  return createPublicKey({ key: unb64(key.publicKey), format: 'der', type: 'spki' });
}

async function signWith(ref: string, body: Record<string, unknown>): Promise<Buffer> {
  const reply = await client.op(ref, 'sign', tokens.all, body);
  return unb64(expectOk<{ signature: string }>(reply).signature);
}

async function decryptWith(ref: string, body: Record<string, unknown>): Promise<Buffer> {
  const reply = await client.op(ref, 'decrypt', tokens.all, body);
  const result = expectOk<{ plaintext?: string; sharedSecret?: string }>(reply);
  return unb64(result.plaintext ?? result.sharedSecret ?? '');
}

describe('the unauthenticated endpoints', () => {
  it('answer /healthz, /openapi.json and /metrics without a token, each with a request id', async () => {
    const health = await client.get('/healthz');
    expect(expectOk(health)).toEqual({ status: 'ok' });
    const openapi = expectOk<{ openapi: string; paths: Record<string, unknown> }>(
      await client.get('/openapi.json'),
    );
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toContain('/v1/keys/{ref}/sign');
    const metrics = await tcp.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(metrics.text).toContain('keyroute_provider_up{provider="hsm"} 1');
    expect(metrics.text).toContain('keyroute_provider_up{provider="down"} 0');
  });
});

describe('providers and keys', () => {
  it('reports three providers ready, a missing token unavailable and a wrong PIN locked', async () => {
    const reply = await client.get('/v1/providers', tokens.all);
    const { providers } = expectOk<{
      providers: { id: string; type: string; status: string; detail?: string }[];
    }>(reply);
    expect(providers.map(({ id, type, status }) => ({ id, type, status }))).toEqual([
      { id: 'gpg', type: 'gpg-agent', status: 'ready' },
      { id: 'hsm', type: 'pkcs11', status: 'ready' },
      { id: 'pgp', type: 'openpgp', status: 'ready' },
      { id: 'down', type: 'pkcs11', status: 'unavailable' },
      { id: 'locked', type: 'pkcs11', status: 'locked' },
    ]);
    expect(providers.find((p) => p.id === 'down')?.detail).toMatch(/no-such-token/);
  });

  it('lists the keys of all three providers to an app allowed everything', async () => {
    const reply = await client.get('/v1/keys', tokens.all);
    for (const key of expectOk<{ keys: ApiKey[] }>(reply).keys) keys.set(key.id, key);
    const ids = [...keys.keys()];
    // gpg-agent: every primary key and subkey of the home, by keygrip.
    expect(ids.filter((id) => id.startsWith('gpg:')).sort()).toEqual(
      gpgHome.keys.map((key) => `gpg:${key.keygrip}`).sort(),
    );
    // pkcs11: the token's keys by CKA_ID, with the public keys p11tool read from the token.
    expect(ids.filter((id) => id.startsWith('hsm:')).sort()).toEqual(
      token.keys.map((key) => `hsm:${key.id}`).sort(),
    );
    for (const tokenKey of token.keys) {
      expect(keys.get(`hsm:${tokenKey.id}`)?.publicKey).toBe(b64(tokenKey.publicKeySpki));
    }
    // openpgp: each certificate's primary key and subkey.
    for (const key of folder.keys) expect(ids).toContain(`pgp:${key.fingerprint}`);
    expect(ids.filter((id) => id.startsWith('pgp:'))).toHaveLength(folder.keys.length * 2);
    // Nothing from the providers that are down or locked.
    expect(ids.filter((id) => /^(down|locked):/.test(id))).toEqual([]);
    // Certificates are linked: the X.509 certificates of the token, the OpenPGP certificates.
    expect(keys.get('hsm:01')?.certificates).toHaveLength(1);
    const certificates = expectOk<{ certificates: { id: string; type: string; keys: string[] }[] }>(
      await client.get('/v1/certificates', tokens.all),
    ).certificates;
    expect(certificates.filter((c) => c.type === 'x509').map((c) => c.keys)).toEqual(
      expect.arrayContaining([['hsm:01'], ['hsm:02']]),
    );
  });

  it('finds one key by its gateway id and by each of its aliases', async () => {
    const hsm = keys.get('hsm:01');
    const gpg = keys.get(gpgId('ed25519', 'primary'));
    const pgp = keys.get(pgpId('ecc', 'primary'));
    if (hsm === undefined || gpg === undefined || pgp === undefined) throw new Error('not listed');
    const cases: [string, string][] = [
      ['hsm:01', 'hsm:01'],
      [hsm.aliases['pkcs11Uri'] ?? '-', 'hsm:01'],
      [`keygrip:${hsm.aliases['keygrip'] ?? '-'}`, 'hsm:01'],
      [`spki-sha256:${hsm.aliases['spkiSha256'] ?? '-'}`, 'hsm:01'],
      [`x509-sha256:${hsm.aliases['x509Sha256'] ?? '-'}`, 'hsm:01'],
      ['rsa2048', 'hsm:01'],
      [gpg.id, gpg.id],
      [gpg.aliases['keygrip'] ?? '-', gpg.id],
      [gpg.aliases['openpgpFingerprint'] ?? '-', gpg.id],
      [pgp.id, pgp.id],
      [pgpKey('ecc').fingerprint, pgp.id],
      [`openpgp:${pgpKey('ecc').fingerprint.toLowerCase()}`, pgp.id],
      [`keyid:${pgpKey('ecc').keyId}`, pgp.id],
    ];
    for (const [reference, id] of cases) {
      const reply = await client.get(keyPath(reference), tokens.all);
      expect(expectOk<ApiKey>(reply).id, reference).toBe(id);
    }
  });
});

describe('signing through each provider, each signature checked independently', () => {
  const data = Buffer.from(`to be signed ${randomUUID()}`);

  it('pkcs11: RSA PKCS#1 v1.5 and PSS (openssl), ECDSA P-256 (openssl, node:crypto), Ed25519 (node:crypto)', async () => {
    const rsa = await signWith('hsm:01', { data: b64(data), hash: 'SHA-256' });
    expect(
      await opensslVerifies({ spki: hsmSpki('01'), data, signature: rsa, hash: 'sha256' }),
    ).toBe(true);
    const pss = await signWith('hsm:04', { data: b64(data), scheme: 'pss', hash: 'SHA-384' });
    expect(
      await opensslVerifies({
        spki: hsmSpki('04'),
        data,
        signature: pss,
        hash: 'sha384',
        pss: { saltLength: 48 },
      }),
    ).toBe(true);
    const der = await signWith('hsm:02', { data: b64(data), encoding: 'der' });
    expect(
      await opensslVerifies({ spki: hsmSpki('02'), data, signature: der, hash: 'sha256' }),
    ).toBe(true);
    // A digest computed here, signed there, P1363 encoding.
    const digest = createHash('sha384').update(data).digest();
    const p1363 = await signWith('hsm:03', { digest: b64(digest), hash: 'SHA-384' });
    const p384 = createPublicKey({ key: Buffer.from(hsmSpki('03')), format: 'der', type: 'spki' });
    expect(nodeVerify('sha384', data, { key: p384, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
    const ed = await signWith('hsm:05', { data: b64(data) });
    const edKey = createPublicKey({ key: Buffer.from(hsmSpki('05')), format: 'der', type: 'spki' });
    expect(nodeVerify(null, data, edKey, ed)).toBe(true);
  });

  it('gpg-agent: OpenPGP signatures (gpg --verify), raw RSA (openssl) and ECDSA (node:crypto)', async () => {
    const edId = gpgId('ed25519', 'primary');
    const openpgp = await signWith(edId, { data: b64(data), format: 'openpgp' });
    const edFingerprint = keys.get(edId)?.aliases['openpgpFingerprint'];
    expect(await checker.verifyDetached(openpgp, data)).toBe(edFingerprint);
    // The passphrase-protected key: the passphrase comes from the secret file.
    const protectedId = gpgId('protected', 'primary');
    const locked = await signWith(protectedId, { data: b64(data), format: 'openpgp' });
    expect(await checker.verifyDetached(locked, data)).toBe(
      keys.get(protectedId)?.aliases['openpgpFingerprint'],
    );
    const rsaId = gpgId('rsa2048', 'primary');
    const rsa = await signWith(rsaId, { data: b64(data), hash: 'SHA-512' });
    const rsaSpki = unb64(keys.get(rsaId)?.publicKey ?? '');
    expect(await opensslVerifies({ spki: rsaSpki, data, signature: rsa, hash: 'sha512' })).toBe(
      true,
    );
    const ecId = gpgId('nistp256', 'primary');
    const ecdsa = await signWith(ecId, { data: b64(data) });
    expect(
      nodeVerify('sha256', data, { key: listedPublicKey(ecId), dsaEncoding: 'ieee-p1363' }, ecdsa),
    ).toBe(true);
  });

  it('openpgp: OpenPGP RSA-3072 and Ed25519 signatures (gpg --verify), raw Ed25519 (node:crypto)', async () => {
    for (const name of ['rsa3072', 'ecc', 'protected']) {
      const signature = await signWith(pgpId(name, 'primary'), {
        data: b64(data),
        format: 'openpgp',
      });
      expect(await checker.verifyDetached(signature, data), name).toBe(pgpKey(name).fingerprint);
    }
    const id = pgpId('protected', 'primary');
    const raw = await signWith(id, { data: b64(data) });
    expect(nodeVerify(null, data, listedPublicKey(id), raw)).toBe(true);
  });

  it('verifies through the gateway: valid for a good signature, not valid for other data', async () => {
    const signature = await signWith('hsm:02', { data: b64(data) });
    const good = await client.op('hsm:02', 'verify', tokens.all, {
      data: b64(data),
      signature: b64(signature),
    });
    expect(expectOk(good)).toEqual({ valid: true });
    const bad = await client.op('hsm:02', 'verify', tokens.all, {
      data: b64(Buffer.concat([data, Buffer.from('!')])),
      signature: b64(signature),
    });
    expect(expectOk<{ valid: boolean }>(bad).valid).toBe(false);
    const pgpSignature = await signWith(pgpId('ecc', 'primary'), {
      data: b64(data),
      format: 'openpgp',
    });
    const openpgp = await client.op(pgpId('ecc', 'primary'), 'verify', tokens.all, {
      data: b64(data),
      signature: b64(pgpSignature),
      format: 'openpgp',
    });
    expect(expectOk(openpgp)).toEqual({ valid: true });
  });
});

describe('decrypting through each provider, of ciphertexts made elsewhere', () => {
  const plaintext = Buffer.from(PLAINTEXT, 'utf8');

  it('pkcs11: RSA-OAEP with SHA-1 and SHA-256 (node:crypto encrypts), ECDH P-256 (node:crypto agrees)', async () => {
    const rsa = createPublicKey({ key: Buffer.from(hsmSpki('01')), format: 'der', type: 'spki' });
    for (const hash of ['sha1', 'sha256'] as const) {
      const ciphertext = publicEncrypt(
        { key: rsa, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        plaintext,
      );
      const decrypted = await decryptWith('hsm:01', {
        scheme: 'rsa-oaep',
        hash,
        ciphertext: b64(ciphertext),
      });
      expect(decrypted.toString('utf8'), hash).toBe(PLAINTEXT);
    }
    const ephemeral = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const shared = await decryptWith('hsm:02', {
      scheme: 'ecdh',
      publicKey: b64(ephemeral.publicKey.export({ type: 'spki', format: 'der' })),
    });
    const expected = diffieHellman({
      privateKey: ephemeral.privateKey,
      publicKey: createPublicKey({ key: Buffer.from(hsmSpki('02')), format: 'der', type: 'spki' }),
    });
    expect(shared.equals(expected)).toBe(true);
    // The gateway's own RSA-OAEP encryption round-trips through the token.
    const encrypted = expectOk<{ ciphertext: string }>(
      await client.op('hsm:04', 'encrypt', tokens.all, {
        scheme: 'rsa-oaep',
        hash: 'SHA-1',
        plaintext: b64(plaintext),
      }),
    );
    const back = await decryptWith('hsm:04', {
      scheme: 'rsa-oaep',
      hash: 'SHA-1',
      ciphertext: encrypted.ciphertext,
    });
    expect(back.toString('utf8')).toBe(PLAINTEXT);
  });

  it('gpg-agent: OpenPGP messages from gpg --encrypt (plain and protected keys), raw RSA-OAEP', async () => {
    for (const spec of ['ed25519', 'protected']) {
      const fingerprint = keys.get(gpgId(spec, 'primary'))?.aliases['openpgpFingerprint'] ?? '';
      const message = await checker.encrypt(fingerprint, plaintext);
      const decrypted = await decryptWith(gpgId(spec, 'subkey'), {
        format: 'openpgp',
        ciphertext: b64(message),
      });
      expect(decrypted.toString('utf8'), spec).toBe(PLAINTEXT);
    }
    const rsaId = gpgId('rsa2048', 'subkey');
    const ciphertext = publicEncrypt(
      {
        key: listedPublicKey(rsaId),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      plaintext,
    );
    const decrypted = await decryptWith(rsaId, { scheme: 'rsa-oaep', ciphertext: b64(ciphertext) });
    expect(decrypted.toString('utf8')).toBe(PLAINTEXT);
  });

  it('openpgp: OpenPGP messages from gpg --encrypt (plain, protected, RSA-3072), raw ECDH', async () => {
    for (const name of ['ecc', 'protected', 'rsa3072']) {
      const message = await checker.encrypt(pgpKey(name).fingerprint, plaintext);
      const decrypted = await decryptWith(pgpId(name, 'subkey'), {
        format: 'openpgp',
        ciphertext: b64(message),
      });
      expect(decrypted.toString('utf8'), name).toBe(PLAINTEXT);
    }
    const id = pgpId('ecc', 'subkey');
    const ephemeral = generateKeyPairSync('x25519');
    const shared = await decryptWith(id, {
      scheme: 'ecdh',
      publicKey: b64(ephemeral.publicKey.export({ type: 'spki', format: 'der' })),
    });
    const expected = diffieHellman({
      privateKey: ephemeral.privateKey,
      publicKey: listedPublicKey(id),
    });
    expect(shared.equals(expected)).toBe(true);
  });

  it('openpgp: what the gateway encrypts, gpg decrypts', async () => {
    const reply = await client.op(pgpId('ecc', 'primary'), 'encrypt', tokens.all, {
      format: 'openpgp',
      plaintext: b64(plaintext),
    });
    const { ciphertext } = expectOk<{ ciphertext: string }>(reply);
    const decrypted = await checker.decrypt(unb64(ciphertext));
    expect(Buffer.from(decrypted).toString('utf8')).toBe(PLAINTEXT);
  });
});

describe('the ACL matrix', () => {
  const data = b64('acl');

  it('lists to each app only the keys its rules name, and nothing to an app without rules', async () => {
    const pgpIds = [...keys.keys()].filter((id) => id.startsWith('pgp:')).sort();
    const hsmIds = [...keys.keys()].filter((id) => id.startsWith('hsm:')).sort();
    expect(keyIds(await client.get('/v1/keys', tokens.a)).sort()).toEqual(pgpIds);
    expect(keyIds(await client.get('/v1/keys', tokens.b)).sort()).toEqual(hsmIds);
    expect(keyIds(await client.get('/v1/keys', tokens.none))).toEqual([]);
    const certificates = expectOk<{ certificates: { provider: string }[] }>(
      await client.get('/v1/certificates', tokens.a),
    ).certificates;
    expect(new Set(certificates.map((c) => c.provider))).toEqual(new Set(['pgp']));
    expect(
      expectOk<{ certificates: unknown[] }>(await client.get('/v1/certificates', tokens.none))
        .certificates,
    ).toEqual([]);
  });

  it('hides the other apps’ keys (404 for every op, as if missing) and refuses ops a visible key is not allowed (403)', async () => {
    const hsm = keys.get('hsm:01');
    const gpgEd = gpgId('ed25519', 'primary');
    const pgpEcc = pgpId('ecc', 'primary');
    const matrix: [app: keyof typeof tokens, ref: string, op: string, status: number][] = [
      // a: pgp:* for list/sign/verify
      ['a', pgpEcc, 'get', 200],
      ['a', pgpEcc, 'sign', 200],
      ['a', pgpEcc, 'verify', 200],
      ['a', pgpEcc, 'decrypt', 403],
      ['a', pgpEcc, 'encrypt', 403],
      ['a', pgpKey('ecc').fingerprint, 'sign', 200],
      ['a', 'hsm:01', 'get', 404],
      ['a', hsm?.aliases['pkcs11Uri'] ?? '-', 'get', 404],
      ['a', 'hsm:01', 'sign', 404],
      ['a', hsm?.aliases['pkcs11Uri'] ?? '-', 'sign', 404],
      ['a', gpgEd, 'get', 404],
      ['a', gpgEd, 'sign', 404],
      // b: hsm:* for list/sign
      ['b', 'hsm:05', 'get', 200],
      ['b', 'hsm:05', 'sign', 200],
      ['b', 'hsm:05', 'verify', 403],
      ['b', pgpEcc, 'get', 404],
      ['b', pgpKey('ecc').fingerprint, 'get', 404],
      ['b', pgpEcc, 'sign', 404],
      ['b', gpgEd, 'sign', 404],
      // none: nothing at all
      ['none', 'hsm:05', 'get', 404],
      ['none', pgpEcc, 'get', 404],
      ['none', 'hsm:05', 'sign', 404],
      ['none', pgpEcc, 'verify', 404],
      ['none', 'hsm:01', 'decrypt', 404],
      ['none', pgpEcc, 'encrypt', 404],
    ];
    const bodies: Record<string, unknown> = {
      sign: { data },
      verify: { data, signature: b64(randomBytes(64)) },
      decrypt: { scheme: 'rsa-oaep', ciphertext: b64(randomBytes(256)) },
      encrypt: { format: 'openpgp', plaintext: data },
    };
    for (const [app, ref, op, status] of matrix) {
      const reply =
        op === 'get'
          ? await client.get(keyPath(ref), tokens[app])
          : await client.op(ref, op, tokens[app], bodies[op]);
      const what = `${app} ${op} ${ref}`;
      expect(reply.status, `${what}: ${reply.text}`).toBe(status);
      if (status === 404) expectProblem(reply, 404, 'KEY_NOT_FOUND');
      if (status === 403) {
        const problem = expectProblem(reply, 403, 'DENIED');
        // A key the app cannot list is not named to it.
        const visible = (app === 'a' && ref === pgpEcc) || (app === 'b' && ref === 'hsm:05');
        if (!visible) expect(problem.detail, what).not.toMatch(/hsm:|gpg:|pgp:/);
      }
    }
  });
  let existing: Reply | undefined;
  let missing: Reply | undefined;

  it('answers an op on a key the app cannot see like a missing key (404), without naming it', async () => {
    existing = await client.op('hsm:01', 'sign', tokens.a, { data });
    missing = await client.op('hsm:99', 'sign', tokens.a, { data });
    expect(expectProblem(existing, 404, 'KEY_NOT_FOUND').detail).not.toContain('hsm:01');
    expectProblem(missing, 404, 'KEY_NOT_FOUND');
  });

  it('an app cannot tell another app’s key from a key that does not exist', () => {
    expect(existing?.status).toBe(missing?.status);
    expect(existing?.text.replace(/"detail":"[^"]*"/, '')).toBe(
      missing?.text.replace(/"detail":"[^"]*"/, ''),
    );
  });
});

describe('error answers', () => {
  it('401 without a token, with a wrong one, or with another scheme', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${newToken()}` },
      { authorization: `Bearer ${tokens.all}x` },
      { authorization: `Basic ${b64(`all:${tokens.all}`)}` },
      { authorization: 'Bearer' },
    ];
    for (const headers of cases) {
      for (const path of ['/v1/keys', '/v1/providers', keyPath('hsm:01')]) {
        const reply = await client.call(path, { headers });
        expectProblem(reply, 401, 'UNAUTHENTICATED');
        expect(reply.headers['www-authenticate']).toBe('Bearer realm="keyroute"');
      }
      const sign = await client.call(keyPath('hsm:01', 'sign'), {
        headers,
        body: { data: 'AA==' },
      });
      expectProblem(sign, 401, 'UNAUTHENTICATED');
    }
  });

  it('404 for an unknown key or route, 405 for a wrong method', async () => {
    expectProblem(await client.get(keyPath('hsm:99'), tokens.all), 404, 'KEY_NOT_FOUND');
    expectProblem(
      await client.op('no-such-key', 'sign', tokens.all, { data: 'AA==' }),
      404,
      'KEY_NOT_FOUND',
    );
    expectProblem(await client.get('/v1/nothing', tokens.all), 404, 'NOT_FOUND');
    expectProblem(await client.get('/v1/keys/hsm:01/wrap', tokens.all), 404, 'NOT_FOUND');
    const get = await client.get(keyPath('hsm:01', 'sign'), tokens.all);
    expectProblem(get, 405, 'METHOD_NOT_ALLOWED');
    expect(get.headers['allow']).toBe('POST');
    const post = await client.call('/v1/keys', { method: 'POST', token: tokens.all, body: {} });
    expectProblem(post, 405, 'METHOD_NOT_ALLOWED');
  });

  it('413 for a body over limits.bodyBytes, declared or streamed', async () => {
    const big = { data: b64(randomBytes(BODY_LIMIT)) };
    expectProblem(await client.op('hsm:01', 'sign', tokens.all, big), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(
      await client.op('hsm:01', 'sign', tokens.all, big, { chunked: true }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    // Just under the limit is fine.
    const fits = JSON.stringify({ data: b64(randomBytes(3000)) });
    expect(fits.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect((await client.op('hsm:01', 'sign', tokens.all, fits)).status).toBe(200);
    // The limit does not come before authentication.
    expectProblem(await client.op('hsm:01', 'sign', 'kr_wrong', big), 401, 'UNAUTHENTICATED');
  });

  it('422 for what a key or provider cannot do', async () => {
    const data = b64('x');
    const cases: [string, Record<string, unknown>, string][] = [
      ['hsm:01', { data, scheme: 'eddsa' }, 'sign'],
      ['hsm:05', { data, scheme: 'pss' }, 'sign'],
      [pgpId('ecc', 'primary'), { data, format: 'cms' }, 'sign'],
      ['hsm:05', { scheme: 'rsa-oaep', ciphertext: b64(randomBytes(32)) }, 'decrypt'],
      [pgpId('ecc', 'primary'), { scheme: 'rsa-oaep', plaintext: data }, 'encrypt'],
    ];
    for (const [ref, body, op] of cases) {
      const reply = await client.op(ref, op, tokens.all, body);
      expectProblem(reply, 422, 'UNSUPPORTED');
    }
  });

  it('400 for malformed JSON, a body that is not an object, bad base64 or missing fields', async () => {
    const cases: unknown[] = [
      '{"data": ',
      '[1, 2]',
      '"text"',
      { data: '%%%not base64%%%' },
      { data: 'QUJD=' },
      { data: 42 },
      {},
      { data: 'QUJD', digest: 'QUJD' },
      { data: 'QUJD', hash: 'MD5' },
      { data: 'QUJD', scheme: 'rot13' },
    ];
    for (const body of cases) {
      const reply = await client.op('hsm:01', 'sign', tokens.all, body);
      expectProblem(reply, 400, 'INVALID_INPUT');
    }
    const decrypt = await client.op('hsm:01', 'decrypt', tokens.all, { ciphertext: 'AAAA' });
    expectProblem(decrypt, 400, 'INVALID_INPUT');
  });
});

describe('providers going down', () => {
  /** Read right after an operation failed because its backend was gone. */
  let statusAfterFailedOperation: string | undefined;
  let neverUp: Reply | undefined;

  it('a provider that went down answers 503 for its keys while the others keep working, then comes back', async () => {
    const edId = gpgId('ed25519', 'primary');
    // 32 bytes: gpg-agent 2.2 signs raw EdDSA messages of 32, 48 or 64 bytes only.
    const message = Buffer.from('while gpg-agent is down, 32 B...');
    const data = b64(message);
    await agentProxy.cut();
    const first = await client.op(edId, 'sign', tokens.all, { data });
    expectProblem(first, 503, 'UNAVAILABLE');
    statusAfterFailedOperation = expectOk<{ providers: { id: string; status: string }[] }>(
      await client.get('/v1/providers', tokens.all),
    ).providers.find((p) => p.id === 'gpg')?.status;
    // A listing finds the provider down: its keys leave the list, the others stay.
    const listed = keyIds(await client.get('/v1/keys', tokens.all));
    expect(listed.filter((id) => id.startsWith('gpg:'))).toEqual([]);
    expect(listed.filter((id) => id.startsWith('hsm:'))).toHaveLength(token.keys.length);
    expect(listed.filter((id) => id.startsWith('pgp:'))).toHaveLength(folder.keys.length * 2);
    const providers = expectOk<{ providers: { id: string; status: string; detail?: string }[] }>(
      await client.get('/v1/providers', tokens.all),
    ).providers;
    expect(providers.find((p) => p.id === 'gpg')).toMatchObject({
      status: 'unavailable',
      detail: expect.stringMatching(/gpg-agent/) as unknown,
    });
    // Its keys answer 503, by gateway id and by alias, for every operation.
    const fingerprint = keys.get(edId)?.aliases['openpgpFingerprint'] ?? '-';
    expectProblem(await client.get(keyPath(edId), tokens.all), 503, 'UNAVAILABLE');
    expectProblem(await client.get(keyPath(fingerprint), tokens.all), 503, 'UNAVAILABLE');
    for (const format of ['raw', 'openpgp']) {
      const reply = await client.op(edId, 'sign', tokens.all, { data, format });
      expectProblem(reply, 503, 'UNAVAILABLE');
    }
    const decrypt = await client.op(gpgId('ed25519', 'subkey'), 'decrypt', tokens.all, {
      format: 'openpgp',
      ciphertext: b64('x'),
    });
    expectProblem(decrypt, 503, 'UNAVAILABLE');
    // The others are fine.
    expect((await client.op('hsm:05', 'sign', tokens.all, { data })).status).toBe(200);
    expect((await client.op(pgpId('ecc', 'primary'), 'sign', tokens.all, { data })).status).toBe(
      200,
    );
    const metrics = await client.get('/metrics');
    expect(metrics.text).toContain('keyroute_provider_up{provider="gpg"} 0');
    expect(metrics.text).toContain('keyroute_provider_up{provider="hsm"} 1');

    // The agent comes back: the next listing sees it, and its keys work again.
    await agentProxy.open();
    expect(keyIds(await client.get('/v1/keys', tokens.all))).toContain(edId);
    const again = await client.op(edId, 'sign', tokens.all, { data, format: 'openpgp' });
    const signature = unb64(expectOk<{ signature: string }>(again).signature);
    expect(await checker.verifyDetached(signature, message)).toBe(fingerprint);
  });

  // Operations go through the router, so a failure on the request path marks the provider down.
  it('a failed operation marks its provider unavailable at once', () => {
    expect(statusAfterFailedOperation).toBe('unavailable');
  });

  it('a provider that never came up: its gateway ids answer 503 naming it, and the others keep working', async () => {
    neverUp = await client.op('down:01', 'sign', tokens.all, { data: b64('x') });
    expect(expectProblem(neverUp, 503, 'UNAVAILABLE').detail).toMatch(/"down" is unavailable/);
    expectProblem(await client.get(keyPath('down:01'), tokens.all), 503, 'UNAVAILABLE');
    expect((await client.op('hsm:02', 'sign', tokens.all, { data: b64('x') })).status).toBe(200);
  });

  it('a gateway id of a provider that never came up answers 503', () => {
    expect(neverUp?.status).toBe(503);
  });
});

describe('reload', () => {
  it('adds an app without dropping connections; a change of listen is refused', async () => {
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await tcp.get('/v1/keys', tokens.all, { agent: keepAlive });
      expect(before.status).toBe(200);
      expectProblem(await tcp.get('/v1/keys', tokens.late), 401, 'UNAUTHENTICATED');

      await gateway.reload(parse({ ...configJson, apps: appsJson(['all', 'a', 'none', 'late']) }));

      const after = await tcp.get('/v1/keys', tokens.all, { agent: keepAlive });
      expect(after.status).toBe(200);
      // The same connection served both.
      expect(after.localPort).toBe(before.localPort);
      expect(
        keyIds(await client.get('/v1/keys', tokens.late)).every((id) => id.startsWith('pgp:')),
      ).toBe(true);
      // `b` was removed.
      expectProblem(await client.get('/v1/keys', tokens.b), 401, 'UNAUTHENTICATED');
      // The providers were reopened: every one of the three still works.
      for (const ref of ['hsm:01', pgpId('ecc', 'primary'), gpgId('nistp256', 'primary')]) {
        expect(
          (await client.op(ref, 'sign', tokens.all, { data: b64('reloaded') })).status,
          ref,
        ).toBe(200);
      }

      const moved = parse({ ...configJson, listen: { socket: 'other.sock' } });
      await expect(gateway.reload(moved)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect((await tcp.get('/v1/keys', tokens.late, { agent: keepAlive })).status).toBe(200);
      expect((await client.get('/v1/keys', tokens.late)).status).toBe(200);
    } finally {
      keepAlive.destroy();
    }
  });
});

describe('after the run', () => {
  it('closes, and the audit chain verifies with one record per /v1 answer', async () => {
    await gateway.close();
    // Closed: nothing listens any more.
    await expect(call(client.target, '/healthz')).rejects.toThrow();

    const verification = await verifyAuditLog(auditPath);
    expect(verification).toMatchObject({ ok: true });
    // Every /v1 answer has a record, wrong routes and methods included (paths outside /v1,
    // such as /healthz, are not audited).
    const exchanges = [...client.exchanges, ...tcp.exchanges].filter((e) =>
      e.path.startsWith('/v1/'),
    );
    expect(verification.records).toBe(exchanges.length);
    const records = new Map((await readAuditRecords(auditPath)).map((r) => [r.requestId, r]));
    for (const exchange of exchanges) {
      const record = records.get(exchange.requestId);
      expect(record, `${exchange.method} ${exchange.path}`).toBeDefined();
      expect(record?.status, `${exchange.method} ${exchange.path}`).toBe(exchange.status);
    }
    const outcomes = [...records.values()];
    expect(outcomes.some((r) => r.outcome === 'denied' && r.app === 'a')).toBe(true);
    expect(outcomes.some((r) => r.outcome === 'denied' && r.app === null && r.status === 401)).toBe(
      true,
    );
    expect(
      outcomes.some((r) => r.op === 'decrypt' && r.outcome === 'ok' && r.provider === 'hsm'),
    ).toBe(true);
  });

  it('never wrote a PIN, a passphrase, a plaintext or a token to the audit log or the log', async () => {
    const canaries = [
      PIN,
      WRONG_PIN,
      GPG_PASSPHRASE,
      PGP_PASSPHRASE,
      PLAINTEXT,
      ...Object.values(tokens),
    ];
    const audit = await readFile(auditPath, 'utf8');
    const log = await readFile(logPath, 'utf8');
    expect(audit.length).toBeGreaterThan(0);
    expect(log).toContain('"msg":"request"');
    expectNoCanary('the audit log', audit, canaries);
    expectNoCanary('the log', log, canaries);
  });
});
