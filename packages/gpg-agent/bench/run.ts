/**
 * `npm run bench -w @keyroute/gpg-agent`: signatures per second through the provider, next to
 * (a) spawning `gpg --detach-sign` per signature and (b) a raw Assuan SETHASH+PKSIGN loop on one
 * connection, against the same real gpg-agent in the same run.
 *
 *   --seconds N   time per measurement (default 4), after a one-second warm-up of each
 *                 contender (the provider's code path is longer, so it needs the JIT warm)
 */
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { connectUnixSocket } from '@keyroute/assuan';
import { createGpgHome } from '@keyroute/testbed';
import { createGpgAgentProvider } from '../src/index.js';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg === -1 ? 4 : Number(process.argv[secondsArg + 1]);
const WARM_UP_MS = 1_000;

interface Rate {
  readonly name: string;
  readonly perSecond: number;
}

/**
 * Measures several contenders in interleaved rounds (A, B, C, A, B, C, …) so that drift in the
 * agent's speed during the run affects all of them alike; returns each one's overall rate.
 */
async function measureInterleaved(
  contenders: readonly { name: string; operation: () => Promise<unknown> }[],
  rounds = 8,
): Promise<Rate[]> {
  const totals = contenders.map(() => ({ operations: 0, milliseconds: 0 }));
  for (const contender of contenders) {
    const start = performance.now();
    while (performance.now() - start < WARM_UP_MS) await contender.operation();
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, contender] of contenders.entries()) {
      const total = totals[index];
      if (!total) continue;
      const start = performance.now();
      while (performance.now() - start < (seconds * 1000) / rounds) {
        await contender.operation();
        total.operations += 1;
      }
      total.milliseconds += performance.now() - start;
    }
  }
  return contenders.map((contender, index) => ({
    name: contender.name,
    perSecond: (totals[index]?.operations ?? 0) / ((totals[index]?.milliseconds ?? 1) / 1000),
  }));
}

function print(title: string, rates: readonly Rate[]): void {
  const [provider, spawned, raw] = rates;
  if (!provider || !spawned || !raw) throw new Error('three rates expected');
  console.log(`\n${title}`);
  for (const rate of rates) {
    console.log(`  ${rate.name.padEnd(40)} ${rate.perSecond.toFixed(0).padStart(7)} /s`);
  }
  console.log(
    `  provider = ${(provider.perSecond / spawned.perSecond).toFixed(1)}× spawning gpg, ` +
      `${((provider.perSecond / raw.perSecond) * 100).toFixed(0)}% of the raw Assuan loop`,
  );
}

await using home = await createGpgHome({
  keys: [
    { name: 'ed', primary: 'ed25519' },
    { name: 'rsa', primary: 'rsa3072' },
  ],
});
await using provider = createGpgAgentProvider({ homedir: home.homedir });
const raw = await connectUnixSocket(home.agentSocket);
const data = new TextEncoder().encode('keyroute benchmark message');
const digest = new Uint8Array(createHash('sha256').update(data).digest());
const digestHex = Buffer.from(digest).toString('hex').toUpperCase();
console.log(`gpg-agent at ${home.agentSocket}; ${seconds} s per measurement`);

for (const spec of ['ed', 'rsa'] as const) {
  const key = home.keys.find((k) => k.spec === spec && k.role === 'primary');
  if (!key) throw new Error(`no ${spec} key in the testbed`);
  const request =
    spec === 'ed'
      ? { key: key.keygrip, data: digest } // gpg-agent 2.2 signs a hash-sized message with EdDSA
      : { key: key.keygrip, digest, hash: 'sha256' as const };
  await raw.transact('SIGKEY', key.keygrip);
  const rates = await measureInterleaved([
    { name: 'provider.sign', operation: () => provider.sign(request) },
    {
      name: 'spawn gpg --detach-sign per signature',
      operation: () =>
        execa(
          'gpg',
          ['--batch', '--homedir', home.homedir, '-u', `${key.fingerprint}!`, '--detach-sign'],
          { input: data, encoding: 'buffer' },
        ),
    },
    {
      name: 'raw Assuan SETHASH+PKSIGN loop',
      operation: async () => {
        await raw.transact('SETHASH', ['--hash=sha256', digestHex]);
        await raw.transact('PKSIGN');
      },
    },
  ]);
  print(spec === 'ed' ? 'Ed25519' : 'RSA-3072', rates);
}
await raw.close();
