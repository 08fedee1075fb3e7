/**
 * `keyroute` key commands end to end against a local adapter (`--provider openpgp:<dir>`):
 * the built CLI in child processes, every signature checked by something else (openssl,
 * node:crypto, gpg), a 1 GiB sparse file signed with flat memory, and the exit codes.
 */
import {
  constants,
  createHash,
  createPublicKey,
  publicDecrypt,
  verify as nodeVerify,
} from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createOpenPgpKeyFolder,
  type OpenPgpFolderKey,
  type OpenPgpKeyFolder,
} from '@keyroute/testbed';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CERTIFICATE_JSON_FIELDS,
  KEY_JSON_FIELDS,
  type CertificateJson,
  type KeyJson,
} from '../../src/cli/commands/listing.js';
import {
  BIN,
  Cleanup,
  cleanEnv,
  requireBuiltCli,
  runCli,
  runCliMeasured,
  sha256OfFile,
  shortTempDir,
} from './harness.js';
import {
  createGpgVerifier,
  opensslVerifies,
  writePublicKeyPem,
  type GpgVerifier,
} from './tools.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const PASSPHRASE = 'kr-cli-passphrase';
/** DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

const cleanup = new Cleanup();
let folder: OpenPgpKeyFolder;
let work: { path: string; remove(): Promise<void> };
let gpg: GpgVerifier;
let target: string[];
let keysJson: KeyJson[];
let rsa: OpenPgpFolderKey;
let p256: OpenPgpFolderKey;
let ecc: OpenPgpFolderKey;
let locked: OpenPgpFolderKey;
/** A 1 GiB sparse file and its SHA-256. */
let big: string;
let bigDigest: Buffer;
/** A few MiB of random-ish data. */
let medium: string;

const file = (name: string): string => join(work.path, name);

function keyOf(fingerprint: string): KeyJson {
  const key = keysJson.find((candidate) => candidate.id === fingerprint);
  if (key === undefined) throw new Error(`no key ${fingerprint}`);
  return key;
}

/** The decryption subkey of a folder key. */
function subkeyOf(primary: OpenPgpFolderKey): KeyJson {
  const key = keysJson.find(
    (candidate) =>
      candidate.label === primary.userId &&
      candidate.id !== primary.fingerprint &&
      candidate.usages.includes('decrypt'),
  );
  if (key === undefined) throw new Error(`no subkey of ${primary.name}`);
  return key;
}

beforeAll(async () => {
  await requireBuiltCli();
  folder = cleanup.add(
    await createOpenPgpKeyFolder({
      keys: [
        { name: 'rsa', type: 'rsa3072' },
        { name: 'p256', type: 'p256' },
        { name: 'ecc', type: 'ecc' },
        { name: 'locked', type: 'ecc', passphrase: PASSPHRASE },
      ],
    }),
    (made) => made.dispose(),
  );
  const byName = (name: string): OpenPgpFolderKey => {
    const key = folder.keys.find((candidate) => candidate.name === name);
    if (key === undefined) throw new Error(name);
    return key;
  };
  [rsa, p256, ecc, locked] = [byName('rsa'), byName('p256'), byName('ecc'), byName('locked')];
  work = cleanup.add(await shortTempDir(), (made) => made.remove());
  target = ['--provider', `openpgp:${folder.dir}`];
  gpg = cleanup.add(
    await createGpgVerifier(
      work.path,
      folder.keys.map((key) => key.armoredPublicKey),
    ),
    (made) => made.close(),
  );
  big = file('big.bin');
  await writeFile(big, '');
  await truncate(big, GiB); // sparse: takes no disk
  bigDigest = await sha256OfFile(big);
  medium = file('medium.bin');
  const block = Buffer.alloc(MiB);
  for (let index = 0; index < block.length; index += 1) block[index] = (index * 31 + 7) & 0xff;
  await writeFile(medium, Buffer.concat([block, block, block, Buffer.from('end')]));
  const listed = await runCli(['keys', '--json', ...target]);
  expect(listed.exitCode, listed.stderr).toBe(0);
  keysJson = (JSON.parse(listed.text) as { keys: KeyJson[] }).keys;
});

afterAll(() => cleanup.run());

describe('keys and certs', () => {
  it('keys: a table for people with id, algorithm, usages and label', async () => {
    const run = await runCli(['keys', ...target]);
    expect(run.exitCode, run.stderr).toBe(0);
    const [header, ...rows] = run.text.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+ALGORITHM\s+USAGES\s+LABEL$/);
    expect(rows).toHaveLength(8); // four certificates, each a primary key and a subkey
    expect(run.text).toMatch(new RegExp(`${rsa.fingerprint}\\s+RSA-3072\\s+sign,certify\\s+rsa <`));
    expect(run.text).toMatch(new RegExp(`${p256.fingerprint}\\s+EC P-256\\s+sign`));
    expect(run.text).toMatch(new RegExp(`${ecc.fingerprint}\\s+Ed25519\\s+sign`));
  });

  it('keys --json: the published schema, exactly', async () => {
    // The schema is a contract: changing these lists is a breaking change.
    expect(KEY_JSON_FIELDS).toEqual({
      required: ['id', 'provider', 'algorithm', 'usages', 'hasPrivateKey', 'aliases', 'publicKey'],
      optional: ['label', 'expiresAt', 'revoked'],
    });
    const run = await runCli(['keys', '--json', ...target]);
    const parsed = JSON.parse(run.text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['keys']);
    expect(keysJson).toHaveLength(8);
    for (const key of keysJson) {
      const fields = Object.keys(key);
      for (const required of KEY_JSON_FIELDS.required) expect(fields).toContain(required);
      for (const field of fields) {
        expect([...KEY_JSON_FIELDS.required, ...KEY_JSON_FIELDS.optional]).toContain(field);
      }
      expect(key.provider).toBe('openpgp');
      expect(typeof key.hasPrivateKey).toBe('boolean');
      expect(Object.keys(key.aliases)).toEqual(
        expect.arrayContaining(['spkiSha256', 'openpgpFingerprint', 'openpgpKeyId']),
      );
      for (const value of Object.values(key.aliases)) expect(typeof value).toBe('string');
      expect(
        createPublicKey({ key: Buffer.from(key.publicKey, 'base64'), format: 'der', type: 'spki' }),
      ).toBeDefined();
    }
    expect(keyOf(rsa.fingerprint).algorithm).toEqual({ kind: 'rsa', bits: 3072 });
    expect(keyOf(p256.fingerprint).algorithm).toEqual({ kind: 'ec', curve: 'P-256' });
    expect(keyOf(ecc.fingerprint).algorithm).toEqual({ kind: 'ed25519' });
    expect(keyOf(rsa.fingerprint).usages).toEqual(['sign', 'certify']);
    expect(keyOf(rsa.fingerprint).label).toBe(rsa.userId);
  });

  it('certs: a table, and --json with the published schema', async () => {
    const table = await runCli(['certs', ...target]);
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.text.split('\n')[0]).toMatch(/^ID\s+TYPE\s+NOT AFTER\s+SUBJECT$/);
    expect(table.text).toContain(`${rsa.fingerprint}  openpgp`);
    expect(CERTIFICATE_JSON_FIELDS).toEqual({
      required: ['id', 'provider', 'type', 'subjects', 'fingerprint', 'boundKeys', 'encoded'],
      optional: ['issuer', 'serialNumber', 'notBefore', 'notAfter', 'revoked'],
    });
    const run = await runCli(['certs', '--json', ...target]);
    const parsed = JSON.parse(run.text) as { certificates: CertificateJson[] };
    expect(Object.keys(parsed)).toEqual(['certificates']);
    expect(parsed.certificates).toHaveLength(4);
    for (const certificate of parsed.certificates) {
      const fields = Object.keys(certificate);
      for (const required of CERTIFICATE_JSON_FIELDS.required) expect(fields).toContain(required);
      for (const field of fields) {
        expect([
          ...CERTIFICATE_JSON_FIELDS.required,
          ...CERTIFICATE_JSON_FIELDS.optional,
        ]).toContain(field);
      }
      expect(certificate.type).toBe('openpgp');
      expect(certificate.boundKeys).toHaveLength(2);
    }
  });
});

describe('sign and verify', () => {
  it('signs a 1 GiB sparse file with flat memory; openssl and node:crypto accept it', async () => {
    const signature = file('big.rsa.sig');
    const run = await runCliMeasured([
      'sign',
      ...target,
      '--key',
      rsa.fingerprint,
      '--in',
      big,
      '--out',
      signature,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.peakRssBytes).toBeLessThan(200 * MiB);
    expect(run.stderr).not.toContain('hashing'); // no progress line when stderr is no terminal
    const bytes = await readFile(signature);
    expect(bytes).toHaveLength(384);
    // The signature is over the SHA-256 this test computed by streaming the file itself.
    const publicKey = createPublicKey({
      key: Buffer.from(keyOf(rsa.fingerprint).publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    const recovered = publicDecrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
      bytes,
    );
    expect(recovered.equals(Buffer.concat([SHA256_DIGEST_INFO, bigDigest]))).toBe(true);
    const pem = await writePublicKeyPem(file('rsa.pem'), keyOf(rsa.fingerprint).publicKey);
    expect(await opensslVerifies(pem, signature, big)).toBe(true);
    const verified = await runCli([
      'verify',
      ...target,
      '--key',
      rsa.fingerprint,
      '--in',
      big,
      '--signature',
      signature,
    ]);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.text).toContain(`good signature by key "${rsa.fingerprint}"`);
  });

  it('--format openpgp over 1 GiB: gpg --verify accepts the detached signature', async () => {
    const signature = file('big.p256.asc');
    const run = await runCliMeasured([
      'sign',
      ...target,
      '--key',
      p256.fingerprint,
      '--in',
      big,
      '--format',
      'openpgp',
      '--out',
      signature,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.peakRssBytes).toBeLessThan(200 * MiB);
    expect((await readFile(signature, 'utf8')).startsWith('-----BEGIN PGP SIGNATURE-----')).toBe(
      true,
    );
    const checked = await gpg.verify(signature, big);
    expect(checked.exitCode, checked.stderr).toBe(0);
    expect(checked.stderr).toContain(`Good signature from "${p256.userId}"`);
  });

  it.each(['rsa', 'p256', 'ecc'] as const)(
    '--format openpgp with the %s key: gpg accepts it (armored and binary), keyroute verify too',
    async (name) => {
      const key = { rsa, p256, ecc }[name];
      for (const binary of [false, true]) {
        const signature = file(`medium.${name}.${binary ? 'sig' : 'asc'}`);
        const run = await runCli([
          'sign',
          ...target,
          '--key',
          key.fingerprint,
          '--in',
          medium,
          '--format',
          'openpgp',
          ...(binary ? ['--binary'] : []),
          '--out',
          signature,
        ]);
        expect(run.exitCode, run.stderr).toBe(0);
        const checked = await gpg.verify(signature, medium);
        expect(checked.exitCode, checked.stderr).toBe(0);
        expect(checked.stderr).toContain('Good signature');
        const verified = await runCli([
          'verify',
          ...target,
          '--key',
          key.fingerprint,
          '--in',
          medium,
          '--signature',
          signature,
          ...(binary ? ['--format', 'openpgp'] : []),
        ]);
        expect(verified.exitCode, verified.stderr).toBe(0);
      }
    },
  );

  it('verify exits 1 for a tampered input, a tampered signature or another key', async () => {
    const signature = file('tamper.p256.sig');
    const signed = await runCli([
      'sign',
      ...target,
      '--key',
      p256.fingerprint,
      '--in',
      medium,
      '--format',
      'openpgp',
      '--binary',
      '--out',
      signature,
    ]);
    expect(signed.exitCode, signed.stderr).toBe(0);
    const tampered = file('medium.tampered');
    const data = await readFile(medium);
    data[1000] = (data[1000] ?? 0) ^ 1;
    await writeFile(tampered, data);
    const badInput = await runCli([
      'verify',
      ...target,
      '--key',
      p256.fingerprint,
      '--in',
      tampered,
      '--signature',
      signature,
      '--format',
      'openpgp',
    ]);
    expect(badInput.exitCode).toBe(1);
    expect(badInput.stderr).toMatch(/BAD signature.*does not match/);
    // The hash prefix still matches: the provider's check of the signature itself fails.
    const signatureBytes = await readFile(signature);
    signatureBytes[signatureBytes.length - 3] =
      (signatureBytes[signatureBytes.length - 3] ?? 0) ^ 1;
    await writeFile(file('medium.p256.bad.sig'), signatureBytes);
    const badSignature = await runCli([
      'verify',
      ...target,
      '--key',
      p256.fingerprint,
      '--in',
      medium,
      '--signature',
      file('medium.p256.bad.sig'),
      '--format',
      'openpgp',
    ]);
    expect(badSignature.exitCode).toBe(1);
    expect(badSignature.stderr).toContain('BAD signature');
    const otherKey = await runCli([
      'verify',
      ...target,
      '--key',
      rsa.fingerprint,
      '--in',
      medium,
      '--signature',
      signature,
      '--format',
      'openpgp',
    ]);
    expect(otherKey.exitCode).toBe(1);
    expect(otherKey.stderr).toContain(`made by ${p256.fingerprint}`);
    // Raw signatures too.
    const raw = await runCli([
      'sign',
      ...target,
      '--key',
      rsa.fingerprint,
      '--in',
      medium,
      '--base64',
    ]);
    expect(raw.exitCode, raw.stderr).toBe(0);
    await writeFile(file('medium.rsa.b64'), raw.stdout);
    const rawBad = await runCli([
      'verify',
      ...target,
      '--key',
      rsa.fingerprint,
      '--in',
      tampered,
      '--signature',
      file('medium.rsa.b64'),
      '--base64',
    ]);
    expect(rawBad.exitCode).toBe(1);
    const rawGood = await runCli([
      'verify',
      ...target,
      '--key',
      rsa.fingerprint,
      '--in',
      medium,
      '--signature',
      file('medium.rsa.b64'),
      '--base64',
    ]);
    expect(rawGood.exitCode, rawGood.stderr).toBe(0);
  });

  it('ECDSA: --encoding der verifies with openssl; P1363 by default with node:crypto', async () => {
    const der = file('medium.p256.der');
    const run = await runCli([
      'sign',
      ...target,
      '--key',
      p256.fingerprint,
      '--in',
      medium,
      '--encoding',
      'der',
      '--out',
      der,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const pem = await writePublicKeyPem(file('p256.pem'), keyOf(p256.fingerprint).publicKey);
    expect(await opensslVerifies(pem, der, medium)).toBe(true);
    const p1363 = await runCli(['sign', ...target, '--key', p256.fingerprint, '--in', medium]);
    expect(p1363.stdout).toHaveLength(64);
    expect(
      nodeVerify(
        'sha256',
        await readFile(medium),
        { key: createPublicKey(await readFile(pem)), dsaEncoding: 'ieee-p1363' },
        p1363.stdout,
      ),
    ).toBe(true);
  });

  it('shows a progress line when stderr is a terminal and the input is over 64 MiB', async () => {
    const input = file('progress.bin');
    await writeFile(input, '');
    await truncate(input, 100 * MiB);
    const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, BIN, 'sign', ...target, '--key', rsa.fingerprint]
      .concat(['--in', input, '--out', file('progress.sig')])
      .map(quote)
      .join(' ');
    // util-linux script(1) runs the command on a pseudo-terminal.
    const run = await execa('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      env: cleanEnv(),
      extendEnv: false,
      reject: false,
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/hashing progress\.bin +\d+% \(\d+ of 100 MiB\)/);
  });

  it('Ed25519: pure EdDSA over small inputs from stdin; larger than 16 MiB is a usage error', async () => {
    const message = Buffer.from('a short message for pure EdDSA\n');
    const run = await runCli(['sign', ...target, '--key', ecc.fingerprint, '--in', '-'], {
      input: message,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toHaveLength(64);
    const publicKey = createPublicKey({
      key: Buffer.from(keyOf(ecc.fingerprint).publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    expect(nodeVerify(null, message, publicKey, run.stdout)).toBe(true);
    const tooLarge = await runCli(['sign', ...target, '--key', ecc.fingerprint, '--in', big]);
    expect(tooLarge.exitCode).toBe(2);
    expect(tooLarge.stderr).toContain('--format openpgp');
  });

  it('a protected key: LOCKED without --secret-env (exit 1, with a hint), signs with it', async () => {
    const without = await runCli(['sign', ...target, '--key', locked.fingerprint, '--in', medium]);
    expect(without.exitCode).toBe(1);
    expect(without.stderr).toContain('--secret-env');
    const run = await runCli(
      ['sign', ...target, '--key', locked.fingerprint, '--in', medium, '--secret-env', 'KR_PASS'],
      { env: cleanEnv({ KR_PASS: PASSPHRASE }) },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toHaveLength(64);
    expect(run.stderr).not.toContain(PASSPHRASE);
  });
});

describe('encrypt and decrypt', () => {
  it('round-trips an OpenPGP message (armored and binary) and RSA-OAEP', async () => {
    const plaintext = 'a plaintext for the command line\n';
    const armored = await runCli(['encrypt', ...target, '--key', rsa.fingerprint, '--in', '-'], {
      input: plaintext,
    });
    expect(armored.exitCode, armored.stderr).toBe(0);
    expect(armored.text.startsWith('-----BEGIN PGP MESSAGE-----')).toBe(true);
    await writeFile(file('message.asc'), armored.stdout);
    const decrypted = await runCli([
      'decrypt',
      ...target,
      '--key',
      subkeyOf(rsa).id,
      '--in',
      file('message.asc'),
    ]);
    expect(decrypted.exitCode, decrypted.stderr).toBe(0);
    expect(decrypted.text).toBe(plaintext);
    const binary = await runCli(
      ['encrypt', ...target, '--key', ecc.fingerprint, '--binary', '--out', file('message.gpg')],
      { input: plaintext },
    );
    expect(binary.exitCode, binary.stderr).toBe(0);
    const fromBinary = await runCli([
      'decrypt',
      ...target,
      '--key',
      subkeyOf(ecc).id,
      '--in',
      file('message.gpg'),
      '--out',
      file('out.txt'),
    ]);
    expect(fromBinary.exitCode, fromBinary.stderr).toBe(0);
    expect(await readFile(file('out.txt'), 'utf8')).toBe(plaintext);
    const oaep = await runCli(
      ['encrypt', ...target, '--key', subkeyOf(rsa).id, '--scheme', 'rsa-oaep', '--base64'],
      { input: plaintext },
    );
    expect(oaep.exitCode, oaep.stderr).toBe(0);
    await writeFile(file('oaep.b64'), oaep.stdout);
    const opened = await runCli([
      'decrypt',
      ...target,
      '--key',
      subkeyOf(rsa).id,
      '--scheme',
      'rsa-oaep',
      '--base64',
      '--in',
      file('oaep.b64'),
    ]);
    expect(opened.exitCode, opened.stderr).toBe(0);
    expect(opened.text).toBe(plaintext);
  });
});

describe('errors for people, and exit codes', () => {
  it('an unknown key exits 3 naming the reference and the closest candidates', async () => {
    const typo = `${rsa.fingerprint.slice(0, -1)}${rsa.fingerprint.endsWith('0') ? '1' : '0'}`;
    const run = await runCli(['sign', ...target, '--key', typo, '--in', medium]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`no key matches "${typo}"`);
    expect(run.stderr).toContain(`closest: "${rsa.fingerprint}"`);
    await writeFile(file('dummy.sig'), Buffer.alloc(64));
    const far = await runCli([
      'verify',
      ...target,
      '--key',
      'no-such-key',
      '--in',
      medium,
      '--signature',
      file('dummy.sig'),
    ]);
    expect(far.exitCode).toBe(3);
    expect(far.stderr).toContain('no key matches "no-such-key"');
    expect(far.stderr).toContain('keys there:');
  });

  it('usage errors exit 2 and show the synopsis', async () => {
    const cases: { args: string[]; message: string }[] = [
      { args: ['keys'], message: 'no target' },
      { args: ['keys', ...target, '--gateway', 'unix:/tmp/x.sock'], message: 'not both' },
      { args: ['keys', ...target, '--colour'], message: 'unknown flag --colour' },
      { args: ['sign', ...target, '--in', medium], message: '--key is required' },
      {
        args: ['sign', ...target, '--key', rsa.fingerprint, '--in', medium, '--hash', 'md5'],
        message: '--hash must be one of',
      },
      {
        args: ['sign', ...target, '--key', rsa.fingerprint, '--in', medium, '--scheme', 'eddsa'],
        message: 'does not fit',
      },
      { args: ['keys', '--gateway', 'openpgp:/tmp/x'], message: 'use --provider' },
      { args: ['keys', '--provider', 'nonsense'], message: 'cannot load a provider' },
    ];
    for (const { args, message } of cases) {
      const run = await runCli(args);
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(message);
    }
    const unknownCommand = await runCli(['bogus']);
    expect(unknownCommand.exitCode).toBe(2);
    const noFile = await runCli([
      'sign',
      ...target,
      '--key',
      rsa.fingerprint,
      '--in',
      file('none'),
    ]);
    expect(noFile.exitCode).toBe(1);
    expect(noFile.stderr).toContain('no such file');
  });

  it('help lists the key commands, the target flags and the exit codes', async () => {
    const run = await runCli(['help']);
    expect(run.exitCode).toBe(0);
    for (const text of [
      'keyroute keys',
      'keyroute sign',
      'keyroute verify',
      '--gateway',
      '--provider',
      'KEYROUTE_TOKEN',
      '3 key not found, 4 denied, 5',
    ]) {
      expect(run.text).toContain(text);
    }
  });
});

describe('token new', () => {
  it('--app prints a token, its SHA-256 and the apps[] entry; without --app as before', async () => {
    const run = await runCli(['token', 'new', '--app', 'ci-signer']);
    expect(run.exitCode, run.stderr).toBe(0);
    const token = /^token: {2}(kr_\S+)$/m.exec(run.text)?.[1];
    const sha256 = /^sha256: ([0-9a-f]{64})$/m.exec(run.text)?.[1];
    expect(token).toBeDefined();
    expect(sha256).toBe(
      createHash('sha256')
        .update(token ?? '')
        .digest('hex'),
    );
    const snippet = run.text.split('\n').find((line) => line.startsWith('{'));
    expect(JSON.parse(snippet ?? '')).toEqual({ name: 'ci-signer', token: { sha256 } });
    const plain = await runCli(['token', 'new']);
    expect(plain.exitCode).toBe(0);
    expect(plain.text).toMatch(/^token: {2}kr_\S+\nsha256: [0-9a-f]{64}\n$/);
    const bad = await runCli(['token', 'new', '--app']);
    expect(bad.exitCode).toBe(2);
  });
});
