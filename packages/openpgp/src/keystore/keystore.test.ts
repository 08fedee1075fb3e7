import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode, isProviderError } from '@keyroute/core';
import { createOpenPgpKeyFolder } from '@keyroute/testbed';
import type { OpenPgpKeyFolder } from '@keyroute/testbed';
import {
  decryptKey,
  encryptKey,
  generateKey,
  readKey,
  readPrivateKey,
  reformatKey,
  revokeKey,
} from 'openpgp';
import type { PrivateKey } from 'openpgp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keystore } from './keystore.js';
import { tempFileName } from './temp-files.js';

const PASSPHRASE = 'correct horse battery staple';
/** The cheapest S2K: protecting a key takes microseconds, and it is still protected. */
const FAST_S2K = { s2kIterationCountByte: 0 };

async function eccKey(name: string): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    userIDs: [{ name, email: `${name}@keyroute.test` }],
    type: 'ecc',
    curve: 'ed25519Legacy',
    format: 'object',
  });
  return privateKey;
}

async function protect(key: PrivateKey): Promise<PrivateKey> {
  return encryptKey({ privateKey: key, passphrase: PASSPHRASE, config: FAST_S2K });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Keystore over a testbed key folder', () => {
  let folder: OpenPgpKeyFolder;

  beforeAll(async () => {
    folder = await createOpenPgpKeyFolder({
      keys: [
        { name: 'ecc', type: 'ecc' },
        { name: 'protected', type: 'ecc', passphrase: PASSPHRASE },
      ],
    });
  });
  afterAll(async () => {
    await folder.dispose();
  });

  it('lists the keys of public/<FPR>.asc and secret/<FPR>.asc', async () => {
    const keystore = await Keystore.open(folder.dir);
    const entries = await keystore.list();
    expect(entries.map((entry) => entry.fingerprint)).toEqual(
      folder.keys.map((key) => key.fingerprint).sort(),
    );
    for (const entry of entries) {
      expect(entry.hasSecretKey).toBe(true);
      expect(entry.certificate.isPrivate()).toBe(false);
      expect(entry.armoredCertificate).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    }
    expect(keystore.problems()).toEqual([]);
    // open() adds the staging folder the testbed layout lacks.
    expect((await stat(keystore.paths.staging)).mode & 0o777).toBe(0o700);
  });

  it('reads a secret key as stored: still encrypted when it was', async () => {
    const keystore = await Keystore.open(folder.dir);
    const spec = folder.keys.find((key) => key.name === 'protected');
    const secret = await keystore.readSecretKey(spec?.fingerprint ?? '');
    expect(secret?.isDecrypted()).toBe(false);
    const plain = folder.keys.find((key) => key.name === 'ecc');
    expect(
      (await keystore.readSecretKey(plain?.fingerprint.toLowerCase() ?? ''))?.isDecrypted(),
    ).toBe(true);
    expect(await keystore.readSecretKey('AB'.repeat(20))).toBeUndefined();
  });
});

describe('Keystore', () => {
  let dir: string;
  let keystore: Keystore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-keystore-'));
    keystore = await Keystore.open(join(dir, 'store'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates public/ (0755), secret/ (0700) and staging/ (0700)', async () => {
    const modes = await Promise.all(
      ['public', 'secret', 'staging'].map(
        async (name) => (await stat(join(keystore.dir, name))).mode & 0o777,
      ),
    );
    expect(modes).toEqual([0o755, 0o700, 0o700]);
  });

  it('refuses a missing folder when create is false', async () => {
    const error = await rejection(Keystore.open(join(dir, 'missing'), { create: false }));
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
  });

  it('stores an encrypted secret key (0600) with its certificate (0644), encrypted at rest', async () => {
    const key = await protect(await eccKey('alice'));
    const entry = await keystore.writeSecretKey(key);
    expect(entry.hasSecretKey).toBe(true);
    const secretPath = join(keystore.paths.secret, `${entry.fingerprint}.asc`);
    const publicPath = join(keystore.paths.public, `${entry.fingerprint}.asc`);
    expect((await stat(secretPath)).mode & 0o777).toBe(0o600);
    expect((await stat(publicPath)).mode & 0o777).toBe(0o644);
    const stored = await readPrivateKey({ armoredKey: await readFile(secretPath, 'utf8') });
    expect(stored.isDecrypted()).toBe(false);
    expect(await readFile(publicPath, 'utf8')).not.toContain('PRIVATE');
    const [listed] = await keystore.list();
    expect(listed?.fingerprint).toBe(entry.fingerprint);
    expect(listed?.hasSecretKey).toBe(true);
  });

  it('refuses an unencrypted secret key unless allowed, and says so without key material', async () => {
    const key = await eccKey('bob');
    const error = await rejection(keystore.writeSecretKey(key));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect(isProviderError(error) && error.message).toContain('not encrypted');
    expect(isProviderError(error) && error.message).not.toContain('PRIVATE');
    expect(await readdir(keystore.paths.secret)).toEqual([]);
    const entry = await keystore.writeSecretKey(key, { allowUnencrypted: true });
    expect(entry.hasSecretKey).toBe(true);
  });

  it('writes only the public part of a secret key given to writeCertificate', async () => {
    const key = await eccKey('carol');
    const entry = await keystore.writeCertificate(key);
    expect(entry.hasSecretKey).toBe(false);
    expect(entry.certificate.isPrivate()).toBe(false);
    const text = await readFile(join(keystore.paths.public, `${entry.fingerprint}.asc`), 'utf8');
    expect(text).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(await readdir(keystore.paths.secret)).toEqual([]);
  });

  it('counts a secret key without a public file, deriving its certificate', async () => {
    const entry = await keystore.writeSecretKey(await protect(await eccKey('dave')));
    await rm(join(keystore.paths.public, `${entry.fingerprint}.asc`));
    const [listed] = await keystore.list();
    expect(listed?.fingerprint).toBe(entry.fingerprint);
    expect(listed?.hasSecretKey).toBe(true);
    expect(listed?.certificate.isPrivate()).toBe(false);
    expect(listed?.armoredCertificate).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });

  it('skips unusable files and reports each with its reason', async () => {
    const good = await keystore.writeCertificate(await eccKey('erin'));
    const other = (await eccKey('frank')).toPublic();
    const secret = await eccKey('grace');
    const wrongName = 'A'.repeat(40);
    await writeFile(join(keystore.paths.public, `${'B'.repeat(40)}.asc`), 'not a key');
    await writeFile(join(keystore.paths.public, `${wrongName}.asc`), other.armor());
    await writeFile(join(keystore.paths.public, 'alice.asc'), other.armor());
    await writeFile(
      join(keystore.paths.public, `${secret.getFingerprint().toUpperCase()}.asc`),
      secret.armor(),
    );
    await writeFile(join(keystore.paths.public, 'README'), 'ignored: not *.asc');
    await mkdir(join(keystore.paths.public, `${'D'.repeat(40)}.asc`));
    const entries = await keystore.list();
    expect(entries.map((entry) => entry.fingerprint)).toEqual([good.fingerprint]);
    const problems = keystore.problems();
    expect(problems.map((problem) => problem.file).sort()).toEqual(
      [
        `public/${'B'.repeat(40)}.asc`,
        `public/${wrongName}.asc`,
        'public/alice.asc',
        `public/${secret.getFingerprint().toUpperCase()}.asc`,
        `public/${'D'.repeat(40)}.asc`,
      ].sort(),
    );
    const reasons = problems.map((problem) => problem.reason).join('\n');
    expect(reasons).toContain('not an armored OpenPGP key');
    expect(reasons).toContain('not the one its name says');
    expect(reasons).toContain('not an upper-case fingerprint');
    expect(reasons).toContain('secret key material');
    expect(reasons).toContain('cannot be read (EISDIR)');
    expect(reasons).not.toContain('PRIVATE KEY BLOCK');
  });

  it('reports a secret/ folder open to other users', async () => {
    await chmod(keystore.paths.secret, 0o755);
    await keystore.list();
    const problems = keystore.problems();
    expect(problems.map((problem) => problem.file)).toEqual(['secret/']);
    expect(problems[0]?.reason).toContain('chmod 700');
  });

  it('caches parsed files and re-reads those another process changed', async () => {
    const first = await keystore.writeCertificate(await eccKey('heidi'));
    const [a] = await keystore.list();
    const [b] = await keystore.list();
    // Parsed once: the same certificate object comes back.
    expect(b?.certificate).toBe(a?.certificate);
    // Another writer (a second keystore on the folder) adds a key, replaces one, deletes one.
    const other = await Keystore.open(keystore.dir);
    const second = await other.writeCertificate(await eccKey('ivan'));
    expect((await keystore.list()).map((entry) => entry.fingerprint).sort()).toEqual(
      [first.fingerprint, second.fingerprint].sort(),
    );
    const cachedSecond = (await keystore.list()).find(
      (entry) => entry.fingerprint === second.fingerprint,
    );
    const revoked = await revokeKey({ key: await eccKey('ivan-2'), format: 'object' });
    const replaced = await other.writeCertificate(revoked.publicKey);
    await other.writeCertificate(second.certificate);
    const entries = await keystore.list();
    // Untouched file: still the cached object; rewritten file: parsed again.
    expect(entries.find((entry) => entry.fingerprint === first.fingerprint)?.certificate).toBe(
      a?.certificate,
    );
    const rereadSecond = entries.find((entry) => entry.fingerprint === second.fingerprint);
    expect(rereadSecond?.certificate).not.toBe(cachedSecond?.certificate);
    await other.delete(first.fingerprint);
    expect((await keystore.list()).map((entry) => entry.fingerprint).sort()).toEqual(
      [second.fingerprint, replaced.fingerprint].sort(),
    );
  });

  it('deletes both files, and answers KEY_NOT_FOUND for a key it does not hold', async () => {
    const entry = await keystore.writeSecretKey(await protect(await eccKey('judy')));
    await keystore.delete(entry.fingerprint.toLowerCase());
    expect(await readdir(keystore.paths.public)).toEqual([]);
    expect(await readdir(keystore.paths.secret)).toEqual([]);
    const error = await rejection(keystore.delete(entry.fingerprint));
    expect(hasErrorCode(error, 'KEY_NOT_FOUND')).toBe(true);
    expect(isProviderError(error) && error.key).toBe(entry.fingerprint);
    expect(hasErrorCode(await rejection(keystore.delete('../secret/x')), 'INVALID_INPUT')).toBe(
      true,
    );
  });

  it('merges a certificate into the stored one and its secret key, revocations included', async () => {
    const key = await protect(await eccKey('mallory'));
    const stored = await keystore.writeSecretKey(key);
    // A new user ID (reformatKey re-signs) and a revocation arrive as certificates.
    const decrypted = await decryptKey({ privateKey: key, passphrase: PASSPHRASE });
    const renamed = await reformatKey({
      privateKey: decrypted,
      userIDs: [{ name: 'mallory', email: 'mallory@new.test' }],
      format: 'object',
    });
    await keystore.mergeCertificate(renamed.publicKey);
    const revoked = await revokeKey({ key: decrypted, format: 'object' });
    const entry = await keystore.mergeCertificate(revoked.publicKey);
    expect(entry.fingerprint).toBe(stored.fingerprint);
    expect(entry.hasSecretKey).toBe(true);
    expect(entry.certificate.getUserIDs().sort()).toEqual([
      'mallory <mallory@keyroute.test>',
      'mallory <mallory@new.test>',
    ]);
    expect(await entry.certificate.isRevoked()).toBe(true);
    const secret = await keystore.readSecretKey(stored.fingerprint);
    expect(secret?.isDecrypted()).toBe(false);
    expect(await secret?.isRevoked()).toBe(true);
    const publicText = await readFile(
      join(keystore.paths.public, `${stored.fingerprint}.asc`),
      'utf8',
    );
    expect(await (await readKey({ armoredKey: publicText })).isRevoked()).toBe(true);
  });

  it('removes temporary files of killed writers when opened', async () => {
    const orphan = join(keystore.paths.secret, tempFileName('X.asc', 2 ** 22 + 1));
    await writeFile(orphan, 'half a key');
    await Keystore.open(keystore.dir);
    expect(await readdir(keystore.paths.secret)).toEqual([]);
  });
});
