/**
 * `keyroute` key commands through a gateway started by `keyroute serve --config` in a child
 * process (an OpenPGP keystore; apps with and without the right to sign): the same commands as
 * with `--provider`, over the Unix socket and over loopback HTTP, and the gateway's refusals
 * and absence as exit codes 4 and 5.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createOpenPgpKeyFolder,
  type OpenPgpFolderKey,
  type OpenPgpKeyFolder,
} from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_JSON_FIELDS, type KeyJson } from '../../src/cli/commands/listing.js';
import {
  Cleanup,
  cleanEnv,
  requireBuiltCli,
  runCli,
  shortTempDir,
  startChildGateway,
  type ChildGateway,
} from './harness.js';
import {
  createGpgVerifier,
  opensslVerifies,
  writePublicKeyPem,
  type GpgVerifier,
} from './tools.js';

const MiB = 2 ** 20;

const cleanup = new Cleanup();
let folder: OpenPgpKeyFolder;
let work: { path: string; remove(): Promise<void> };
let gateway: ChildGateway;
let gpg: GpgVerifier;
let rsa: OpenPgpFolderKey;
let ecc: OpenPgpFolderKey;
/** 8 MiB: more than the gateway's 1 MiB body limit, so only a digest can have been sent. */
let data: string;

const file = (name: string): string => join(work.path, name);

/** The environment of the signer app: the socket in $KEYROUTE_GATEWAY, its token. */
function signerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return cleanEnv({
    KEYROUTE_GATEWAY: `unix:${gateway.socket}`,
    KEYROUTE_TOKEN: gateway.apps['signer']?.token ?? '',
    ...extra,
  });
}

beforeAll(async () => {
  await requireBuiltCli();
  folder = cleanup.add(
    await createOpenPgpKeyFolder({
      keys: [
        { name: 'rsa', type: 'rsa3072' },
        { name: 'ecc', type: 'ecc' },
      ],
    }),
    (made) => made.dispose(),
  );
  [rsa, ecc] = folder.keys as [OpenPgpFolderKey, OpenPgpFolderKey];
  work = cleanup.add(await shortTempDir(), (made) => made.remove());
  gateway = cleanup.add(
    await startChildGateway(work.path, folder.dir, {
      signer: ['list', 'sign', 'verify', 'decrypt', 'encrypt'],
      reader: ['list', 'verify'],
    }),
    (made) => made.stop(),
  );
  gpg = cleanup.add(
    await createGpgVerifier(
      work.path,
      folder.keys.map((key) => key.armoredPublicKey),
    ),
    (made) => made.close(),
  );
  data = file('data.bin');
  const block = Buffer.alloc(MiB);
  for (let index = 0; index < block.length; index += 1) block[index] = (index * 13 + 5) & 0xff;
  await writeFile(data, Buffer.concat(Array.from({ length: 8 }, () => block)));
});

afterAll(() => cleanup.run());

describe('through the gateway', () => {
  it('keys over the socket and over HTTP, --json with the same schema as a local provider', async () => {
    const table = await runCli(['keys'], { env: signerEnv() });
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.text).toMatch(new RegExp(`pgp:${rsa.fingerprint}\\s+RSA-3072\\s+sign,certify`));
    const json = await runCli(
      ['keys', '--json', '--gateway', gateway.url, '--token-env', 'SIGNER_TOKEN'],
      { env: cleanEnv({ SIGNER_TOKEN: gateway.apps['signer']?.token ?? '' }) },
    );
    expect(json.exitCode, json.stderr).toBe(0);
    const keys = (JSON.parse(json.text) as { keys: KeyJson[] }).keys;
    expect(keys.map((key) => key.id)).toEqual(
      expect.arrayContaining([`pgp:${rsa.fingerprint}`, `pgp:${ecc.fingerprint}`]),
    );
    expect(keys).toHaveLength(4);
    for (const key of keys) {
      expect(key.id).toMatch(/^pgp:[0-9A-F]{40}$/);
      const fields = Object.keys(key);
      for (const required of KEY_JSON_FIELDS.required) expect(fields).toContain(required);
      for (const field of fields) {
        expect([...KEY_JSON_FIELDS.required, ...KEY_JSON_FIELDS.optional]).toContain(field);
      }
    }
    const certs = await runCli(['certs', '--json'], { env: signerEnv() });
    expect(certs.exitCode, certs.stderr).toBe(0);
    expect((JSON.parse(certs.text) as { certificates: unknown[] }).certificates).toHaveLength(2);
  });

  it('signs 8 MiB (only the digest travels): openssl accepts the raw signature', async () => {
    const signature = file('data.rsa.sig');
    const run = await runCli(['sign', '--key', rsa.fingerprint, '--in', data, '--out', signature], {
      env: signerEnv(),
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const json = await runCli(['keys', '--json'], { env: signerEnv() });
    const key = (JSON.parse(json.text) as { keys: KeyJson[] }).keys.find(
      (candidate) => candidate.id === `pgp:${rsa.fingerprint}`,
    );
    const pem = await writePublicKeyPem(file('rsa.pem'), key?.publicKey ?? '');
    expect(await opensslVerifies(pem, signature, data)).toBe(true);
    const verified = await runCli(
      ['verify', '--key', rsa.fingerprint, '--in', data, '--signature', signature],
      { env: signerEnv() },
    );
    expect(verified.exitCode, verified.stderr).toBe(0);
  });

  it.each(['rsa', 'ecc'] as const)(
    '--format openpgp with the %s key: gpg accepts it; verify exits 0, then 1 when tampered',
    async (name) => {
      const key = { rsa, ecc }[name];
      const signature = file(`data.${name}.asc`);
      const run = await runCli(
        ['sign', '--key', key.fingerprint, '--in', data, '--format', 'openpgp', '--out', signature],
        { env: signerEnv() },
      );
      expect(run.exitCode, run.stderr).toBe(0);
      const checked = await gpg.verify(signature, data);
      expect(checked.exitCode, checked.stderr).toBe(0);
      expect(checked.stderr).toContain(`Good signature from "${key.userId}"`);
      const good = await runCli(
        ['verify', '--key', `pgp:${key.fingerprint}`, '--in', data, '--signature', signature],
        { env: signerEnv() },
      );
      expect(good.exitCode, good.stderr).toBe(0);
      const tampered = file(`data.${name}.tampered`);
      const bytes = await readFile(data);
      bytes[5 * MiB] = (bytes[5 * MiB] ?? 0) ^ 0x80;
      await writeFile(tampered, bytes);
      const bad = await runCli(
        ['verify', '--key', key.fingerprint, '--in', tampered, '--signature', signature],
        { env: signerEnv() },
      );
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toContain('BAD signature');
    },
  );

  it('encrypts and decrypts through the gateway', async () => {
    const plaintext = 'through the gateway\n';
    const sealed = await runCli(['encrypt', '--key', rsa.fingerprint], {
      env: signerEnv(),
      input: plaintext,
    });
    expect(sealed.exitCode, sealed.stderr).toBe(0);
    await writeFile(file('sealed.asc'), sealed.stdout);
    const keys = JSON.parse((await runCli(['keys', '--json'], { env: signerEnv() })).text) as {
      keys: KeyJson[];
    };
    const subkey = keys.keys.find(
      (key) => key.label === rsa.userId && key.usages.includes('decrypt'),
    );
    const opened = await runCli(
      ['decrypt', '--key', subkey?.id ?? '', '--in', file('sealed.asc')],
      {
        env: signerEnv(),
      },
    );
    expect(opened.exitCode, opened.stderr).toBe(0);
    expect(opened.text).toBe(plaintext);
  });
});

describe('exit codes through the gateway', () => {
  it('3: an unknown key, with the closest candidates the app can see', async () => {
    const typo = rsa.fingerprint.slice(0, 30);
    const run = await runCli(['sign', '--key', `${typo}XYZ`, '--in', data], { env: signerEnv() });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`no key matches "${typo}XYZ"`);
    expect(run.stderr).toContain(`closest: "pgp:${rsa.fingerprint}"`);
  });

  it('4: an app without the right to sign, no token, a wrong token', async () => {
    const reader = await runCli(['sign', '--key', rsa.fingerprint, '--in', data], {
      env: signerEnv({ KEYROUTE_TOKEN: gateway.apps['reader']?.token ?? '' }),
    });
    expect(reader.exitCode).toBe(4);
    expect(reader.stderr).toContain('app "reader" may not sign');
    // The reader may still list and verify.
    const listed = await runCli(['keys'], {
      env: signerEnv({ KEYROUTE_TOKEN: gateway.apps['reader']?.token ?? '' }),
    });
    expect(listed.exitCode, listed.stderr).toBe(0);
    const noToken = await runCli(['keys', '--gateway', `unix:${gateway.socket}`]);
    expect(noToken.exitCode).toBe(4);
    expect(noToken.stderr).toContain('no token was sent');
    const wrong = await runCli(['keys'], { env: signerEnv({ KEYROUTE_TOKEN: 'kr_wrong' }) });
    expect(wrong.exitCode).toBe(4);
    expect(wrong.stderr).toContain('token from $KEYROUTE_TOKEN');
  });

  it('5: a gateway that cannot be reached, naming how it was addressed', async () => {
    const socket = file('absent.sock');
    const bySocket = await runCli(['keys', '--gateway', `unix:${socket}`], { env: signerEnv() });
    expect(bySocket.exitCode).toBe(5);
    expect(bySocket.stderr).toContain(`the keyroute gateway at unix:${socket} cannot be reached`);
    expect(bySocket.stderr).toContain(`addressed by --gateway unix:${socket}`);
    const byEnv = await runCli(['sign', '--key', rsa.fingerprint, '--in', data], {
      env: signerEnv({ KEYROUTE_GATEWAY: 'http://127.0.0.1:9' }),
    });
    expect(byEnv.exitCode).toBe(5);
    expect(byEnv.stderr).toContain('addressed by KEYROUTE_GATEWAY=http://127.0.0.1:9');
  });

  it('2: flags that do not go with a gateway', async () => {
    const secret = await runCli(['keys', '--secret-env', 'PIN'], { env: signerEnv() });
    expect(secret.exitCode).toBe(2);
    expect(secret.stderr).toContain('--secret-env goes with --provider');
    const tokenEnv = await runCli(['keys', '--token-env', 'UNSET_VARIABLE'], { env: signerEnv() });
    expect(tokenEnv.exitCode).toBe(2);
    expect(tokenEnv.stderr).toContain('UNSET_VARIABLE is not set');
  });
});
