/**
 * `npm run bench -w @keyroute/openpgp`: detached OpenPGP signatures made and checked per second
 * through the provider (`sign` format `openpgp`, mode `detached`, binary; `verify` format
 * `openpgp`) next to raw openpgp.js (`sign({ detached: true, format: 'binary' })`,
 * `verify({ expectSigned: true })`), for Ed25519 and RSA-3072 keys of a throw-away keystore
 * folder (unprotected). Raw and provider alternate round by round; the table shows the median
 * of the rounds. The target (provider ≥ 90% of raw) is reported, not enforced: the exit code is
 * 1 only when something fails, e.g. a sample signature of the provider that raw openpgp.js
 * does not accept.
 *
 *   BENCH_SECONDS  time per measurement round (default 1.5)
 *   BENCH_ROUNDS   rounds per measurement, raw and provider alternating (default 5; median)
 */
import { createOpenPgpKeyFolder, type OpenPgpFolderKey } from '@keyroute/testbed';
import {
  config,
  createMessage,
  readKey,
  readPrivateKey,
  readSignature,
  sign,
  verify,
} from 'openpgp';
import { createOpenPgpProvider, type OpenPgpProvider } from '../src/index.js';
import { measureInterleaved, type Contender, type MeasureOptions } from './measure.js';
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
const options: MeasureOptions = { seconds, rounds, warmupSeconds: Math.max(1, seconds / 2) };
const data = new TextEncoder().encode('keyroute openpgp benchmark message');

/** Measures one pair of contenders and returns the row. */
async function measurePair(
  algorithm: string,
  operation: Row['operation'],
  raw: Contender['operation'],
  provider: Contender['operation'],
): Promise<Row> {
  const [rawResult, providerResult] = await measureInterleaved(
    [
      { name: 'raw', operation: raw },
      { name: 'provider', operation: provider },
    ],
    options,
  );
  if (rawResult === undefined || providerResult === undefined) throw new Error('two results');
  return { algorithm, operation, raw: rawResult, provider: providerResult };
}

/** Signs and verifies with one key, raw and through the provider; prints two rows. */
async function benchKey(provider: OpenPgpProvider, key: OpenPgpFolderKey): Promise<void> {
  const signingKeys = await readPrivateKey({ armoredKey: key.armoredPrivateKey });
  const verificationKeys = (await readKey({ armoredKey: key.armoredPublicKey })).toPublic();
  const algorithm = key.name === 'ed25519' ? 'Ed25519' : 'RSA-3072';
  const signRequest = {
    key: key.fingerprint,
    data,
    format: 'openpgp',
    openpgp: { mode: 'detached', armor: false },
  } as const;

  const signs = await measurePair(
    algorithm,
    'sign',
    // openpgp.js's stream types need the optional @openpgp/web-stream-tools: name the result.
    async () =>
      (await sign({
        message: await createMessage({ binary: data }),
        signingKeys,
        detached: true,
        format: 'binary',
      })) as Uint8Array,
    async () => (await provider.sign(signRequest)).signature,
  );
  for (const result of [signs.raw, signs.provider]) {
    if (result.sample === undefined) throw new Error(`${algorithm} ${result.name}: no signature`);
    await verifySample(`${algorithm} ${result.name}`, verificationKeys, data, result.sample);
  }
  printRow(signs);

  const signature = (await provider.sign(signRequest)).signature;
  const verifyRequest = { key: key.fingerprint, data, signature, format: 'openpgp' } as const;
  printRow(
    await measurePair(
      algorithm,
      'verify',
      async () => {
        await verify({
          message: await createMessage({ binary: data }),
          signature: await readSignature({ binarySignature: signature }),
          verificationKeys,
          expectSigned: true,
          format: 'binary',
        });
        return undefined;
      },
      async () => {
        const result = await provider.verify(verifyRequest);
        if (!result.valid)
          throw new Error(`${algorithm}: provider verify failed: ${result.reason}`);
        return undefined;
      },
    ),
  );
}

await using folder = await createOpenPgpKeyFolder({
  keys: [
    { name: 'ed25519', type: 'ecc' },
    { name: 'rsa3072', type: 'rsa3072' },
  ],
});
await using provider = await createOpenPgpProvider({ dir: folder.dir });
console.log(
  `${config.versionString}, Node ${process.version}; detached binary signatures over ` +
    `${data.length} bytes; ${seconds} s × ${rounds} rounds per measurement (median), ` +
    `raw and provider alternating, ${options.warmupSeconds} s warm-up each`,
);
printHeader();
for (const key of folder.keys) await benchKey(provider, key);
console.log(
  '\nsample signatures of every sign row (raw and provider) verified with raw openpgp.js',
);
