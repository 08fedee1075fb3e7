import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKey, readKey } from 'openpgp';
import type { KeyOptions, UserID } from 'openpgp';
import { createTempDir } from './temp-dir.js';
import type { TempDir } from './temp-dir.js';

/** One OpenPGP key to generate with openpgp.js. */
export interface OpenPgpFolderKeySpec {
  /** Unique name; also the default user ID `<name> <<name>@keyroute.test>`. */
  readonly name: string;
  /**
   * `ecc`: Ed25519 (legacy EdDSA) primary + cv25519 (legacy ECDH) subkey, readable by GnuPG 2.2
   * (never openpgp.js `curve25519`, whose RFC 9580 keys GnuPG 2.2 rejects); `p256`: ECDSA
   * P-256 primary + ECDH P-256 subkey; `rsa3072`/`rsa4096`:
   * RSA primary + RSA subkey.
   */
  readonly type: 'ecc' | 'p256' | 'rsa3072' | 'rsa4096';
  /** Encrypts the secret key with this passphrase; unencrypted when absent. */
  readonly passphrase?: string;
  /** User ID, `Name <email>` or a bare name; defaults from {@link OpenPgpFolderKeySpec.name}. */
  readonly userId?: string;
}

/**
 * The keys {@link createOpenPgpKeyFolder} generates when none are requested: `ecc`, `rsa3072`,
 * and `protected` (ecc, passphrase `correct horse battery staple`).
 */
export const DEFAULT_OPENPGP_KEYS: readonly OpenPgpFolderKeySpec[] = Object.freeze([
  { name: 'ecc', type: 'ecc' },
  { name: 'rsa3072', type: 'rsa3072' },
  { name: 'protected', type: 'ecc', passphrase: 'correct horse battery staple' },
] as const satisfies readonly OpenPgpFolderKeySpec[]);

/** A generated key and where its armored files are. */
export interface OpenPgpFolderKey {
  readonly name: string;
  /** Fingerprint of the primary key, upper-case hex; also the file name stem. */
  readonly fingerprint: string;
  /** Long key id, 16 upper-case hex digits. */
  readonly keyId: string;
  /** User ID as stored in the key, e.g. `ecc <ecc@keyroute.test>`. */
  readonly userId: string;
  readonly armoredPublicKey: string;
  /** Armored secret key, encrypted when the spec has a passphrase. */
  readonly armoredPrivateKey: string;
  readonly passphrase?: string;
  /** `<dir>/public/<FINGERPRINT>.asc` */
  readonly publicPath: string;
  /** `<dir>/secret/<FINGERPRINT>.asc` (mode 0600) */
  readonly secretPath: string;
}

/** A throw-away folder of armored OpenPGP keys. */
export interface OpenPgpKeyFolder extends AsyncDisposable {
  /** Root of the folder: `public/` and `secret/` live under it. */
  readonly dir: string;
  readonly keys: readonly OpenPgpFolderKey[];
  /** Removes the folder; idempotent. */
  dispose(): Promise<void>;
}

/** Options of {@link createOpenPgpKeyFolder}. */
export interface OpenPgpKeyFolderOptions {
  /** Keys to generate, {@link DEFAULT_OPENPGP_KEYS} by default. */
  readonly keys?: readonly OpenPgpFolderKeySpec[];
  /** Aborts creation (the folder is removed) and rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Splits `Name <email>` into openpgp.js's user ID object; anything else is a bare name. */
export function parseUserId(userId: string): UserID {
  const match = /^(.*?)\s*<([^<>\s]+)>$/.exec(userId);
  const name = match?.[1];
  const email = match?.[2];
  if (email === undefined) return { name: userId };
  return name === undefined || name === '' ? { email } : { name, email };
}

function keyOptions(spec: OpenPgpFolderKeySpec): KeyOptions & { format: 'armored' } {
  const userIDs = [
    parseUserId(spec.userId ?? `${spec.name} <${spec.name.toLowerCase()}@keyroute.test>`),
  ];
  const passphrase = spec.passphrase === undefined ? {} : { passphrase: spec.passphrase };
  switch (spec.type) {
    case 'ecc':
      return { type: 'ecc', curve: 'ed25519Legacy', userIDs, ...passphrase, format: 'armored' };
    case 'p256':
      return { type: 'ecc', curve: 'nistP256', userIDs, ...passphrase, format: 'armored' };
    case 'rsa3072':
      return { type: 'rsa', rsaBits: 3072, userIDs, ...passphrase, format: 'armored' };
    case 'rsa4096':
      return { type: 'rsa', rsaBits: 4096, userIDs, ...passphrase, format: 'armored' };
  }
}

function validateSpecs(specs: readonly OpenPgpFolderKeySpec[]): void {
  const names = new Set<string>();
  for (const spec of specs) {
    if (!/^[\w.+-]+$/.test(spec.name)) {
      throw new Error(`OpenPGP key spec name "${spec.name}" must match [A-Za-z0-9_.+-]+`);
    }
    if (names.has(spec.name)) throw new Error(`OpenPGP key spec name "${spec.name}" is used twice`);
    names.add(spec.name);
  }
}

async function generate(spec: OpenPgpFolderKeySpec, dir: string): Promise<OpenPgpFolderKey> {
  const { privateKey, publicKey } = await generateKey(keyOptions(spec));
  // Read the facts back from the armored key rather than trusting what was asked for.
  const parsed = await readKey({ armoredKey: publicKey });
  const fingerprint = parsed.getFingerprint().toUpperCase();
  const userId = parsed.getUserIDs()[0];
  if (userId === undefined) throw new Error(`generated OpenPGP key "${spec.name}" has no user ID`);
  const publicPath = join(dir, 'public', `${fingerprint}.asc`);
  const secretPath = join(dir, 'secret', `${fingerprint}.asc`);
  await writeFile(publicPath, publicKey, { mode: 0o644 });
  await writeFile(secretPath, privateKey, { mode: 0o600 });
  return {
    name: spec.name,
    fingerprint,
    keyId: parsed.getKeyID().toHex().toUpperCase(),
    userId,
    armoredPublicKey: publicKey,
    armoredPrivateKey: privateKey,
    ...(spec.passphrase === undefined ? {} : { passphrase: spec.passphrase }),
    publicPath,
    secretPath,
  };
}

/**
 * Creates a fresh folder (its own `mkdtemp` directory) of openpgp.js-generated keys, stored as
 * `<dir>/public/<FINGERPRINT>.asc` and `<dir>/secret/<FINGERPRINT>.asc` (armored; the secret file
 * is encrypted when the spec has a passphrase). All keys are v4 keys GnuPG 2.2 can import.
 *
 * @throws Error on an invalid or duplicate spec name, or from openpgp.js (e.g. an invalid user
 *   ID). On failure (and on abort, which rejects with `signal.reason`) the folder is removed.
 */
export async function createOpenPgpKeyFolder(
  options: OpenPgpKeyFolderOptions = {},
): Promise<OpenPgpKeyFolder> {
  const specs = options.keys ?? DEFAULT_OPENPGP_KEYS;
  validateSpecs(specs);
  const { signal } = options;
  signal?.throwIfAborted();
  const dir: TempDir = await createTempDir();
  try {
    await mkdir(join(dir.path, 'public'), { mode: 0o755 });
    await mkdir(join(dir.path, 'secret'), { mode: 0o700 });
    // openpgp.js generates RSA keys with node:crypto's asynchronous keygen, so this overlaps.
    const keys = await Promise.all(specs.map((spec) => generate(spec, dir.path)));
    signal?.throwIfAborted();
    return {
      dir: dir.path,
      keys: Object.freeze(keys),
      dispose: () => dir.remove(),
      [Symbol.asyncDispose]: () => dir.remove(),
    };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}
