import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretRequest, SecretSource } from '@keyroute/core';
import {
  createGpgHome,
  createOpenPgpKeyFolder,
  type GpgHome,
  type GpgKeySpec,
  type OpenPgpFolderKeySpec,
  type OpenPgpKeyFolder,
} from '@keyroute/testbed';
import { readKey } from 'openpgp';
import { createOpenPgpProvider, type OpenPgpProvider } from '../../src/index.js';
import { createGpgRunner, statusFields, type GpgRunner } from './gnupg.js';

/** A key both sides hold: its secret is in the keystore folder and in the GnuPG home. */
export interface InteropKey {
  readonly name: string;
  /** Which implementation generated it. */
  readonly origin: 'openpgp.js' | 'gnupg';
  readonly algorithm: 'ed25519' | 'rsa';
  /** Primary (signing) key fingerprint, upper-case hex. */
  readonly fingerprint: string;
  /** Encryption subkey fingerprint and long key ID, upper-case hex. */
  readonly encryptionFingerprint: string;
  readonly encryptionKeyId: string;
  readonly passphrase?: string;
  /** Armored secret key as stored in the keystore folder. */
  readonly armoredSecretKey: string;
}

/** openpgp.js-generated keys, written to the keystore folder and imported into GnuPG. */
export const OPENPGPJS_KEYS = [
  'js-ed25519',
  'js-rsa3072',
  'js-ed25519-locked',
  'js-rsa3072-locked',
] as const;
/** GnuPG-generated keys, exported from GnuPG into the keystore folder. */
export const GNUPG_KEYS = [
  'gpg-ed25519',
  'gpg-rsa3072',
  'gpg-ed25519-locked',
  'gpg-rsa3072-locked',
] as const;
export type InteropKeyName = (typeof OPENPGPJS_KEYS)[number] | (typeof GNUPG_KEYS)[number];

/** Each protected key has a passphrase of its own, so a mixed-up answer fails. */
export function passphraseOf(name: string): string | undefined {
  return name.endsWith('-locked') ? `${name}: passphrase, not in argv` : undefined;
}

function withPassphrase(name: string): { passphrase?: string } {
  const passphrase = passphraseOf(name);
  return passphrase === undefined ? {} : { passphrase };
}

const FOLDER_SPECS: OpenPgpFolderKeySpec[] = OPENPGPJS_KEYS.map((name) => ({
  name,
  type: name.includes('rsa') ? 'rsa3072' : 'ecc',
  ...withPassphrase(name),
}));

const GPG_SPECS: GpgKeySpec[] = GNUPG_KEYS.map((name) => ({
  name,
  ...(name.includes('rsa')
    ? { primary: 'rsa3072', subkey: 'rsa3072' }
    : { primary: 'ed25519', subkey: 'cv25519' }),
  ...withPassphrase(name),
}));

/** The keystore folder, the GnuPG home and a provider over the folder, sharing all keys. */
export interface InteropWorld extends AsyncDisposable {
  readonly provider: OpenPgpProvider;
  readonly gpg: GpgRunner;
  /** Every passphrase request the provider made. */
  readonly asked: readonly SecretRequest[];
  key(name: InteropKeyName): InteropKey;
}

async function importIntoGpg(gpg: GpgRunner, armored: string, passphrase?: string): Promise<void> {
  const run = await gpg.run(['--import', await gpg.file(armored)], {
    ...(passphrase === undefined ? {} : { passphrase }),
  });
  // IMPORT_OK <reason> <fingerprint>: bit 16 means the secret key was imported.
  const secret = statusFields(run, 'IMPORT_OK').some((fields) => (Number(fields[0]) & 16) !== 0);
  if (run.exitCode !== 0 || !secret) throw new Error(`gpg --import failed:\n${run.stderr}`);
}

async function openPgpJsKeys(folder: OpenPgpKeyFolder, gpg: GpgRunner): Promise<InteropKey[]> {
  const keys: InteropKey[] = [];
  for (const key of folder.keys) {
    await importIntoGpg(gpg, key.armoredPrivateKey, key.passphrase);
    const subkey = (await readKey({ armoredKey: key.armoredPublicKey })).subkeys[0];
    if (subkey === undefined) throw new Error(`${key.name} has no subkey`);
    keys.push({
      name: key.name,
      origin: 'openpgp.js',
      algorithm: key.name.includes('rsa') ? 'rsa' : 'ed25519',
      fingerprint: key.fingerprint,
      encryptionFingerprint: subkey.getFingerprint().toUpperCase(),
      encryptionKeyId: subkey.getKeyID().toHex().toUpperCase(),
      armoredSecretKey: key.armoredPrivateKey,
      ...withPassphrase(key.name),
    });
  }
  return keys;
}

async function exported(gpg: GpgRunner, args: string[], passphrase?: string): Promise<string> {
  const run = await gpg.run(args, passphrase === undefined ? {} : { passphrase });
  if (run.exitCode !== 0 || run.stdout.length === 0) {
    throw new Error(`gpg ${args.join(' ')} failed:\n${run.stderr}`);
  }
  return Buffer.from(run.stdout).toString('utf8');
}

/** Exports GnuPG's keys into the folder: `public/<FPR>.asc` and `secret/<FPR>.asc` (0600). */
async function gnupgKeys(home: GpgHome, gpg: GpgRunner, dir: string): Promise<InteropKey[]> {
  const keys: InteropKey[] = [];
  for (const primary of home.keys.filter((key) => key.role === 'primary')) {
    const subkey = home.keys.find(
      (key) => key.role === 'subkey' && key.primaryFingerprint === primary.fingerprint,
    );
    if (subkey === undefined) throw new Error(`${primary.spec} has no subkey`);
    const fpr = primary.fingerprint;
    const certificate = await exported(gpg, ['--armor', '--export', fpr]);
    const secret = await exported(
      gpg,
      ['--armor', '--export-secret-keys', fpr],
      primary.passphrase,
    );
    await writeFile(join(dir, 'public', `${fpr}.asc`), certificate, { mode: 0o644 });
    await writeFile(join(dir, 'secret', `${fpr}.asc`), secret, { mode: 0o600 });
    keys.push({
      name: primary.spec,
      origin: 'gnupg',
      algorithm: primary.type === 'ed25519' ? 'ed25519' : 'rsa',
      fingerprint: fpr,
      encryptionFingerprint: subkey.fingerprint,
      encryptionKeyId: subkey.keyId,
      armoredSecretKey: secret,
      ...(primary.passphrase === undefined ? {} : { passphrase: primary.passphrase }),
    });
  }
  return keys;
}

/**
 * Generates four keys with openpgp.js (imported into GnuPG, secret included) and four with
 * GnuPG (exported into the keystore folder), Ed25519/cv25519 and RSA-3072, protected and not;
 * the provider's secret source answers each protected key's own passphrase.
 */
export async function createInteropWorld(): Promise<InteropWorld> {
  const [folder, home] = await Promise.all([
    createOpenPgpKeyFolder({ keys: FOLDER_SPECS }),
    createGpgHome({ keys: GPG_SPECS }),
  ]);
  const gpg = await createGpgRunner(home.homedir);
  const cleanup = async (): Promise<void> => {
    await gpg[Symbol.asyncDispose]();
    await home.dispose();
    await folder.dispose();
  };
  try {
    const keys = [
      ...(await openPgpJsKeys(folder, gpg)),
      ...(await gnupgKeys(home, gpg, folder.dir)),
    ];
    const passphrases = new Map(keys.map((key) => [key.fingerprint, key.passphrase]));
    const asked: SecretRequest[] = [];
    const secrets: SecretSource = (request) => {
      asked.push(request);
      return passphrases.get(request.key);
    };
    const provider = await createOpenPgpProvider({ dir: folder.dir, secrets });
    return {
      provider,
      gpg,
      asked,
      key(name) {
        const key = keys.find((candidate) => candidate.name === name);
        if (key === undefined) throw new Error(`no interop key ${name}`);
        return key;
      },
      async [Symbol.asyncDispose]() {
        await provider[Symbol.asyncDispose]();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
