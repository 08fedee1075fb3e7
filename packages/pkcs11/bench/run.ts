/**
 * `npm run bench -w @keyroute/pkcs11`: signatures per second through `provider.sign` next to a
 * raw pkcs11js loop (`C_SignInit` + `C_SignAsync`, sessions of its own, no provider logic) on a
 * throw-away SoftHSM token, for RSA-2048 (CKM_RSA_PKCS over a SHA-256 DigestInfo) and P-256
 * (CKM_ECDSA over a SHA-256 digest) with 1, 4 and 16 concurrent callers (as many sessions as
 * callers, for both), and the event-loop delay p99 of each phase. Targets are reported, not
 * enforced: the exit code is 1 only when something fails.
 *
 *   BENCH_SECONDS  time per measurement round (default 1.5)
 *   BENCH_ROUNDS   rounds per measurement, raw and provider alternating (default 5; median)
 *
 * Raw loop and provider share one pkcs11js instance: the raw loop takes the module from the
 * provider's process-wide registry (`acquireModule`) and opens sessions of its own. A second
 * PKCS11 instance of the same .so would see CKR_CRYPTOKI_ALREADY_INITIALIZED, and finalising
 * between phases would force one phase after the other; sharing the module lets the two phases
 * alternate round by round under the same module state (C_Initialize with CKF_OS_LOCKING_OK).
 */
import { createHash } from 'node:crypto';
import { staticSecret } from '@keyroute/core';
import { createSoftHsmToken, type SoftHsmToken } from '@keyroute/testbed';
import { acquireModule, createPkcs11Provider, type LoadedModule } from '../src/index.js';
import { measureInterleaved, type MeasureOptions } from './measure.js';
import { openRawSigner, type RawSignerOptions } from './raw-signer.js';
import { printHeader, printRow, type Row } from './report.js';
import { verifySample } from './verify-sample.js';

/** A positive number from the environment, or `fallback` when unset. */
function positiveFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be > 0; got ${text}`);
  return value;
}

const seconds = positiveFromEnv('BENCH_SECONDS', 1.5);
const rounds = Math.ceil(positiveFromEnv('BENCH_ROUNDS', 5));
const message = new TextEncoder().encode('keyroute pkcs11 benchmark message');
const digest = createHash('sha256').update(message).digest();
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

const ALGORITHMS = [
  {
    name: 'RSA-2048',
    keyId: '01',
    mechanism: 'rsa-pkcs',
    input: Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]),
    signatureLength: 256,
  },
  { name: 'P-256', keyId: '02', mechanism: 'ecdsa', input: digest, signatureLength: 64 },
] as const;
const CONCURRENCIES = [1, 4, 16] as const;

/**
 * Measures one algorithm at one concurrency: a raw signer and a provider with `concurrency`
 * sessions each, alternating rounds; checks a sample signature of each against the public key.
 */
async function measureRow(
  module: LoadedModule,
  token: SoftHsmToken,
  algorithm: (typeof ALGORITHMS)[number],
  concurrency: number,
): Promise<Row> {
  const spki = token.keys.find((key) => key.id === algorithm.keyId)?.publicKeySpki;
  if (spki === undefined) throw new Error(`no key ${algorithm.keyId} on the token`);
  const rawOptions: RawSignerOptions = {
    pkcs11: module.pkcs11,
    serial: token.serial,
    pin: token.pin,
    sessions: concurrency,
    ...algorithm,
  };
  using raw = openRawSigner(rawOptions);
  await using provider = await createPkcs11Provider({
    module: token.module,
    token: `pkcs11:token=${token.label}`,
    secrets: staticSecret(token.pin),
    poolSize: concurrency,
  });
  const request = { key: algorithm.keyId, digest, hash: 'sha256' } as const;
  const options: MeasureOptions = {
    concurrency,
    seconds,
    warmupSeconds: Math.max(1, seconds / 2),
    rounds,
  };
  const [rawResult, providerResult] = await measureInterleaved(
    [
      { name: 'raw', operation: (worker) => raw.sign(worker) },
      { name: 'provider', operation: async () => (await provider.sign(request)).signature },
    ],
    options,
  );
  if (rawResult === undefined || providerResult === undefined) throw new Error('two results');
  for (const result of [rawResult, providerResult]) {
    verifySample(`${algorithm.name} ${result.name}`, spki, message, result.sample);
  }
  return { algorithm: algorithm.name, concurrency, raw: rawResult, provider: providerResult };
}

await using token = await createSoftHsmToken({
  keys: [
    { id: '01', label: 'rsa2048', type: 'rsa:2048' },
    { id: '02', label: 'p256', type: 'EC:prime256v1' },
  ],
});
// Before the module is loaded: SoftHSM reads its configuration in C_Initialize.
process.env['SOFTHSM2_CONF'] = token.conf;
const module = acquireModule(token.module);
try {
  const { manufacturer, description, version } = module.info;
  console.log(
    `${manufacturer} ${description} ${version.major}.${version.minor}, token "${token.label}"; ` +
      `${seconds} s × ${rounds} rounds per measurement (median), raw and provider alternating; ` +
      `libuv thread pool ${process.env['UV_THREADPOOL_SIZE'] ?? '4'}`,
  );
  printHeader();
  for (const algorithm of ALGORITHMS) {
    for (const concurrency of CONCURRENCIES) {
      printRow(await measureRow(module, token, algorithm, concurrency));
    }
  }
  console.log('\nsample signatures of every row verified with node:crypto');
} finally {
  module.release();
}
