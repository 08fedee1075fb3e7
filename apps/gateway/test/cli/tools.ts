/** Checks made with tools other than keyroute: gpg, openssl, node:crypto. */
import { createPublicKey } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cleanEnv } from './harness.js';

/** A throw-away GnuPG home holding public keys only. */
export interface GpgVerifier {
  /** Runs `gpg --verify signature data`; resolves with its exit code and stderr. */
  verify(signature: string, data: string): Promise<{ exitCode: number; stderr: string }>;
  /** Stops the agent gpg may have started for this home. */
  close(): Promise<void>;
}

/** Creates a GnuPG home in `dir` and imports the armored public keys. */
export async function createGpgVerifier(
  dir: string,
  armoredPublicKeys: readonly string[],
): Promise<GpgVerifier> {
  const home = join(dir, 'gnupg');
  await mkdir(home, { mode: 0o700 });
  const env = cleanEnv({ GNUPGHOME: home });
  await execa('gpg', ['--batch', '--quiet', '--import'], {
    env,
    extendEnv: false,
    input: armoredPublicKeys.join('\n'),
  });
  return {
    async verify(signature, data) {
      const result = await execa('gpg', ['--batch', '--verify', signature, data], {
        env,
        extendEnv: false,
        reject: false,
      });
      return { exitCode: result.exitCode ?? -1, stderr: result.stderr };
    },
    async close() {
      await execa('gpgconf', ['--kill', 'all'], { env, extendEnv: false, reject: false });
    },
  };
}

/** Writes a DER SPKI (base64, as `keys --json` gives it) as a PEM file for openssl. */
export async function writePublicKeyPem(path: string, spkiBase64: string): Promise<string> {
  const pem = createPublicKey({
    key: Buffer.from(spkiBase64, 'base64'),
    format: 'der',
    type: 'spki',
  }).export({ type: 'spki', format: 'pem' });
  await writeFile(path, pem);
  return path;
}

/** `openssl dgst -<hash> -verify pem -signature sig data`: true when openssl says OK. */
export async function opensslVerifies(
  pem: string,
  signature: string,
  data: string,
  hash = 'sha256',
): Promise<boolean> {
  const result = await execa(
    'openssl',
    ['dgst', `-${hash}`, '-verify', pem, '-signature', signature, data],
    { reject: false },
  );
  return result.exitCode === 0 && result.stdout.includes('Verified OK');
}
