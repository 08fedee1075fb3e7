import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode, isProviderError } from '@keyroute/core';
import { generateKey, reformatKey, revokeKey } from 'openpgp';
import type { PrivateKey } from 'openpgp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keystore } from '../keystore/keystore.js';
import { Staging } from './staging.js';
import { requireEncryptionCapable } from './validate.js';

type GenerateOptions = Omit<Parameters<typeof generateKey>[0], 'userIDs' | 'format'>;

async function eccKey(name: string, options: GenerateOptions = {}): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    userIDs: [{ name, email: `${name}@keyroute.test` }],
    type: 'ecc',
    curve: 'ed25519Legacy',
    ...options,
    format: 'object',
  });
  return privateKey;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const fingerprintOf = (key: PrivateKey): string => key.getFingerprint().toUpperCase();

describe('Staging', () => {
  let dir: string;
  let keystore: Keystore;
  let staging: Staging;
  let clock: Date;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-staging-'));
    keystore = await Keystore.open(dir);
    clock = new Date();
    staging = new Staging(keystore, { now: () => clock });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stages an armored upload with its report, without touching the keystore', async () => {
    const key = await eccKey('alice');
    const staged = await staging.stage(key.toPublic().armor());
    expect(staged.fingerprint).toBe(fingerprintOf(key));
    expect(staged.report.valid).toBe(true);
    expect(staged.report.canEncrypt).toBe(true);
    expect(Math.abs(staged.stagedAt.getTime() - Date.now())).toBeLessThan(60_000);
    const path = join(keystore.paths.staging, `${staged.fingerprint}.asc`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await keystore.list()).toEqual([]);
    const [listed] = await staging.list();
    expect(listed?.fingerprint).toBe(staged.fingerprint);
    expect(listed?.armored).toBe(staged.armored);
    expect(listed?.report.valid).toBe(true);
    expect(listed?.stagedAt).toEqual(staged.stagedAt);
  });

  it('stages a binary upload', async () => {
    const key = await eccKey('bob');
    const staged = await staging.stage(key.toPublic().write());
    expect(staged.fingerprint).toBe(fingerprintOf(key));
  });

  it('refuses a secret key, several keys and garbage with INVALID_INPUT', async () => {
    const secret = await eccKey('carol');
    const error = await rejection(staging.stage(secret.armor()));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect(isProviderError(error) && error.message).toContain('secret key material');
    expect(isProviderError(error) && error.message).not.toContain('-----');
    const other = await eccKey('dave');
    const two = await rejection(
      staging.stage(Buffer.concat([secret.toPublic().write(), other.toPublic().write()])),
    );
    expect(hasErrorCode(two, 'INVALID_INPUT')).toBe(true);
    expect(isProviderError(two) && two.message).toContain(fingerprintOf(secret));
    expect(isProviderError(two) && two.message).toContain(fingerprintOf(other));
    expect(hasErrorCode(await rejection(staging.stage('hello')), 'INVALID_INPUT')).toBe(true);
    const small = new Staging(keystore, { maxBytes: 100 });
    expect(
      hasErrorCode(await rejection(small.stage(other.toPublic().armor())), 'INVALID_INPUT'),
    ).toBe(true);
    expect(await staging.list()).toEqual([]);
  });

  it('accepts a valid certificate into the keystore and empties its staging slot', async () => {
    const key = await eccKey('erin');
    const staged = await staging.stage(key.toPublic().armor());
    const entry = await staging.accept(staged.fingerprint.toLowerCase());
    expect(entry.fingerprint).toBe(staged.fingerprint);
    expect(entry.hasSecretKey).toBe(false);
    expect((await keystore.list()).map((listed) => listed.fingerprint)).toEqual([
      staged.fingerprint,
    ]);
    expect(await staging.list()).toEqual([]);
    expect(hasErrorCode(await rejection(staging.accept(staged.fingerprint)), 'KEY_NOT_FOUND')).toBe(
      true,
    );
  });

  it('stages a key whose encryption subkey expired with a warning; accepting works, encrypting does not', async () => {
    const key = await eccKey('frank', { subkeys: [{ keyExpirationTime: 3600 }] });
    clock = new Date(Date.now() + 2 * 3600 * 1000);
    const staged = await staging.stage(key.toPublic().armor());
    expect(staged.report.valid).toBe(true);
    expect(staged.report.canEncrypt).toBe(false);
    expect(
      staged.report.checks.filter((check) => !check.ok).map((check) => check.severity),
    ).toEqual(['warning']);
    await staging.accept(staged.fingerprint);
    expect(() => {
      requireEncryptionCapable(staged.report);
    }).toThrow(/cannot encrypt/);
  });

  it('refuses to accept a certificate failing an error check unless forced', async () => {
    const { publicKey } = await revokeKey({ key: await eccKey('grace'), format: 'object' });
    const staged = await staging.stage(publicKey.armor());
    expect(staged.report.valid).toBe(false);
    const error = await rejection(staging.accept(staged.fingerprint));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect(isProviderError(error) && error.message).toContain('primary-key-valid');
    expect(await keystore.list()).toEqual([]);
    const entry = await staging.accept(staged.fingerprint, { force: true });
    expect(await entry.certificate.isRevoked()).toBe(true);
  });

  it('validates again on accept: a key that expired since staging is refused', async () => {
    const key = await eccKey('heidi', { keyExpirationTime: 3600 });
    const staged = await staging.stage(key.toPublic().armor());
    expect(staged.report.valid).toBe(true);
    clock = new Date(Date.now() + 2 * 3600 * 1000);
    expect(hasErrorCode(await rejection(staging.accept(staged.fingerprint)), 'INVALID_INPUT')).toBe(
      true,
    );
  });

  it('merges an accepted certificate with the stored one, keeping the stored secret key', async () => {
    const key = await eccKey('ivan');
    await keystore.writeSecretKey(key, { allowUnencrypted: true });
    const renamed = await reformatKey({
      privateKey: key,
      userIDs: [{ name: 'ivan', email: 'ivan@elsewhere.test' }],
      format: 'object',
    });
    const staged = await staging.stage(renamed.publicKey.armor());
    const entry = await staging.accept(staged.fingerprint);
    expect(entry.hasSecretKey).toBe(true);
    expect(entry.certificate.getUserIDs().sort()).toEqual([
      'ivan <ivan@elsewhere.test>',
      'ivan <ivan@keyroute.test>',
    ]);
    const [listed] = await keystore.list();
    expect(listed?.certificate.getUserIDs()).toHaveLength(2);
  });

  it('rejects and flushes', async () => {
    const keys = await Promise.all(['judy', 'mallory', 'niaj'].map((name) => eccKey(name)));
    for (const key of keys) await staging.stage(key.toPublic().armor());
    await staging.reject(fingerprintOf(keys[0] as PrivateKey));
    expect((await staging.list()).map((staged) => staged.fingerprint).sort()).toEqual(
      keys.slice(1).map(fingerprintOf).sort(),
    );
    expect(
      hasErrorCode(
        await rejection(staging.reject(fingerprintOf(keys[0] as PrivateKey))),
        'KEY_NOT_FOUND',
      ),
    ).toBe(true);
    expect(await staging.flush()).toBe(2);
    expect(await staging.flush()).toBe(0);
    expect(await readdir(keystore.paths.staging)).toEqual([]);
    expect(await keystore.list()).toEqual([]);
  });

  it('reports unusable staging files', async () => {
    await writeFile(join(keystore.paths.staging, `${'C'.repeat(40)}.asc`), 'junk');
    expect(await staging.list()).toEqual([]);
    expect(staging.problems()).toEqual([
      expect.objectContaining({ file: `staging/${'C'.repeat(40)}.asc` }),
    ]);
  });

  it('stages from an HKP server', async () => {
    const wanted = await eccKey('quentin');
    const fingerprint = fingerprintOf(wanted);
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.searchParams.get('op') === 'index') {
        response.end(
          `info:1:1\npub:${fingerprint}:22::0::\nuid:quentin <quentin@keyroute.test>:::\n`,
        );
      } else if (url.searchParams.get('search') === `0x${fingerprint}`) {
        response.end(wanted.toPublic().armor());
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const staged = await staging.stageFromSource('quentin@keyroute.test', {
        url: `http://127.0.0.1:${port}`,
      });
      expect(staged.fingerprint).toBe(fingerprint);
      expect((await staging.list()).map((listed) => listed.fingerprint)).toEqual([fingerprint]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('stages from a key file source', async () => {
    const wanted = await eccKey('olivia');
    const other = await eccKey('peggy');
    const file = join(dir, 'upload.asc');
    await writeFile(file, `${wanted.toPublic().armor()}\n${other.toPublic().armor()}`);
    const staged = await staging.stageFromSource('olivia@keyroute.test', { file });
    expect(staged.fingerprint).toBe(fingerprintOf(wanted));
    expect(staged.report.valid).toBe(true);
  });
});
