/**
 * Interop with real GnuPG 2.2, both ways: signatures made by the provider verified by
 * `gpg --verify` / `gpg --decrypt`, signatures made by `gpg --detach-sign`, `--clearsign` and
 * `--sign` verified by the provider; messages encrypted by the provider decrypted by
 * `gpg --decrypt`, messages made by `gpg --encrypt` decrypted by the provider. Keys made by
 * openpgp.js (imported into GnuPG) and keys made by GnuPG (exported into the keystore folder),
 * Ed25519/cv25519 and RSA-3072, protected and unprotected. gpg's status lines are checked
 * strictly (GOODSIG + VALIDSIG with the fingerprint, DECRYPTION_OKAY + GOODMDC).
 */
import { readFile } from 'node:fs/promises';
import type { OpenPgpSignOptions } from '@keyroute/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGpgVerifier } from '../gpg.js';
import { createGpgRunner, expectDecrypted, expectGoodSignature, statusFields } from './gnupg.js';
import { binaryOf, readPackets } from './packets.js';
import {
  createInteropWorld,
  GNUPG_KEYS,
  OPENPGPJS_KEYS,
  type InteropKey,
  type InteropWorld,
} from './world.js';

const ALL_KEYS = [...OPENPGPJS_KEYS, ...GNUPG_KEYS];
/** Binary data: every byte value, so a text-mode mangling would show. */
const DATA = new Uint8Array(
  Buffer.concat([Buffer.from('keyroute ↔ GnuPG\r\n'), Buffer.from([...Array(256).keys()])]),
);
/** Text for cleartext signatures: non-ASCII, and lines gpg must dash-escape. */
const TEXT = 'keyroute cleartext ↔ GnuPG: Grüße\n- a line starting with a dash\n-----\nlast line';
const TEXT_BYTES = new TextEncoder().encode(TEXT);

let world: InteropWorld;

beforeAll(async () => {
  world = await createInteropWorld();
});

afterAll(async () => {
  await world[Symbol.asyncDispose]();
});

function unlock(key: InteropKey): { passphrase?: string } {
  return key.passphrase === undefined ? {} : { passphrase: key.passphrase };
}

/** The provider asked its secret source for exactly this key's passphrase (protected keys). */
function expectAskedFor(key: InteropKey): void {
  if (key.passphrase === undefined) return;
  expect(world.asked).toContainEqual(
    expect.objectContaining({ kind: 'passphrase', key: key.fingerprint, provider: 'openpgp' }),
  );
}

function expectArmor(bytes: Uint8Array, armored: boolean, label: string): void {
  const head = Buffer.from(bytes.subarray(0, 40)).toString('latin1');
  expect(head.startsWith(`-----BEGIN PGP ${label}-----`)).toBe(armored);
}

/** Whether a signature was created within the last few minutes (gpg counts whole seconds). */
function expectRecent(date: Date | undefined): void {
  expect(date).toBeInstanceOf(Date);
  const age = Date.now() - (date?.getTime() ?? 0);
  expect(age).toBeGreaterThan(-5_000);
  expect(age).toBeLessThan(300_000);
}

interface OurMode {
  readonly label: string;
  readonly openpgp: Required<OpenPgpSignOptions>;
}

const OUR_MODES: readonly OurMode[] = [
  { label: 'detached, armored', openpgp: { mode: 'detached', armor: true } },
  { label: 'detached, binary', openpgp: { mode: 'detached', armor: false } },
  { label: 'cleartext', openpgp: { mode: 'cleartext', armor: true } },
  { label: 'inline, armored', openpgp: { mode: 'inline', armor: true } },
  { label: 'inline, binary', openpgp: { mode: 'inline', armor: false } },
];

describe.each(ALL_KEYS)('signatures by %s', (name) => {
  test.each(OUR_MODES)('ours ($label) verify with gpg', async ({ openpgp }) => {
    const key = world.key(name);
    const data = openpgp.mode === 'cleartext' ? TEXT_BYTES : DATA;
    const signed = await world.provider.sign({
      key: key.fingerprint,
      data,
      format: 'openpgp',
      openpgp,
    });
    expect(signed.format).toBe('openpgp');
    expect(signed.scheme).toBe(key.algorithm === 'rsa' ? 'pkcs1v15' : 'eddsa');
    expectAskedFor(key);
    const file = await world.gpg.file(signed.signature);
    if (openpgp.mode === 'detached') {
      expectArmor(signed.signature, openpgp.armor, 'SIGNATURE');
      if (!openpgp.armor) expect(readPackets(signed.signature).map((p) => p.tag)).toEqual([2]);
      const run = await world.gpg.run(['--verify', file, await world.gpg.file(data)]);
      expectGoodSignature(run, key.fingerprint, '00');
      // The same signature over other data is bad.
      const other = await world.gpg.run(['--verify', file, await world.gpg.file(TEXT_BYTES)]);
      expect(other.exitCode).not.toBe(0);
      expect(statusFields(other, 'BADSIG')).toHaveLength(1);
      expect(statusFields(other, 'GOODSIG')).toHaveLength(0);
      return;
    }
    expectArmor(
      signed.signature,
      openpgp.armor,
      openpgp.mode === 'cleartext' ? 'SIGNED MESSAGE' : 'MESSAGE',
    );
    if (openpgp.mode === 'inline' && !openpgp.armor) {
      expect(readPackets(signed.signature).map((p) => p.tag)).toEqual([4, 11, 2]);
    }
    const sigClass = openpgp.mode === 'cleartext' ? '01' : '00';
    expectGoodSignature(await world.gpg.run(['--verify', file]), key.fingerprint, sigClass);
    // gpg --decrypt checks the signature again and prints the signed content.
    const run = await world.gpg.run(['--decrypt', file]);
    expectGoodSignature(run, key.fingerprint, sigClass);
    if (openpgp.mode === 'cleartext') {
      // gpg prints the signed text as it stands in the armor (canonical CRLF line ends) plus a
      // final newline; the signature covers the text with its line ends canonicalized.
      const printed = Buffer.from(run.stdout).toString('utf8');
      expect(printed.replace(/\r\n/g, '\n')).toBe(`${TEXT}\n`);
    } else {
      expect(Buffer.from(run.stdout).equals(data)).toBe(true);
    }
    // Our verify reads its own output back, too.
    const verified = await world.provider.verify({
      key: key.fingerprint,
      data: new Uint8Array(0),
      signature: signed.signature,
      format: 'openpgp',
    });
    expect(verified.valid).toBe(true);
    expect(Buffer.from(verified.data ?? []).equals(data)).toBe(true);
  });

  const GPG_MODES = [
    { label: 'gpg --detach-sign', args: ['--detach-sign'], shape: 'detached' },
    { label: 'gpg --armor --detach-sign', args: ['--armor', '--detach-sign'], shape: 'detached' },
    { label: 'gpg --clearsign', args: ['--clearsign'], shape: 'cleartext' },
    { label: 'gpg --sign', args: ['--sign'], shape: 'inline' },
    { label: 'gpg --armor --sign', args: ['--armor', '--sign'], shape: 'inline' },
  ] as const;

  test.each(GPG_MODES)('$label verifies with the provider', async ({ args, shape }) => {
    const key = world.key(name);
    const data = shape === 'cleartext' ? TEXT_BYTES : DATA;
    const output = world.gpg.path();
    const made = await world.gpg.run(
      [
        '--local-user',
        `${key.fingerprint}!`,
        '--output',
        output,
        ...args,
        await world.gpg.file(data),
      ],
      unlock(key),
    );
    expect(made.exitCode, made.stderr).toBe(0);
    // SIG_CREATED <type> <pk algo> <hash algo> <class> <timestamp> <fingerprint>
    const created = statusFields(made, 'SIG_CREATED');
    expect(created).toHaveLength(1);
    expect(created[0]?.[5]).toBe(key.fingerprint);
    expect(created[0]?.[0]).toBe(shape === 'detached' ? 'D' : shape === 'cleartext' ? 'C' : 'S');
    const signature = new Uint8Array(await readFile(output));

    const result = await world.provider.verify({
      key: key.fingerprint,
      data: shape === 'detached' ? data : new Uint8Array(0),
      signature,
      format: 'openpgp',
    });
    expect(result.reason).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(result.signer?.fingerprint).toBe(key.fingerprint);
    expectRecent(result.signer?.createdAt);
    if (shape === 'detached') {
      expect(result.data).toBeUndefined();
      const tampered = Uint8Array.from(data);
      tampered[0] = (tampered[0] ?? 0) ^ 1;
      const bad = await world.provider.verify({
        key: key.fingerprint,
        data: tampered,
        signature,
        format: 'openpgp',
      });
      expect(bad.valid).toBe(false);
    } else {
      expect(Buffer.from(result.data ?? []).toString('utf8')).toBe(
        Buffer.from(data).toString('utf8'),
      );
      expect(Buffer.from(result.data ?? []).equals(data)).toBe(true);
      // Naming the content: the same content verifies, other content does not.
      const same = await world.provider.verify({
        key: key.fingerprint,
        data,
        signature,
        format: 'openpgp',
      });
      expect(same.valid).toBe(true);
      const other = await world.provider.verify({
        key: key.fingerprint,
        data: new TextEncoder().encode('other content'),
        signature,
        format: 'openpgp',
      });
      expect(other.valid).toBe(false);
      expect(other.data).toBeUndefined();
    }
  });
});

describe.each(ALL_KEYS)('encryption to %s', (name) => {
  test.each([true, false])('ours (armor %s) decrypts with gpg --decrypt', async (armor) => {
    const key = world.key(name);
    const encrypted = await world.provider.encrypt({
      key: key.fingerprint,
      scheme: 'openpgp',
      plaintext: DATA,
      armor,
    });
    if (encrypted.scheme !== 'openpgp') throw new Error('not an OpenPGP message');
    expectArmor(encrypted.ciphertext, armor, 'MESSAGE');
    const tags = readPackets(await binaryOf(encrypted.ciphertext)).map((p) => p.tag);
    expect(tags).toEqual([1, 18]);
    const run = await world.gpg.run(
      ['--decrypt', await world.gpg.file(encrypted.ciphertext)],
      unlock(key),
    );
    expectDecrypted(run, [key.encryptionKeyId]);
    expect(Buffer.from(run.stdout).equals(DATA)).toBe(true);
  });

  test.each([true, false])('gpg --encrypt (armor %s) decrypts with the provider', async (armor) => {
    const key = world.key(name);
    const output = world.gpg.path();
    const made = await world.gpg.run([
      ...(armor ? ['--armor'] : []),
      '--recipient',
      key.fingerprint,
      '--output',
      output,
      '--encrypt',
      await world.gpg.file(DATA),
    ]);
    expect(made.exitCode, made.stderr).toBe(0);
    expect(statusFields(made, 'END_ENCRYPTION')).toHaveLength(1);
    const message = new Uint8Array(await readFile(output));
    expectArmor(message, armor, 'MESSAGE');
    const packets = readPackets(await binaryOf(message));
    expect(packets.map((p) => p.tag)).toEqual([1, 18]);
    // The session key is encrypted to the encryption subkey (key ID after the version byte).
    const recipient = Buffer.from(packets[0]?.body.subarray(1, 9) ?? []).toString('hex');
    expect(recipient.toUpperCase()).toBe(key.encryptionKeyId);

    const decrypted = await world.provider.decrypt({
      key: key.encryptionFingerprint,
      scheme: 'openpgp',
      message,
    });
    if (decrypted.scheme === 'ecdh') throw new Error('not a message decryption');
    expect(Buffer.from(decrypted.plaintext).equals(DATA)).toBe(true);
    expectAskedFor(key);
  });
});

describe('key references and several recipients', () => {
  test('openpgp:<FPR> and keyid:<16 hex> name the same signing key', async () => {
    const key = world.key('gpg-ed25519');
    for (const reference of [`openpgp:${key.fingerprint}`, `keyid:${key.fingerprint.slice(-16)}`]) {
      const signed = await world.provider.sign({
        key: reference,
        data: DATA,
        format: 'openpgp',
        openpgp: { mode: 'detached', armor: false },
      });
      const run = await world.gpg.run([
        '--verify',
        await world.gpg.file(signed.signature),
        await world.gpg.file(DATA),
      ]);
      expectGoodSignature(run, key.fingerprint, '00');
    }
  });

  test('a message to two recipients (additionalRecipients) decrypts for each', async () => {
    const first = world.key('js-ed25519');
    const second = world.key('gpg-rsa3072-locked');
    const encrypted = await world.provider.encrypt({
      key: first.fingerprint,
      scheme: 'openpgp',
      plaintext: DATA,
      additionalRecipients: [second.fingerprint],
      armor: false,
    });
    if (encrypted.scheme !== 'openpgp') throw new Error('not an OpenPGP message');
    expect(readPackets(encrypted.ciphertext).map((p) => p.tag)).toEqual([1, 1, 18]);

    for (const key of [first, second]) {
      const decrypted = await world.provider.decrypt({
        key: key.encryptionFingerprint,
        scheme: 'openpgp',
        message: encrypted.ciphertext,
      });
      if (decrypted.scheme === 'ecdh') throw new Error('not a message decryption');
      expect(Buffer.from(decrypted.plaintext).equals(DATA)).toBe(true);

      // A GnuPG home holding only this recipient's secret key decrypts it, too.
      await using alone = await createGpgVerifier();
      await using gpg = await createGpgRunner(alone.homedir);
      const imported = await gpg.run(
        ['--import', await gpg.file(key.armoredSecretKey)],
        unlock(key),
      );
      expect(imported.exitCode, imported.stderr).toBe(0);
      const run = await gpg.run(['--decrypt', await gpg.file(encrypted.ciphertext)], unlock(key));
      const others = [first, second].filter((other) => other !== key);
      expectDecrypted(
        run,
        [first.encryptionKeyId, second.encryptionKeyId],
        others.map((other) => other.encryptionKeyId),
      );
      expect(Buffer.from(run.stdout).equals(DATA)).toBe(true);
    }
  });
});
