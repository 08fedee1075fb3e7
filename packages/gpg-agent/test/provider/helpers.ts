import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretSource } from '@keyroute/core';
import type { GpgHome } from '@keyroute/testbed';
import { runOpenssl } from '../gnupg/x509.js';

/** A secret source answering the passphrase of every protected key of a home, counting calls. */
export function homeSecrets(home: GpgHome): SecretSource & { calls: number } {
  const byGrip = new Map(
    home.keys.flatMap((key) =>
      key.passphrase === undefined ? [] : [[key.keygrip, key.passphrase] as const],
    ),
  );
  const source = Object.assign(
    (request: { key: string }) => {
      source.calls += 1;
      return byGrip.get(request.key);
    },
    { calls: 0 },
  );
  return source;
}

/** Writes files into a fresh temporary directory, runs `use`, removes the directory. */
export async function withFiles<T>(
  files: Readonly<Record<string, Uint8Array | string>>,
  use: (paths: Record<string, string>) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kr-gpga-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      await writeFile(path, content);
      paths[name] = path;
    }
    return await use(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Verifies a detached OpenPGP signature with `gpg --verify`, reading only `--status-fd` lines. */
export async function gpgVerifies(
  home: GpgHome,
  signature: Uint8Array,
  data: Uint8Array,
  fingerprint: string | undefined,
): Promise<boolean> {
  return withFiles({ sig: signature, data }, async (paths) => {
    let stdout: string;
    try {
      ({ stdout } = await home.gpg([
        '--status-fd',
        '1',
        '--verify',
        paths['sig'] ?? '',
        paths['data'] ?? '',
      ]));
    } catch {
      return false;
    }
    const lines = stdout.split('\n').filter((line) => line.startsWith('[GNUPG:] '));
    const valid = lines.find((line) => line.startsWith('[GNUPG:] VALIDSIG '));
    if (valid === undefined || !lines.some((line) => line.startsWith('[GNUPG:] GOODSIG '))) {
      return false;
    }
    return fingerprint === undefined || valid.split(' ')[2] === fingerprint;
  });
}

/** Verifies a detached CMS signature with `openssl cms -verify` against a PEM certificate. */
export async function opensslCmsVerifies(
  signature: Uint8Array,
  data: Uint8Array,
  certificatePem: string,
): Promise<boolean> {
  return withFiles({ sig: signature, data }, async (paths) => {
    const result = await runOpenssl([
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-in',
      paths['sig'] ?? '',
      '-binary',
      '-content',
      paths['data'] ?? '',
      '-CAfile',
      certificatePem,
      '-certfile',
      certificatePem,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    return result.exitCode === 0;
  });
}
