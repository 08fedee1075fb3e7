/**
 * `npm run bench -w @keyroute/gateway`: signatures per second, p50/p99 latency and errors of
 * `POST /v1/keys/{ref}/sign` through a gateway started in this process (`startGateway`), over
 * its Unix socket and over loopback TCP, side by side in the same run with the same providers
 * called in-process and — for the SoftHSM keys — with raw pkcs11js through `p11-kit-client.so`
 * talking to `p11-kit server` (the existing PKCS#11 proxy: what an application gets without
 * keyroute), at the same concurrency:
 *
 * - RSA-2048 and P-256 on a throw-away SoftHSM token (PIN from a `{ env }` secret; SHA-256
 *   digest; RSA PKCS#1 v1.5, ECDSA r‖s);
 * - Ed25519 on gpg-agent (32 bytes of `data`: gpg-agent 2.2 signs hash-sized messages);
 * - Ed25519 on an OpenPGP key folder (unprotected key, `data`).
 *
 * 16 and 4 concurrent callers in closed loops; for HTTP, node:http with one keep-alive agent
 * per target (as many sockets as callers), in a worker thread so that the callers never run
 * on the gateway's event loop. Paths alternate round by round; req/s is the median of the
 * rounds, p50/p99 pool every measured request. The gateway does all its work per request:
 * token check, ACL, the audit record fsync'd before the answer (group commit), metrics, and
 * the request log at info level (written to /dev/null). Rate limiting is off.
 *
 * Targets (reported, not enforced): RSA-2048 through the gateway ≥ 80% of in-process; P-256
 * through the gateway ≥ p11-kit remoting; zero errors; sampled signatures verified (the last
 * of every round of every path, with node:crypto against public keys read independently of
 * the providers). Exit code 1 only on errors or a bad signature.
 *
 *   BENCH_SECONDS  time per measurement round (default 1)
 *   BENCH_ROUNDS   rounds per measurement, paths alternating (default 3; median)
 */
import { createHash } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { staticSecret, type SignRequest } from '@keyroute/core';
import { createGpgAgentProvider } from '@keyroute/gpg-agent';
import { createOpenPgpProvider } from '@keyroute/openpgp';
import { acquireModule, createPkcs11Provider } from '@keyroute/pkcs11';
import {
  createGpgHome,
  createOpenPgpKeyFolder,
  createSoftHsmToken,
  startP11KitServer,
} from '@keyroute/testbed';
import { destination, pino } from 'pino';
import { OPS } from '../src/auth/acl.js';
import { hashToken, newToken } from '../src/auth/tokens.js';
import { parseGatewayConfig } from '../src/config/parse-config.js';
import { startGateway } from '../src/server/gateway-server.js';
import { HttpLoad, type HttpTarget } from './http-load.js';
import { closedLoop } from './loop.js';
import { measureInterleaved, type Contender, type MeasureOptions } from './measure.js';
import { openRawSigner, type RawSigner, type RawSignerOptions } from './p11-kit-signer.js';
import { printGroup, printHeader, verdicts, type Group } from './report.js';
import { dearmor, ed25519SpkiOfCertificate, verifySample } from './verify-sample.js';

/** A positive number from the environment, or `fallback` when unset. */
function positiveFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be > 0; got ${text}`);
  return value;
}

const seconds = positiveFromEnv('BENCH_SECONDS', 1);
const rounds = Math.ceil(positiveFromEnv('BENCH_ROUNDS', 3));
const warmupSeconds = Math.min(1, Math.max(0.5, seconds / 2));
const CONCURRENCIES = [16, 4] as const;
const MAX_CONCURRENCY = Math.max(...CONCURRENCIES);
/** The environment variable the gateway's pkcs11 provider reads its PIN from. */
const PIN_ENV = 'KEYROUTE_BENCH_PIN';

const message = new TextEncoder().encode('keyroute gateway benchmark message');
const digest = new Uint8Array(createHash('sha256').update(message).digest());
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** One key measured on every path that reaches it. */
interface KeyBench {
  /** Shown in the table: algorithm and backend. */
  readonly name: string;
  /** Public key (SPKI DER) read independently of the providers, to check samples. */
  readonly spki: Uint8Array;
  /** What a valid signature signs (hashed with SHA-256 for RSA/ECDSA, as is for Ed25519). */
  readonly signed: Uint8Array;
  /** The gateway's key id, `<provider id>:<key id>`. */
  readonly gatewayRef: string;
  /** The JSON body of the sign request. */
  readonly body: Record<string, string>;
  /** The same request to the provider, in-process. */
  readonly inProcess: () => Promise<Uint8Array>;
  /** A raw signer through p11-kit remoting with as many sessions as callers (SoftHSM only). */
  readonly remoting?: (sessions: number) => RawSigner;
}

// Fixtures: disposed in reverse order at the end (the gateway and providers before backends).
await using scratch = await (async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kr-gw-bench-'));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
})();
await using token = await createSoftHsmToken({
  keys: [
    { id: '01', label: 'rsa2048', type: 'rsa:2048' },
    { id: '02', label: 'p256', type: 'EC:prime256v1' },
  ],
});
// Before the module is loaded: SoftHSM reads its configuration in C_Initialize.
process.env['SOFTHSM2_CONF'] = token.conf;
await using home = await createGpgHome({ keys: [{ name: 'ed25519', primary: 'ed25519' }] });
await using folder = await createOpenPgpKeyFolder({ keys: [{ name: 'ed25519', type: 'ecc' }] });
await using p11kit = await startP11KitServer({ token });
// Before p11-kit-client.so is loaded: it reads the address in C_GetFunctionList.
process.env['P11_KIT_SERVER_ADDRESS'] = p11kit.address;
const remoteModule = acquireModule(p11kit.clientModule);
using _remoteModule = {
  [Symbol.dispose]: () => {
    remoteModule.release();
  },
};

const appToken = newToken();
const config = parseGatewayConfig(
  {
    dataDir: scratch.dir,
    listen: { socket: 'keyroute.sock', http: '127.0.0.1:0' },
    providers: [
      {
        id: 'softhsm',
        type: 'pkcs11',
        module: token.module,
        token: `pkcs11:token=${token.label}`,
        pin: { env: PIN_ENV },
        poolSize: MAX_CONCURRENCY,
      },
      { id: 'gpg', type: 'gpg-agent', homedir: home.homedir },
      { id: 'pgp', type: 'openpgp', dir: folder.dir },
    ],
    apps: [
      { name: 'bench', token: { sha256: hashToken(appToken) }, allow: [{ keys: ['*'], ops: OPS }] },
    ],
    limits: { ratePerMinute: 0 },
  },
  { baseDir: scratch.dir },
);
const logger = pino({ level: 'info' }, destination({ dest: '/dev/null', sync: false }));
const gateway = await startGateway(config, logger, { ...process.env, [PIN_ENV]: token.pin });
await using _gateway = { [Symbol.asyncDispose]: () => gateway.close() };
const listening = (() => {
  const { socket, http } = gateway.addresses;
  if (socket === undefined || http === undefined) throw new Error('the gateway listens on both');
  return { socketPath: socket, tcp: http };
})();
const { socketPath, tcp } = listening;

// The same providers, in-process, with the same options.
await using pkcs11 = await createPkcs11Provider({
  id: 'softhsm',
  module: token.module,
  token: `pkcs11:token=${token.label}`,
  secrets: staticSecret(token.pin),
  poolSize: MAX_CONCURRENCY,
});
await using gpgAgent = createGpgAgentProvider({ id: 'gpg', homedir: home.homedir });
await using openpgp = await createOpenPgpProvider({ id: 'pgp', dir: folder.dir });
await using load = new HttpLoad();

const sign = async (
  provider: { sign: (request: SignRequest) => Promise<{ signature: Uint8Array }> },
  request: SignRequest,
): Promise<Uint8Array> => (await provider.sign(request)).signature;

/** The SoftHSM key with CKA_ID `id`, on every path including p11-kit remoting. */
function softHsmBench(
  name: string,
  id: string,
  raw: Pick<RawSignerOptions, 'mechanism' | 'input' | 'signatureLength'>,
): KeyBench {
  const spki = token.keys.find((key) => key.id === id)?.publicKeySpki;
  if (spki === undefined) throw new Error(`no key ${id} on the token`);
  return {
    name,
    spki,
    signed: message,
    gatewayRef: `softhsm:${id}`,
    body: { digest: b64(digest), hash: 'SHA-256' },
    inProcess: () => sign(pkcs11, { key: id, digest, hash: 'sha256' }),
    remoting: (sessions) =>
      openRawSigner({
        pkcs11: remoteModule.pkcs11,
        serial: token.serial,
        pin: token.pin,
        sessions,
        keyId: id,
        ...raw,
      }),
  };
}

const gpgKey = home.keys.find((key) => key.spec === 'ed25519' && key.role === 'primary');
const pgpKey = folder.keys[0];
if (gpgKey === undefined || pgpKey === undefined) throw new Error('testbed keys missing');

const KEYS: readonly KeyBench[] = [
  softHsmBench('RSA-2048 softhsm', '01', {
    mechanism: 'rsa-pkcs',
    input: Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]),
    signatureLength: 256,
  }),
  softHsmBench('P-256 softhsm', '02', {
    mechanism: 'ecdsa',
    input: Buffer.from(digest),
    signatureLength: 64,
  }),
  {
    name: 'Ed25519 gpg-agent',
    spki: ed25519SpkiOfCertificate(await home.exportPublicKey('ed25519')),
    // gpg-agent 2.2 signs a hash-sized message with EdDSA: 32 bytes of data, pure Ed25519.
    signed: digest,
    gatewayRef: `gpg:${gpgKey.keygrip}`,
    body: { data: b64(digest) },
    inProcess: () => sign(gpgAgent, { key: gpgKey.keygrip, data: digest }),
  },
  {
    name: 'Ed25519 openpgp',
    spki: ed25519SpkiOfCertificate(dearmor(pgpKey.armoredPublicKey)),
    signed: message,
    gatewayRef: `pgp:${pgpKey.fingerprint}`,
    body: { data: b64(message) },
    inProcess: () => sign(openpgp, { key: pgpKey.fingerprint, data: message }),
  },
];

/** What went wrong, for the exit code. */
const failures: string[] = [];
let verifiedSamples = 0;

/** The sign route of a key. */
function signPath(key: KeyBench): string {
  return `/v1/keys/${encodeURIComponent(key.gatewayRef)}/sign`;
}

/** Measures one key at one concurrency on every path; checks every sample signature. */
async function benchGroup(key: KeyBench, concurrency: number): Promise<Group> {
  using remote = key.remoting?.(concurrency);
  const overHttp = (target: HttpTarget): Contender['run'] => {
    const request = {
      target,
      path: signPath(key),
      body: JSON.stringify(key.body),
      token: appToken,
    };
    return (callers, time) => load.run({ ...request, concurrency: callers, seconds: time });
  };
  const contenders: Contender[] = [
    { path: 'in-process', run: (callers, time) => closedLoop(key.inProcess, callers, time) },
    { path: 'gateway unix', run: overHttp({ socketPath }) },
    { path: 'gateway tcp', run: overHttp(tcp) },
    ...(remote === undefined
      ? []
      : [
          {
            path: 'p11-kit remoting',
            run: (callers: number, time: number) =>
              closedLoop((worker) => remote.sign(worker), callers, time),
          },
        ]),
  ];
  const options: MeasureOptions = { concurrency, seconds, warmupSeconds, rounds };
  const results = await measureInterleaved(contenders, options);
  for (const result of results) {
    const what = `${key.name} ${result.path} (${concurrency} callers)`;
    if (result.errors > 0) {
      failures.push(`${what}: ${result.errors} errors, e.g. ${result.errorSamples.join('; ')}`);
    }
    if (result.samples.length === 0) failures.push(`${what}: no signature made`);
    for (const sample of result.samples) {
      try {
        verifySample(what, key.spki, key.signed, sample);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    verifiedSamples += result.samples.length;
  }
  return { key: key.name, concurrency, results };
}

console.log(
  `Node ${process.version}, ${cpus().length} CPUs, libuv thread pool ` +
    `${process.env['UV_THREADPOOL_SIZE'] ?? '4'}; ${remoteModule.info.description} ` +
    `${remoteModule.info.version.major}.${remoteModule.info.version.minor} → ` +
    `${pkcs11.module.description} ${pkcs11.module.version.major}.${pkcs11.module.version.minor}; ` +
    `${seconds} s × ${rounds} rounds per measurement (median), paths alternating, ` +
    `${warmupSeconds} s warm-up each (and ${warmupSeconds} s per key and transport through ` +
    `the gateway before the table)\n` +
    `gateway: socket ${socketPath}, tcp ${tcp.host}:${tcp.port}; audit log fsync'd per request ` +
    `(group commit), request log at info to /dev/null, rate limit off; HTTP load from a ` +
    `worker thread, node:http keep-alive, one socket per caller. "main loop": how busy this ` +
    `process's event loop was (the gateway's, for gateway paths)\n`,
);
// JIT warm-up of the gateway's request path on every key, before anything is measured.
for (const key of KEYS) {
  for (const target of [{ socketPath }, tcp]) {
    const loop = await load.run({
      target,
      path: signPath(key),
      body: JSON.stringify(key.body),
      token: appToken,
      concurrency: MAX_CONCURRENCY,
      seconds: warmupSeconds,
    });
    if (loop.errors > 0) {
      failures.push(
        `${key.name} warm-up: ${loop.errors} errors, e.g. ${loop.errorSamples.join('; ')}`,
      );
    }
  }
}

printHeader();
const groups: Group[] = [];
for (const key of KEYS) {
  for (const concurrency of CONCURRENCIES) {
    const group = await benchGroup(key, concurrency);
    groups.push(group);
    printGroup(group);
  }
}

console.log('\ntargets:');
for (const verdict of verdicts(groups)) {
  console.log(`  ${verdict.met ? 'ok   ' : 'below'}  ${verdict.text}`);
}
const errors = groups.flatMap((group) => group.results).reduce((sum, r) => sum + r.errors, 0);
console.log(`  ${errors === 0 ? 'ok   ' : 'MISSED'}  errors: ${errors} (target 0)`);
const badSamples = failures.filter((failure) => failure.includes('does not verify')).length;
console.log(
  `  ${badSamples === 0 ? 'ok   ' : 'MISSED'}  sampled signatures verified with node:crypto: ` +
    `${verifiedSamples - badSamples} of ${verifiedSamples} (last of each round and warm-up, every path)`,
);
if (failures.length > 0) {
  console.log('\nfailures:');
  for (const failure of failures) console.log(`  ${failure}`);
  process.exitCode = 1;
}
