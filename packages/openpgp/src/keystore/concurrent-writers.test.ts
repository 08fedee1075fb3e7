import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKey, readKey, readPrivateKey, reformatKey } from 'openpgp';
import type { PrivateKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keystore } from './keystore.js';

const KEYS = 24;
const MERGES_PER_WRITER = 8;
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One writer process: writes every key of the job (secret and public file) in the given order,
 * merges its own user IDs into one shared certificate (a read-modify-write: without the lock,
 * the other writer's merges would be lost), and lists the keystore between writes (a reader
 * must never see a partial file).
 */
const WRITER = `
import { readFile } from 'node:fs/promises';
const [jobPath, storeDir, name, order] = process.argv.slice(2);
const { Keystore } = await import(process.env.KR_KEYSTORE_MODULE);
const { readKey, readPrivateKey } = await import(process.env.KR_OPENPGP_MODULE);
const job = JSON.parse(await readFile(jobPath, 'utf8'));
const keystore = await Keystore.open(storeDir);
const keys = order === 'reverse' ? [...job.keys].reverse() : job.keys;
const merges = job.merges[name];
for (const [i, armored] of keys.entries()) {
  await keystore.writeSecretKey(await readPrivateKey({ armoredKey: armored }), { allowUnencrypted: true });
  if (i < merges.length) await keystore.mergeCertificate(await readKey({ armoredKey: merges[i] }));
  await keystore.list();
  if (keystore.problems().length > 0) {
    console.error(JSON.stringify(keystore.problems()));
    process.exit(2);
  }
}
`;

function runWriter(args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(stderr);
      else reject(new Error(`writer ${args.join(' ')} exited with ${code}: ${stderr}`));
    });
  });
}

async function eccKey(name: string): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    userIDs: [{ name, email: `${name}@keyroute.test` }],
    type: 'ecc',
    curve: 'ed25519Legacy',
    format: 'object',
  });
  return privateKey;
}

describe('two processes writing to one keystore at once', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-writers-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves every file complete and parseable, loses no merge, and leaves no temporary file', async () => {
    const keys = await Promise.all(Array.from({ length: KEYS }, (_, i) => eccKey(`key${i}`)));
    const shared = await eccKey('shared');
    const variants = async (writer: string): Promise<string[]> =>
      Promise.all(
        Array.from({ length: MERGES_PER_WRITER }, async (_, i) => {
          const { publicKey } = await reformatKey({
            privateKey: shared,
            userIDs: [{ name: `${writer}${i}`, email: `${writer}${i}@keyroute.test` }],
            format: 'object',
          });
          return publicKey.armor();
        }),
      );
    const job = {
      keys: keys.map((key) => key.armor()),
      merges: { a: await variants('a'), b: await variants('b') },
    };
    const jobPath = join(dir, 'job.json');
    const scriptPath = join(dir, 'writer.mjs');
    const store = join(dir, 'store');
    await writeFile(jobPath, JSON.stringify(job));
    await writeFile(scriptPath, WRITER);
    // The shared certificate is there before the writers start merging into it.
    await (await Keystore.open(store)).writeCertificate(shared);
    const env = {
      KR_KEYSTORE_MODULE: new URL('./keystore.ts', import.meta.url).href,
      KR_OPENPGP_MODULE: import.meta.resolve('openpgp'),
    };

    await Promise.all([
      runWriter([scriptPath, jobPath, store, 'a', 'forward'], env),
      runWriter([scriptPath, jobPath, store, 'b', 'reverse'], env),
    ]);

    const keystore = await Keystore.open(store);
    const entries = await keystore.list();
    expect(keystore.problems()).toEqual([]);
    const expected = [...keys, shared].map((key) => key.getFingerprint().toUpperCase()).sort();
    expect(entries.map((entry) => entry.fingerprint)).toEqual(expected);
    for (const key of keys) {
      const fingerprint = key.getFingerprint().toUpperCase();
      const secret = await readPrivateKey({
        armoredKey: await readFile(join(keystore.paths.secret, `${fingerprint}.asc`), 'utf8'),
      });
      expect(secret.getFingerprint()).toBe(key.getFingerprint());
      const certificate = await readKey({
        armoredKey: await readFile(join(keystore.paths.public, `${fingerprint}.asc`), 'utf8'),
      });
      expect(certificate.isPrivate()).toBe(false);
    }
    const sharedEntry = entries.find(
      (entry) => entry.fingerprint === shared.getFingerprint().toUpperCase(),
    );
    // The original user ID plus every merge of both writers.
    expect(sharedEntry?.certificate.getUserIDs()).toHaveLength(1 + 2 * MERGES_PER_WRITER);
    const leftovers = [
      ...(await readdir(store)).filter((name) => name.startsWith('.')),
      ...(await readdir(keystore.paths.public)).filter((name) => !name.endsWith('.asc')),
      ...(await readdir(keystore.paths.secret)).filter((name) => !name.endsWith('.asc')),
    ];
    expect(leftovers).toEqual([]);
  });
});
