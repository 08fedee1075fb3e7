import { createPublicKey, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode, type Provider } from '@keyroute/core';
import { createGpgHome, type GpgHome } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpgAgentProvider } from '../../src/index.js';
import { runOpenssl } from '../gnupg/x509.js';
import { homeSecrets, withFiles } from './helpers.js';

let home: GpgHome;
let provider: Provider;

beforeAll(async () => {
  home = await createGpgHome({
    keys: [
      { name: 'rsa', primary: 'rsa2048', subkey: 'rsa2048' },
      { name: 'cv', primary: 'ed25519', subkey: 'cv25519', passphrase: 'open sesame' },
    ],
  });
  provider = createGpgAgentProvider({ homedir: home.homedir, secrets: homeSecrets(home) });
});

afterAll(async () => {
  await provider[Symbol.asyncDispose]();
  await home.dispose();
});

function subkeyOf(spec: string) {
  const key = home.keys.find((candidate) => candidate.spec === spec && candidate.role === 'subkey');
  if (key === undefined) throw new Error(`no subkey for ${spec}`);
  return key;
}

describe('decrypt', () => {
  it('decrypts what gpg --encrypt made for each encryption subkey (format openpgp)', async () => {
    for (const spec of ['rsa', 'cv']) {
      const subkey = subkeyOf(spec);
      const plaintext = new TextEncoder().encode(`secret for ${spec}\n`);
      const { stdout } = await home.gpg(
        [
          '--trust-model',
          'always',
          '--armor',
          '--encrypt',
          '--recipient',
          `${subkey.fingerprint}!`,
        ],
        { input: plaintext },
      );
      const result = await provider.decrypt({
        key: subkey.fingerprint,
        scheme: 'openpgp',
        message: new TextEncoder().encode(stdout),
      });
      expect(result.scheme).toBe('openpgp');
      expect('plaintext' in result && Buffer.from(result.plaintext).toString()).toBe(
        `secret for ${spec}\n`,
      );
    }
  });

  it('decrypts RSA-OAEP-SHA256 made by openssl pkeyutl from the listed public key', async () => {
    const subkey = subkeyOf('rsa');
    const key = await provider.getKey(subkey.keygrip);
    const pem = createPublicKey({ key: Buffer.from(key.publicKey), format: 'der', type: 'spki' })
      .export({ format: 'pem', type: 'spki' })
      .toString();
    const plaintext = randomBytes(32);
    const ciphertext = await withFiles({ 'key.pem': pem, plain: plaintext }, async (paths) => {
      const out = join(paths['plain'] ?? '', '..', 'cipher');
      const result = await runOpenssl([
        'pkeyutl',
        '-encrypt',
        '-pubin',
        '-inkey',
        paths['key.pem'] ?? '',
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha256',
        '-pkeyopt',
        'rsa_mgf1_md:sha256',
        '-in',
        paths['plain'] ?? '',
        '-out',
        out,
      ]);
      expect(result.exitCode, result.stderr).toBe(0);
      return new Uint8Array(await readFile(out));
    });
    const result = await provider.decrypt({ key: key.id, scheme: 'rsa-oaep', ciphertext });
    expect('plaintext' in result && Buffer.from(result.plaintext).equals(plaintext)).toBe(true);
  });

  it('refuses RSA PKCS #1 v1.5 decryption unless allowed', async () => {
    const subkey = subkeyOf('rsa');
    let error: unknown;
    try {
      await provider.decrypt({
        key: subkey.keygrip,
        scheme: 'rsa-pkcs1v15',
        ciphertext: new Uint8Array(256),
      });
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, 'UNSUPPORTED')).toBe(true);
  });
});
