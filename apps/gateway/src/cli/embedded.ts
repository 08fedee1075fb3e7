import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Keystore, generateOpenPgpKey } from '@keyroute/openpgp';
import { OPS } from '../auth/acl.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { DEFAULT_PROVIDER_ID, defaultGatewayConfig } from '../config/default-config.js';
import type { GatewayConfig } from '../config/types.js';

/** The embedded default, ready to serve, and the admin token when it was just created. */
export interface EmbeddedSetup {
  readonly config: GatewayConfig;
  /** Shown once, on the first start; only its SHA-256 is kept. */
  readonly newAdminToken?: string;
  /** Fingerprint of the key generated on the first start. */
  readonly newKey?: string;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Prepares the embedded default in `dataDir` (mode 0700): an OpenPGP keystore with one
 * Ed25519/cv25519 key (generated on the first start, its secret key encrypted with a random
 * passphrase kept in `secrets/local.passphrase`, mode 0600), an `admin` application allowed
 * everything (its token is made on the first start and only its SHA-256 is stored), the audit
 * log, a Unix socket and loopback HTTP. Nothing outside npm is needed.
 */
export async function prepareEmbedded(dataDir: string): Promise<EmbeddedSetup> {
  const config = defaultGatewayConfig(dataDir);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const secrets = join(config.dataDir, 'secrets');
  await mkdir(secrets, { recursive: true, mode: 0o700 });
  const passphrasePath = join(secrets, `${DEFAULT_PROVIDER_ID}.passphrase`);
  let passphrase = await readIfExists(passphrasePath);
  if (passphrase === undefined) {
    passphrase = randomBytes(32).toString('base64url');
    await writeFile(passphrasePath, `${passphrase}\n`, { mode: 0o600, flag: 'wx' });
  }
  const provider = config.providers[0];
  if (provider === undefined) throw new Error('the default config has no provider');
  provider.secret = { file: passphrasePath };

  const keystore = await Keystore.open(String(provider.options['dir']), { provider: provider.id });
  let newKey: string | undefined;
  if ((await keystore.list()).length === 0) {
    const entry = await generateOpenPgpKey(keystore, {
      userIds: ['keyroute gateway <keyroute@localhost>'],
      passphrase,
    });
    newKey = entry.fingerprint;
  }

  const tokenPath = join(secrets, 'admin.sha256');
  let tokenSha256 = await readIfExists(tokenPath);
  let newAdminToken: string | undefined;
  if (tokenSha256 === undefined) {
    newAdminToken = newToken();
    tokenSha256 = hashToken(newAdminToken);
    await writeFile(tokenPath, `${tokenSha256}\n`, { mode: 0o600, flag: 'wx' });
  }
  config.apps.push({ name: 'admin', tokenSha256, allow: [{ keys: ['*'], ops: [...OPS] }] });
  return {
    config,
    ...(newAdminToken === undefined ? {} : { newAdminToken }),
    ...(newKey === undefined ? {} : { newKey }),
  };
}
