/**
 * `npm run bench -w @keyroute/assuan`: Assuan round trips against a real gpg-agent, keyroute's
 * client side by side with a minimal hand-written socket client and with gpg-connect-agent,
 * measured in the same run; and the parser's throughput on large D streams.
 *
 *   --seconds N   time per measurement (default 2)
 */
import { execa } from 'execa';
import { createGpgHome } from '@keyroute/testbed';
import { connectUnixSocket, encodeData, ServerMessageParser } from '../src/index.js';
import { measure, printRates, type Rate } from './measure.js';
import { RawAssuanClient } from './raw-client.js';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg === -1 ? 2 : Number(process.argv[secondsArg + 1]);
const BATCH = 200;

await using home = await createGpgHome({ keys: [{ name: 'ed', primary: 'ed25519' }] });
const grip = home.keys[0]?.keygrip;
if (grip === undefined) throw new Error('the testbed made no key');
const digest = 'ab'.repeat(32);
const gpgConnectAgent = ['--no-autostart', '-S', home.agentSocket];

console.log(`gpg-agent at ${home.agentSocket}; ${seconds} s per measurement`);

// --- GETINFO version ---------------------------------------------------------------------
const raw = await RawAssuanClient.connect(home.agentSocket);
const rawRate = await measure(
  'minimal socket client',
  () => raw.command('GETINFO version'),
  seconds,
);
const ours = await connectUnixSocket(home.agentSocket);
const oursRate = await measure(
  '@keyroute/assuan AssuanConnection',
  () => ours.transact('GETINFO', 'version'),
  seconds,
);
const spawnedRate = await measureSpawned('gpg-connect-agent (one spawn per batch)', [
  ...Array.from({ length: BATCH }, () => 'GETINFO version'),
]);
printRates('GETINFO version round trips', [rawRate, oursRate, spawnedRate], rawRate);

// --- PKSIGN (Ed25519): SETHASH + PKSIGN per signature, SIGKEY once --------------------------
await raw.command(`SIGKEY ${grip}`);
await ours.transact('SIGKEY', grip);
const rawSign = await measure(
  'minimal socket client',
  async () => {
    await raw.command(`SETHASH --hash=sha256 ${digest}`);
    await raw.command('PKSIGN');
  },
  seconds,
);
const oursSign = await measure(
  '@keyroute/assuan AssuanConnection',
  async () => {
    await ours.transact('SETHASH', ['--hash=sha256', digest]);
    await ours.transact('PKSIGN');
  },
  seconds,
);
const spawnedSign = await measureSpawned('gpg-connect-agent (one spawn per batch)', [
  `SIGKEY ${grip}`,
  ...Array.from({ length: BATCH }, () => [`SETHASH --hash=sha256 ${digest}`, 'PKSIGN']).flat(),
]);
printRates('PKSIGN Ed25519 (SETHASH + PKSIGN)', [rawSign, oursSign, spawnedSign], rawSign);
raw.close();
await ours.close();

// --- parser throughput ----------------------------------------------------------------------
const payload = new Uint8Array(8 * 1024 * 1024).map((_, index) => (index * 131 + 7) & 0xff);
const stream = encodeData(payload);
const megabytes = stream.length / (1024 * 1024);
const chunk = 64 * 1024;
const parse = (): void => {
  const parser = new ServerMessageParser();
  for (let offset = 0; offset < stream.length; offset += chunk) {
    parser.push(stream.subarray(offset, offset + chunk));
  }
};
const splitOnly = (): void => {
  // Baseline: find the line ends and nothing else (no escapes decoded, no messages built).
  let lines = 0;
  for (let at = stream.indexOf(10); at !== -1; at = stream.indexOf(10, at + 1)) lines += 1;
  if (lines === 0) throw new Error('no lines');
};
const parserRate = await measure(
  'ServerMessageParser (64 KiB chunks)',
  () => {
    parse();
    return Promise.resolve();
  },
  seconds,
);
const splitRate = await measure(
  'newline scan only',
  () => {
    splitOnly();
    return Promise.resolve();
  },
  seconds,
);
console.log(`\nParser throughput on a ${megabytes.toFixed(1)} MB D stream`);
for (const rate of [splitRate, parserRate]) {
  console.log(
    `  ${rate.name.padEnd(44)} ${(rate.perSecond * megabytes).toFixed(0).padStart(9)} MB/s   ${((rate.perSecond / splitRate.perSecond) * 100).toFixed(0).padStart(4)}% of newline scan only`,
  );
}

const ratio = oursRate.perSecond / rawRate.perSecond;
console.log(
  `\n@keyroute/assuan reaches ${(ratio * 100).toFixed(0)}% of the minimal client's GETINFO rate (target ≥ 90%)` +
    ` and ${((oursSign.perSecond / rawSign.perSecond) * 100).toFixed(0)}% of its PKSIGN rate.`,
);

async function measureSpawned(name: string, commands: readonly string[]): Promise<Rate> {
  const operations = commands.filter(
    (line) => line === 'GETINFO version' || line === 'PKSIGN',
  ).length;
  let batches = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await execa('gpg-connect-agent', [...gpgConnectAgent, ...commands, '/bye'], { env: home.env });
    batches += 1;
  }
  const elapsed = (performance.now() - start) / 1000;
  return {
    name,
    operations: batches * operations,
    seconds: elapsed,
    perSecond: (batches * operations) / elapsed,
  };
}
