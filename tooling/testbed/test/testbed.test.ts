import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGpgHome,
  createOpenPgpKeyFolder,
  createSoftHsmToken,
  DEFAULT_GPG_KEYS,
  DEFAULT_OPENPGP_KEYS,
  DEFAULT_SOFTHSM_KEYS,
  requireTool,
} from '../src/index.js';
import type { GpgHome, OpenPgpKeyFolder, SoftHsmToken } from '../src/index.js';

// Every check below uses a tool other than the one the testbed used to build the thing: ps and
// /proc for daemons, gpg-connect-agent for the agent's keys, pkcs11-tool/openssl/node:crypto for
// the token, openpgp.js and gpg for the key folder.

/** `ps` state of a pid, or undefined when ps does not know it. */
async function processState(pid: number): Promise<{ state: string; command: string } | undefined> {
  const result = await execa('ps', ['-o', 'stat=,comm=', '-p', String(pid)], { reject: false });
  const [state, command] = result.stdout.trim().split(/\s+/);
  return result.exitCode === 0 && state !== undefined && command !== undefined
    ? { state, command }
    : undefined;
}

/** A zombie has exited (pid 1 of a container may never reap it): it counts as gone. */
async function isRunning(pid: number): Promise<boolean> {
  const state = await processState(pid);
  return state !== undefined && !state.state.startsWith('Z');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `[GNUPG:] KEYWORD args` lines of gpg --status-fd output, parsed strictly. */
function statusLines(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('[GNUPG:] '))
    .map((line) => line.slice('[GNUPG:] '.length).split(' '));
}

function gpgEnv(home: GpgHome): Record<string, string> {
  return { ...home.env };
}

describe('requireTool', () => {
  it('resolves an installed command to an absolute executable path', async () => {
    const path = await requireTool('gpg', 'gnupg');
    expect(path).toMatch(/^\//);
    expect((await stat(path)).isFile()).toBe(true);
  });

  it('names the Debian package when the command is missing', async () => {
    await expect(requireTool('kr-no-such-tool', 'kr-package')).rejects.toThrow(
      'kr-no-such-tool not found: install the Debian package "kr-package" (apt-get install -y kr-package)',
    );
  });
});

describe('createGpgHome with the default keys', () => {
  let home: GpgHome;

  beforeAll(async () => {
    home = await createGpgHome();
  });

  afterAll(async () => {
    await home.dispose();
  });

  it('lives in its own short temporary directory with the agent socket inside', async () => {
    expect(home.homedir).toMatch(/\/kr-[A-Za-z0-9]{6}$/);
    expect(home.env).toEqual({ GNUPGHOME: home.homedir });
    expect(Buffer.byteLength(home.agentSocket)).toBeLessThan(108);
    expect((await stat(home.agentSocket)).isSocket()).toBe(true);
    const conf = await readFile(join(home.homedir, 'gpg-agent.conf'), 'utf8');
    expect(conf).toContain('allow-loopback-pinentry\n');
  });

  it('lists a primary key for every default spec and a subkey where the spec has one', () => {
    for (const spec of DEFAULT_GPG_KEYS) {
      const keys = home.keys.filter((key) => key.spec === spec.name);
      expect(keys.map((key) => [key.role, key.type, key.usage])).toEqual([
        ['primary', spec.primary, 'sc'],
        ...(spec.subkey === undefined ? [] : [['subkey', spec.subkey, 'e']]),
      ]);
      for (const key of keys) {
        expect(key.keygrip).toMatch(/^[0-9A-F]{40}$/);
        expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
        expect(key.fingerprint.endsWith(key.keyId)).toBe(true);
        expect(key.primaryFingerprint).toBe(keys[0]?.fingerprint);
        expect(key.userId).toBe(`${spec.name} <${spec.name.toLowerCase()}@keyroute.test>`);
        expect(key.passphrase).toBe(spec.passphrase);
      }
    }
    expect(home.keys).toHaveLength(
      DEFAULT_GPG_KEYS.reduce((count, spec) => count + (spec.subkey === undefined ? 1 : 2), 0),
    );
  });

  it('has every key in the agent, protected exactly where a passphrase was given', async () => {
    const { stdout } = await execa('gpg-connect-agent', ['KEYINFO --list', '/bye'], {
      env: gpgEnv(home),
      extendEnv: true,
    });
    // S KEYINFO <keygrip> D <serial> <idstr> <cached> <protection> <fpr> <ttl> <flags>
    const protection = new Map(
      stdout
        .split('\n')
        .map((line) => line.split(' '))
        .filter((words) => words[0] === 'S' && words[1] === 'KEYINFO')
        .map((words) => [words[2], words[7]]),
    );
    expect(protection.size).toBe(home.keys.length);
    for (const key of home.keys) {
      expect(protection.get(key.keygrip)).toBe(key.passphrase === undefined ? 'C' : 'P');
    }
  });

  it('agrees with gpg run directly on the fingerprints of the secret keys', async () => {
    const { stdout } = await execa('gpg', ['--batch', '--with-colons', '--list-secret-keys'], {
      env: gpgEnv(home),
      extendEnv: true,
    });
    const fingerprints = stdout
      .split('\n')
      .filter((line) => line.startsWith('fpr:'))
      .map((line) => line.split(':')[9]);
    expect(fingerprints.sort()).toEqual(home.keys.map((key) => key.fingerprint).sort());
  });

  it('signs and verifies a detached signature with every unprotected primary key', async () => {
    const data = join(home.homedir, 'message.txt');
    await writeFile(data, 'keyroute testbed message\n');
    for (const key of home.keys.filter((k) => k.role === 'primary' && k.passphrase === undefined)) {
      const signature = join(home.homedir, `${key.spec}.sig`);
      await home.gpg([
        '--local-user',
        key.fingerprint,
        '--output',
        signature,
        '--detach-sign',
        data,
      ]);
      const verified = await execa(
        'gpg',
        ['--batch', '--status-fd', '1', '--verify', signature, data],
        {
          env: gpgEnv(home),
          extendEnv: true,
        },
      );
      const validsig = statusLines(verified.stdout).find((words) => words[0] === 'VALIDSIG');
      expect(validsig?.[1]).toBe(key.fingerprint);
    }
    await writeFile(data, 'tampered\n');
    const tampered = await execa(
      'gpg',
      ['--batch', '--status-fd', '1', '--verify', join(home.homedir, 'ed25519.sig'), data],
      { env: gpgEnv(home), extendEnv: true, reject: false },
    );
    expect(tampered.exitCode).not.toBe(0);
    expect(statusLines(tampered.stdout).map((words) => words[0])).toContain('BADSIG');
  });

  it('needs the passphrase for the protected key and fails fast without one', async () => {
    const key = home.keys.find((k) => k.spec === 'protected' && k.role === 'primary');
    if (key?.passphrase === undefined) throw new Error('default keys lack a protected key');
    const sign = (extra: string[]) =>
      home.gpg([...extra, '--local-user', key.fingerprint, '--armor', '--detach-sign'], {
        input: 'data',
      });
    await expect(sign([])).rejects.toThrow(/No pinentry/);
    await expect(sign(['--pinentry-mode', 'loopback', '--passphrase', 'wrong'])).rejects.toThrow(
      /Bad passphrase/,
    );
    const signed = await sign(['--pinentry-mode', 'loopback', '--passphrase', key.passphrase]);
    expect(signed.stdout).toContain('-----BEGIN PGP SIGNATURE-----');
    // No passphrase cache by default: the earlier success does not unlock the key.
    await expect(sign([])).rejects.toThrow(/No pinentry/);
  });

  it('never shows a passphrase in an error message', async () => {
    const error: unknown = await home
      .gpg(['--pinentry-mode', 'loopback', '--passphrase', 'kr-secret-value', '--no-such-option'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('--passphrase ***');
    expect((error as Error).message).not.toContain('kr-secret-value');
  });

  it('exports public keys that openpgp.js reads with the same fingerprint and subkeys', async () => {
    for (const spec of ['rsa2048', 'ed25519', 'nistp256']) {
      const binaryKey = await home.exportPublicKey(spec);
      const key = await openpgp.readKey({ binaryKey });
      const expected = home.keys.filter((k) => k.spec === spec);
      expect(key.getFingerprint().toUpperCase()).toBe(expected[0]?.fingerprint);
      expect(key.subkeys.map((subkey) => subkey.getFingerprint().toUpperCase())).toEqual(
        expected.slice(1).map((k) => k.fingerprint),
      );
    }
    await expect(home.exportPublicKey('nope')).rejects.toThrow(/no key spec "nope"/);
  });
});

describe('createGpgHome lifecycle', () => {
  it('stops its agent by pid and removes its directory on dispose, idempotently', async () => {
    const home = await createGpgHome({ keys: [{ name: 'solo', primary: 'ed25519' }] });
    const pid = home.agentPid;
    if (pid === undefined) throw new Error('no agent pid recorded');
    expect(await processState(pid)).toMatchObject({ command: 'gpg-agent' });
    expect(await isRunning(pid)).toBe(true);
    const reported = await execa('gpg-connect-agent', ['--no-autostart', 'GETINFO pid', '/bye'], {
      env: gpgEnv(home),
      extendEnv: true,
    });
    expect(reported.stdout).toContain(`D ${pid}\n`);

    await home[Symbol.asyncDispose]();
    expect(await isRunning(pid)).toBe(false);
    expect(await exists(home.homedir)).toBe(false);
    await home.dispose();
    await expect(home.gpg(['--version'])).rejects.toThrow(/disposed/);
  });

  it('restarts the agent, and also stops one that gpg auto-started', async () => {
    const home = await createGpgHome({ keys: [{ name: 'solo', primary: 'nistp256' }] });
    try {
      const first = home.agentPid;
      if (first === undefined) throw new Error('no agent pid recorded');
      await home.stopAgent();
      expect(home.agentPid).toBeUndefined();
      expect(await isRunning(first)).toBe(false);

      await home.startAgent();
      const second = home.agentPid;
      if (second === undefined) throw new Error('no agent pid after startAgent');
      expect(second).not.toBe(first);
      expect(await isRunning(second)).toBe(true);

      // Stop it, then let gpg auto-start an agent that the home did not launch itself.
      await home.stopAgent();
      await home.gpg(['--armor', '--detach-sign'], { input: 'data' });
      const reported = await execa('gpg-connect-agent', ['--no-autostart', 'GETINFO pid', '/bye'], {
        env: gpgEnv(home),
        extendEnv: true,
      });
      const autostarted = Number(/^D (\d+)$/m.exec(reported.stdout)?.[1]);
      expect(await isRunning(autostarted)).toBe(true);
      await home.dispose();
      expect(await isRunning(autostarted)).toBe(false);
    } finally {
      await home.dispose();
    }
  });

  it('gives parallel homes separate directories, sockets and agents', async () => {
    const homes = await Promise.all([
      createGpgHome({ keys: [{ name: 'a', primary: 'ed25519' }] }),
      createGpgHome({ keys: [{ name: 'b', primary: 'ed25519' }] }),
    ]);
    try {
      const [a, b] = homes;
      expect(a.homedir).not.toBe(b.homedir);
      expect(a.agentSocket).not.toBe(b.agentSocket);
      expect(a.agentPid).not.toBe(b.agentPid);
      const listed = await execa('gpg', ['--batch', '--with-colons', '--list-keys'], {
        env: gpgEnv(a),
        extendEnv: true,
      });
      expect(listed.stdout).toContain('a <a@keyroute.test>');
      expect(listed.stdout).not.toContain('b <b@keyroute.test>');
    } finally {
      await Promise.all(homes.map((home) => home.dispose()));
    }
  });

  it('rejects specs it cannot generate before creating anything', async () => {
    await expect(createGpgHome({ keys: [{ name: 'x', primary: 'cv25519' }] })).rejects.toThrow(
      /cv25519 cannot be a \(signing\) primary key/,
    );
    await expect(
      createGpgHome({ keys: [{ name: 'x', primary: 'ed25519', subkey: 'ed25519' }] }),
    ).rejects.toThrow(/ed25519 cannot be an encryption subkey/);
    await expect(
      createGpgHome({
        keys: [
          { name: 'x', primary: 'ed25519' },
          { name: 'x', primary: 'nistp256' },
        ],
      }),
    ).rejects.toThrow(/used twice/);
  });
});

describe('createSoftHsmToken with the default keys', () => {
  let token: SoftHsmToken;

  const pkcs11Tool = (args: string[]) =>
    execa('pkcs11-tool', ['--module', token.module, ...args], { env: token.env, extendEnv: true });

  beforeAll(async () => {
    token = await createSoftHsmToken();
  });

  afterAll(async () => {
    await token.dispose();
  });

  it('uses a private config that points at its own token directory', async () => {
    expect(token.env).toEqual({ SOFTHSM2_CONF: token.conf });
    expect(token.conf).toBe(join(token.dir, 'softhsm2.conf'));
    const conf = await readFile(token.conf, 'utf8');
    expect(conf).toContain(`directories.tokendir = ${token.dir}/tokens\n`);
    expect(conf).toContain('objectstore.backend = file\n');
    expect((await stat(token.module)).isFile()).toBe(true);
  });

  it('reports the serial that pkcs11-tool -L shows for the label', async () => {
    const { stdout } = await pkcs11Tool(['-L']);
    const labels = [...stdout.matchAll(/token label\s*: (.*)$/gm)].map((m) => m[1]?.trim());
    const serials = [...stdout.matchAll(/serial num\s*: (.*)$/gm)].map((m) => m[1]?.trim());
    expect(labels).toEqual([token.label]);
    expect(serials).toEqual([token.serial]);
    expect(token.serial).toMatch(/^[0-9a-f]{16}$/);
  });

  it('stores a private key, a public key and the requested certificates', async () => {
    const { stdout } = await pkcs11Tool([
      '--token-label',
      token.label,
      '--login',
      '--pin',
      token.pin,
      '-O',
    ]);
    const objects = stdout
      .split(/\n(?=\S)/)
      .map((block) => ({
        kind: /^(Private Key|Public Key|Certificate) Object/.exec(block)?.[1],
        label: /^\s+label:\s+(.*)$/m.exec(block)?.[1]?.trim(),
        id: /^\s+ID:\s+(.*)$/m.exec(block)?.[1]?.trim(),
      }))
      .map((o) => `${o.kind ?? '?'} ${o.id ?? '?'} ${o.label ?? '?'}`)
      .sort();
    const expected = DEFAULT_SOFTHSM_KEYS.flatMap((spec) => [
      `Private Key ${spec.id} ${spec.label}`,
      `Public Key ${spec.id} ${spec.label}`,
      ...(spec.certificate === true ? [`Certificate ${spec.id} ${spec.label}`] : []),
    ]).sort();
    expect(objects).toEqual(expected);
  });

  it('returns public keys node:crypto parses as the requested algorithm and size', () => {
    expect(token.keys.map((key) => [key.id, key.label, key.type])).toEqual(
      DEFAULT_SOFTHSM_KEYS.map((spec) => [spec.id, spec.label, spec.type]),
    );
    for (const key of token.keys) {
      const publicKey = createPublicKey({
        key: Buffer.from(key.publicKeySpki),
        format: 'der',
        type: 'spki',
      });
      const [family, parameter] = key.type.split(':');
      if (family === 'rsa') {
        expect(publicKey.asymmetricKeyType).toBe('rsa');
        expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(Number(parameter));
      } else if (parameter === 'edwards25519') {
        expect(publicKey.asymmetricKeyType).toBe('ed25519');
      } else {
        expect(publicKey.asymmetricKeyType).toBe('ec');
        expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe(parameter);
      }
    }
  });

  it('stores self-signed certificates openssl parses, holding the same public key', async () => {
    const withCert = token.keys.filter((key) => key.certificate !== undefined);
    expect(withCert.map((key) => key.id)).toEqual(
      DEFAULT_SOFTHSM_KEYS.filter((spec) => spec.certificate === true).map((spec) => spec.id),
    );
    for (const key of withCert) {
      const { stdout } = await execa(
        'openssl',
        ['x509', '-inform', 'DER', '-noout', '-subject', '-issuer', '-pubkey'],
        { input: key.certificate ?? new Uint8Array() },
      );
      expect(stdout).toContain(`subject=CN = keyroute testbed ${key.label}\n`);
      expect(stdout).toContain(`issuer=CN = keyroute testbed ${key.label}\n`);
      const pem = stdout.slice(stdout.indexOf('-----BEGIN PUBLIC KEY-----'));
      const fromCert = createPublicKey(pem).export({ format: 'der', type: 'spki' });
      expect(Buffer.compare(fromCert, Buffer.from(key.publicKeySpki))).toBe(0);
    }
  });

  it('signs on the token with keys that verify against the returned public keys', async () => {
    const data = Buffer.from('keyroute testbed data');
    const work = join(token.dir, 'work');
    await writeFile(join(work, 'data.bin'), data);
    // SoftHSM 2.6.1 has no CKM_ECDSA_SHA256: sign the SHA-256 digest with plain CKM_ECDSA.
    await writeFile(join(work, 'data.sha256'), createHash('sha256').update(data).digest());
    const cases = [
      { id: '01', input: 'data.bin', args: ['--mechanism', 'SHA256-RSA-PKCS'] },
      {
        id: '02',
        input: 'data.sha256',
        args: ['--mechanism', 'ECDSA', '--signature-format', 'openssl'],
      },
    ];
    for (const { id, input, args } of cases) {
      const output = join(work, `${id}.sig`);
      await pkcs11Tool([
        ...['--token-label', token.label, '--login', '--pin', token.pin, '--sign', '--id', id],
        ...args,
        ...['--input-file', join(work, input), '--output-file', output],
      ]);
      const key = token.keys.find((k) => k.id === id);
      const publicKey = createPublicKey({
        key: Buffer.from(key?.publicKeySpki ?? new Uint8Array()),
        format: 'der',
        type: 'spki',
      });
      const signature = await readFile(output);
      expect(verifySignature('sha256', data, publicKey, signature)).toBe(true);
      expect(verifySignature('sha256', Buffer.from('other data'), publicKey, signature)).toBe(
        false,
      );
    }
  });

  it('adds a second token with its own serial to the same store', async () => {
    const second = await token.addToken('second');
    expect(second.serial).toMatch(/^[0-9a-f]{16}$/);
    expect(second.serial).not.toBe(token.serial);
    const { stdout } = await pkcs11Tool(['-L']);
    expect(stdout).toMatch(new RegExp(`token label\\s*: second\\s*$`, 'm'));
    expect(stdout).toMatch(new RegExp(`serial num\\s*: ${second.serial}\\s*$`, 'm'));
    await expect(token.addToken('second')).rejects.toThrow(/already used/);
  });
});

describe('createSoftHsmToken lifecycle', () => {
  it('keeps parallel stores apart and removes its directory on dispose', async () => {
    const tokens = await Promise.all([
      createSoftHsmToken({ label: 'left', keys: [{ id: 'aa', label: 'k', type: 'EC:secp521r1' }] }),
      createSoftHsmToken({ label: 'right', keys: [] }),
    ]);
    const [left, right] = tokens;
    try {
      const shown = await execa('softhsm2-util', ['--show-slots'], {
        env: right.env,
        extendEnv: true,
      });
      expect(shown.stdout).toMatch(/Label:\s+right\s*$/m);
      expect(shown.stdout).not.toMatch(/Label:\s+left\s*$/m);
      const p521 = createPublicKey({
        key: Buffer.from(left.keys[0]?.publicKeySpki ?? new Uint8Array()),
        format: 'der',
        type: 'spki',
      });
      expect(p521.asymmetricKeyDetails?.namedCurve).toBe('secp521r1');
    } finally {
      await left[Symbol.asyncDispose]();
      await right.dispose();
      await right.dispose();
    }
    expect(await exists(left.dir)).toBe(false);
    expect(await exists(right.dir)).toBe(false);
  });
});

describe('createOpenPgpKeyFolder with the default keys', () => {
  let folder: OpenPgpKeyFolder;

  beforeAll(async () => {
    folder = await createOpenPgpKeyFolder();
  });

  afterAll(async () => {
    await folder.dispose();
  });

  it('writes armored public and secret files named by fingerprint', async () => {
    expect(folder.keys.map((key) => key.name)).toEqual(DEFAULT_OPENPGP_KEYS.map((s) => s.name));
    for (const key of folder.keys) {
      expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
      expect(key.keyId).toBe(key.fingerprint.slice(-16));
      expect(key.publicPath).toBe(join(folder.dir, 'public', `${key.fingerprint}.asc`));
      expect(key.secretPath).toBe(join(folder.dir, 'secret', `${key.fingerprint}.asc`));
      expect(await readFile(key.publicPath, 'utf8')).toBe(key.armoredPublicKey);
      expect(await readFile(key.secretPath, 'utf8')).toBe(key.armoredPrivateKey);
      expect(key.armoredPublicKey).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      expect(key.armoredPrivateKey).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
      expect((await stat(key.secretPath)).mode & 0o077).toBe(0);
    }
  });

  it('has keys openpgp.js parses with the requested algorithms, the protected one encrypted', async () => {
    for (const key of folder.keys) {
      const spec = DEFAULT_OPENPGP_KEYS.find((s) => s.name === key.name);
      const publicKey = await openpgp.readKey({
        armoredKey: await readFile(key.publicPath, 'utf8'),
      });
      const privateKey = await openpgp.readPrivateKey({
        armoredKey: await readFile(key.secretPath, 'utf8'),
      });
      expect(publicKey.isPrivate()).toBe(false);
      expect(privateKey.getFingerprint().toUpperCase()).toBe(key.fingerprint);
      expect(privateKey.getUserIDs()).toEqual([key.userId]);
      expect(privateKey.keyPacket.version).toBe(4);
      const algorithms = [privateKey, ...privateKey.subkeys].map((k) => k.getAlgorithmInfo());
      expect(algorithms).toEqual(
        spec?.type === 'ecc'
          ? [
              { algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' },
              { algorithm: 'ecdh', curve: 'curve25519Legacy' },
            ]
          : [
              { algorithm: 'rsaEncryptSign', bits: 3072 },
              { algorithm: 'rsaEncryptSign', bits: 3072 },
            ],
      );
      expect(privateKey.isDecrypted()).toBe(spec?.passphrase === undefined);
      expect(key.passphrase).toBe(spec?.passphrase);
    }
    const protectedKey = folder.keys.find((key) => key.passphrase !== undefined);
    if (protectedKey?.passphrase === undefined)
      throw new Error('default keys lack a protected key');
    const encrypted = await openpgp.readPrivateKey({ armoredKey: protectedKey.armoredPrivateKey });
    await expect(
      openpgp.decryptKey({ privateKey: encrypted, passphrase: 'wrong' }),
    ).rejects.toThrow();
    const decrypted = await openpgp.decryptKey({
      privateKey: encrypted,
      passphrase: protectedKey.passphrase,
    });
    expect(decrypted.isDecrypted()).toBe(true);
  });

  it('has keys GnuPG 2.2 imports and whose openpgp.js signatures it verifies', async () => {
    const home = await createGpgHome({ keys: [] });
    try {
      for (const key of folder.keys) {
        const imported = await home.gpg(['--status-fd', '1', '--import', key.secretPath]);
        expect(statusLines(imported.stdout)).toContainEqual(['IMPORT_OK', '17', key.fingerprint]);
      }
      const ecc = folder.keys.find((key) => key.name === 'ecc');
      if (ecc === undefined) throw new Error('default keys lack ecc');
      const message = await openpgp.createMessage({ text: 'from openpgp.js' });
      // openpgp.js's return type mentions DOM stream types this package's lib does not load.
      const signature = (await openpgp.sign({
        message,
        signingKeys: await openpgp.readPrivateKey({ armoredKey: ecc.armoredPrivateKey }),
        detached: true,
      })) as string;
      const sigPath = join(home.homedir, 'openpgp.sig');
      await writeFile(sigPath, signature);
      const verified = await home.gpg(['--status-fd', '1', '--verify', sigPath, '-'], {
        input: 'from openpgp.js',
      });
      expect(statusLines(verified.stdout).find((w) => w[0] === 'VALIDSIG')?.[1]).toBe(
        ecc.fingerprint,
      );
    } finally {
      await home.dispose();
    }
  });

  it('removes the folder when an `await using` block ends, and dispose stays idempotent', async () => {
    let dir = '';
    let secretPath = '';
    {
      await using small = await createOpenPgpKeyFolder({
        keys: [{ name: 'x', type: 'ecc', userId: 'Ex Ample <ex@example.org>' }],
      });
      dir = small.dir;
      secretPath = small.keys[0]?.secretPath ?? '';
      expect(small.keys[0]?.userId).toBe('Ex Ample <ex@example.org>');
      expect(await exists(secretPath)).toBe(true);
      await small.dispose();
    }
    expect(await exists(dir)).toBe(false);
  });
});

describe('abort', () => {
  it('rejects with the reason of an already aborted signal', async () => {
    const reason = new Error('kr: aborted before start');
    const signal = AbortSignal.abort(reason);
    await expect(createGpgHome({ keys: [], signal })).rejects.toBe(reason);
    await expect(createSoftHsmToken({ keys: [], signal })).rejects.toBe(reason);
    await expect(createOpenPgpKeyFolder({ keys: [], signal })).rejects.toBe(reason);
  });

  it('rejects with the reason when aborted while gpg generates keys', async () => {
    const reason = new Error('kr: aborted during key generation');
    const controller = new AbortController();
    const creating = createGpgHome({ signal: controller.signal });
    setTimeout(() => {
      controller.abort(reason);
    }, 150);
    await expect(creating).rejects.toBe(reason);
  });
});
