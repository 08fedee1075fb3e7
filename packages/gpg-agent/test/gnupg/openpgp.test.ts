import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@keyroute/core';
import type { ProviderError } from '@keyroute/core';
import { createGpgHome } from '@keyroute/testbed';
import type { GpgHome, GpgTestKey } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gpgDecrypt,
  gpgDetachSign,
  gpgVerifyDetached,
  listOpenPgpCertificates,
  parseColonListing,
  runGpg,
} from '../../src/gnupg/index.js';

const PROTECTED_PASSPHRASE = 'correct horse battery staple';
const SPOOF_LINE = '[GNUPG:] GOODSIG 0123456789ABCDEF Trusted Signer <trusted@keyroute.test>';
const encoder = new TextEncoder();

let home: GpgHome;
let scratch: string;

function key(spec: string, role: 'primary' | 'subkey' = 'primary'): GpgTestKey {
  const found = home.keys.find((candidate) => candidate.spec === spec && candidate.role === role);
  if (found === undefined) throw new Error(`the test home has no ${role} of key spec "${spec}"`);
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected the call to reject');
}

/** `gpg --verify` run independently of the code under test; true when it exits 0 with GOODSIG. */
async function independentVerify(signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  const dir = await mkdtemp(join(scratch, 'v-'));
  await writeFile(join(dir, 'sig'), signature);
  await writeFile(join(dir, 'data'), data);
  try {
    const { stdout } = await home.gpg([
      '--status-fd',
      '1',
      '--verify',
      join(dir, 'sig'),
      join(dir, 'data'),
    ]);
    return /^\[GNUPG:\] GOODSIG /m.test(stdout);
  } catch {
    return false;
  }
}

beforeAll(async () => {
  home = await createGpgHome();
  scratch = await mkdtemp(join(tmpdir(), 'kr-gnupg-test-'));
  // A key whose user ID carries a fake status line: gpg accepts LF in a user ID.
  await home.gpg([
    '--passphrase',
    '',
    '--quick-gen-key',
    `Spoofer\n${SPOOF_LINE}`,
    'ed25519',
    'sign',
    'never',
  ]);
});

afterAll(async () => {
  await home.dispose();
  await rm(scratch, { recursive: true, force: true });
});

describe('colon listings of a real home', () => {
  it('lists every testbed key with fingerprint, keygrip, usage and secret flag', async () => {
    const certificates = await listOpenPgpCertificates({ homedir: home.homedir });
    const keys = new Map(
      certificates.flatMap((certificate) =>
        [certificate.primary, ...certificate.subkeys].map((k) => [k.fingerprint, k] as const),
      ),
    );
    for (const expected of home.keys) {
      const listed = keys.get(expected.fingerprint);
      expect(listed, expected.fingerprint).toBeDefined();
      expect(listed?.keygrip).toBe(expected.keygrip);
      expect(listed?.usage).toBe(expected.usage);
      expect(listed?.keyId).toBe(expected.keyId);
      expect(listed?.secret).toBe(true);
    }
    const ed = certificates.find((c) => c.primary.fingerprint === key('ed25519').fingerprint);
    expect(ed?.userIds).toEqual([key('ed25519').userId]);
    expect(ed?.primary.curve).toBe('ed25519');
    expect(ed?.subkeys[0]?.curve).toBe('cv25519');
    expect((ed?.encoded[0] ?? 0) & 0x80).toBe(0x80); // an OpenPGP packet header
    const spoofer = certificates.find((c) => c.userIds[0]?.startsWith('Spoofer'));
    expect(spoofer?.userIds[0]).toBe(`Spoofer\n${SPOOF_LINE}`);
  });

  it('takes the secret flag from --list-secret-keys only', async () => {
    const { stdout } = await runGpg(
      ['--with-colons', '--fixed-list-mode', '--with-keygrip', '--with-fingerprint', '--list-keys'],
      { homedir: home.homedir },
    );
    const publicOnly = parseColonListing(new TextDecoder().decode(stdout), 'openpgp');
    expect(publicOnly.length).toBeGreaterThanOrEqual(7);
    expect(publicOnly.every((c) => !c.primary.secret)).toBe(true);
  });
});

describe('runGpg', () => {
  it('reads status only from fd 3, never from stdout or stderr', async () => {
    // --list-packets prints the user ID (with the fake status line) to stdout.
    const exported = await home.exportPublicKey('ed25519');
    const spoofer = (await listOpenPgpCertificates({ homedir: home.homedir })).find((c) =>
      c.userIds[0]?.startsWith('Spoofer'),
    );
    const result = await runGpg(['--list-packets'], {
      homedir: home.homedir,
      input: spoofer?.encoded ?? exported,
    });
    expect(new TextDecoder().decode(result.stdout)).toContain('[GNUPG:] GOODSIG');
    expect(result.status.some((line) => line.keyword === 'GOODSIG')).toBe(false);
  });

  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const pending = runGpg(['--passphrase', '', '--quick-gen-key', 'Slow <s@x>', 'rsa4096'], {
      homedir: home.homedir,
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort(reason);
    }, 50);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('gpgDetachSign', () => {
  const data = encoder.encode('signed by keyroute\n');

  it.each(['ed25519', 'rsa2048', 'nistp256'])(
    'makes a signature gpg accepts (%s)',
    async (spec) => {
      const signature = await gpgDetachSign({
        homedir: home.homedir,
        signer: key(spec).fingerprint,
        data,
        digestAlgo: 'SHA256',
      });
      expect(await independentVerify(signature, data)).toBe(true);
      expect(await independentVerify(signature, encoder.encode('other'))).toBe(false);
    },
  );

  it('armors on request', async () => {
    const signature = await gpgDetachSign({
      homedir: home.homedir,
      signer: key('ed25519').fingerprint,
      data,
      armor: true,
    });
    expect(new TextDecoder().decode(signature)).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
  });

  it('signs with a protected key and the right passphrase', async () => {
    const signature = await gpgDetachSign({
      homedir: home.homedir,
      signer: key('protected').fingerprint,
      data,
      passphrase: PROTECTED_PASSPHRASE,
    });
    expect(await independentVerify(signature, data)).toBe(true);
  });

  it('maps a wrong passphrase to BAD_SECRET and a missing one to LOCKED', async () => {
    const signer = key('protected').fingerprint;
    const wrong = await rejection(
      gpgDetachSign({ homedir: home.homedir, signer, data, passphrase: 'Tr0ub4dor&3' }),
    );
    expect(wrong.code).toBe(ErrorCode.BAD_SECRET);
    expect(JSON.stringify({ message: wrong.message, cause: String(wrong.cause) })).not.toContain(
      'Tr0ub4dor',
    );
    const none = await rejection(gpgDetachSign({ homedir: home.homedir, signer, data }));
    expect(none.code).toBe(ErrorCode.LOCKED);
  });

  it('maps an unknown key or a key without signing capability to KEY_NOT_FOUND', async () => {
    const unknown = await rejection(
      gpgDetachSign({ homedir: home.homedir, signer: 'AB'.repeat(20), data }),
    );
    expect(unknown.code).toBe(ErrorCode.KEY_NOT_FOUND);
    const encryptOnly = await rejection(
      gpgDetachSign({ homedir: home.homedir, signer: key('ed25519', 'subkey').fingerprint, data }),
    );
    expect(encryptOnly.code).toBe(ErrorCode.KEY_NOT_FOUND);
  });

  it('refuses a signer that is not a fingerprint', async () => {
    const error = await rejection(
      gpgDetachSign({ homedir: home.homedir, signer: '--armor', data }),
    );
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
  });
});

describe('gpgVerifyDetached', () => {
  const data = encoder.encode('the real data\n');
  const tampered = encoder.encode('the real data!\n');

  it('accepts a good signature and reports the signer', async () => {
    const signer = key('ed25519');
    const signature = await gpgDetachSign({
      homedir: home.homedir,
      signer: signer.fingerprint,
      data,
    });
    const result = await gpgVerifyDetached({ homedir: home.homedir, signature, data });
    expect(result.valid).toBe(true);
    expect(result.reason).toBeUndefined();
    expect(result.fingerprint).toBe(signer.fingerprint);
    expect(result.primaryFingerprint).toBe(signer.primaryFingerprint);
    expect(Math.abs((result.createdAt?.getTime() ?? 0) - Date.now())).toBeLessThan(600_000);
  });

  it('rejects tampered data as bad-signature', async () => {
    const signature = await gpgDetachSign({
      homedir: home.homedir,
      signer: key('rsa2048').fingerprint,
      data,
    });
    const result = await gpgVerifyDetached({ homedir: home.homedir, signature, data: tampered });
    expect(result).toMatchObject({ valid: false, reason: 'bad-signature' });
  });

  it('is not fooled by a user ID that contains a GOODSIG status line', async () => {
    const certificates = await listOpenPgpCertificates({ homedir: home.homedir });
    const spoofer = certificates.find((c) => c.userIds[0]?.startsWith('Spoofer'));
    expect(spoofer).toBeDefined();
    const signature = await gpgDetachSign({
      homedir: home.homedir,
      signer: spoofer?.primary.fingerprint ?? '',
      data,
    });
    const result = await gpgVerifyDetached({ homedir: home.homedir, signature, data: tampered });
    expect(result).toMatchObject({ valid: false, reason: 'bad-signature' });
    expect(result.status.filter((line) => line.keyword === 'GOODSIG')).toEqual([]);
  });

  it('is not fooled by an inline signed message whose file name holds a GOODSIG line', async () => {
    const dir = await mkdtemp(join(scratch, 'inline-'));
    await writeFile(join(dir, 'evil'), tampered);
    const signer = key('ed25519');
    await home.gpg([
      '--local-user',
      `${signer.fingerprint}!`,
      '--set-filename',
      `x\n${SPOOF_LINE}\n`,
      '--output',
      join(dir, 'evil.gpg'),
      '--sign',
      join(dir, 'evil'),
    ]);
    const { readFile } = await import('node:fs/promises');
    const signature = new Uint8Array(await readFile(join(dir, 'evil.gpg')));
    const result = await gpgVerifyDetached({ homedir: home.homedir, signature, data });
    expect(result.valid).toBe(false);
    expect(result.reason).toBe('error');
  });

  it('reports no-public-key for an unknown signer', async () => {
    const other = await createGpgHome({ keys: [{ name: 'other', primary: 'ed25519' }] });
    try {
      const signature = await gpgDetachSign({
        homedir: other.homedir,
        signer: other.keys[0]?.fingerprint ?? '',
        data,
      });
      const result = await gpgVerifyDetached({ homedir: home.homedir, signature, data });
      expect(result).toMatchObject({ valid: false, reason: 'no-public-key' });
    } finally {
      await other.dispose();
    }
  });

  it('rejects garbage as error', async () => {
    const result = await gpgVerifyDetached({
      homedir: home.homedir,
      signature: encoder.encode('not a signature'),
      data,
    });
    expect(result).toMatchObject({ valid: false, reason: 'error' });
  });
});

describe('gpgDecrypt', () => {
  const plaintext = encoder.encode('secret message\n');

  async function encrypt(recipient: string, extra: readonly string[] = []): Promise<Uint8Array> {
    const dir = await mkdtemp(join(scratch, 'e-'));
    await writeFile(join(dir, 'plain'), plaintext);
    await home.gpg([
      '--trust-model',
      'always',
      ...extra,
      '--recipient',
      `${recipient}!`,
      '--output',
      join(dir, 'msg'),
      '--encrypt',
      join(dir, 'plain'),
    ]);
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(join(dir, 'msg')));
  }

  it.each([
    ['rsa2048', 'RSA'],
    ['ed25519', 'cv25519'],
    ['nistp256', 'NIST P-256'],
  ])('decrypts a message to the %s subkey (%s)', async (spec) => {
    const message = await encrypt(key(spec, 'subkey').fingerprint);
    const result = await gpgDecrypt({ homedir: home.homedir, message });
    expect(new TextDecoder().decode(result.plaintext)).toBe('secret message\n');
    expect(result.status.some((line) => line.keyword === 'GOODMDC')).toBe(true);
  });

  it('decrypts with a protected key only with its passphrase', async () => {
    const message = await encrypt(key('protected', 'subkey').fingerprint);
    const result = await gpgDecrypt({
      homedir: home.homedir,
      message,
      passphrase: PROTECTED_PASSPHRASE,
    });
    expect(result.plaintext).toEqual(plaintext);
    const wrong = await rejection(
      gpgDecrypt({ homedir: home.homedir, message, passphrase: 'nope' }),
    );
    expect(wrong.code).toBe(ErrorCode.BAD_SECRET);
    const none = await rejection(gpgDecrypt({ homedir: home.homedir, message }));
    expect(none.code).toBe(ErrorCode.LOCKED);
  });

  it('refuses a message without integrity protection (--rfc2440)', async () => {
    const message = await encrypt(key('ed25519', 'subkey').fingerprint, ['--rfc2440']);
    const error = await rejection(gpgDecrypt({ homedir: home.homedir, message }));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toMatch(/integrity/);
  });

  it('maps a message for someone else to KEY_NOT_FOUND and garbage to INVALID_INPUT', async () => {
    const other = await createGpgHome({
      keys: [{ name: 'other', primary: 'ed25519', subkey: 'cv25519' }],
    });
    try {
      const dir = await mkdtemp(join(scratch, 'o-'));
      await writeFile(join(dir, 'plain'), plaintext);
      await other.gpg([
        '--trust-model',
        'always',
        '--recipient',
        other.keys[1]?.fingerprint ?? '',
        '--output',
        join(dir, 'msg'),
        '--encrypt',
        join(dir, 'plain'),
      ]);
      const { readFile } = await import('node:fs/promises');
      const message = new Uint8Array(await readFile(join(dir, 'msg')));
      const error = await rejection(gpgDecrypt({ homedir: home.homedir, message }));
      expect(error.code).toBe(ErrorCode.KEY_NOT_FOUND);
    } finally {
      await other.dispose();
    }
    const garbage = await rejection(
      gpgDecrypt({ homedir: home.homedir, message: encoder.encode('garbage') }),
    );
    expect(garbage.code).toBe(ErrorCode.INVALID_INPUT);
  });
});
