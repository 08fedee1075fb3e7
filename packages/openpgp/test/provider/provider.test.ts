import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hasErrorCode,
  loadProvider,
  staticSecret,
  type EncryptResult,
  type SecretRequest,
} from '@keyroute/core';
import { generateKey, revokeKey } from 'openpgp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenPgpProvider, type OpenPgpProvider } from '../../src/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-openpgp-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = new TextEncoder().encode('keyroute openpgp provider test\n');

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function ciphertextOf(result: EncryptResult): Uint8Array {
  if (result.scheme === 'ecdh') throw new Error('an OpenPGP message was expected');
  return result.ciphertext;
}

async function signer(provider: OpenPgpProvider): Promise<string> {
  const key = (await provider.listKeys()).find((candidate) => candidate.usages.includes('sign'));
  if (key === undefined) throw new Error('no signing key');
  return key.id;
}

describe('openpgp provider', () => {
  it('generates a protected key, asks for its passphrase once, keeps it unlocked', async () => {
    const asked: SecretRequest[] = [];
    const answers = ['wrong horse', 'right horse'];
    await using provider = await createOpenPgpProvider({
      dir,
      secrets: (request) => {
        asked.push(request);
        return answers.shift();
      },
    });
    const keys = await provider.generateKey({
      userIds: ['Alice <alice@keyroute.test>'],
      passphrase: 'right horse',
    });
    expect(keys.map((key) => [key.algorithm.kind, key.usages, key.details?.['protected']])).toEqual(
      [
        ['ed25519', ['sign', 'certify'], true],
        ['x25519', ['decrypt'], true],
      ],
    );
    const id = await signer(provider);
    const wrong = await rejection(provider.sign({ key: id, data }));
    expect(hasErrorCode(wrong, 'BAD_SECRET')).toBe(true);
    expect(`${wrong.message} ${String(wrong.stack)}`).not.toContain('wrong horse');
    const first = await provider.sign({ key: id, data });
    const second = await provider.sign({ key: id, data, format: 'openpgp' });
    expect(asked.map((request) => [request.kind, request.attempt])).toEqual([
      ['passphrase', 1],
      ['passphrase', 2],
    ]);
    expect((await provider.verify({ key: id, data, signature: first.signature })).valid).toBe(true);
    const verified = await provider.verify({
      key: id,
      data,
      signature: second.signature,
      format: 'openpgp',
    });
    expect(verified).toMatchObject({ valid: true, signer: { fingerprint: id } });
    expect(verified.signer?.createdAt).toBeInstanceOf(Date);
  });

  it('makes and verifies cleartext and inline signatures, returning only the signed content', async () => {
    await using provider = await createOpenPgpProvider({ dir });
    await provider.generateKey({ userIds: ['Bob'], allowUnencrypted: true });
    const id = await signer(provider);
    for (const mode of ['cleartext', 'inline'] as const) {
      const signed = await provider.sign({ key: id, data, format: 'openpgp', openpgp: { mode } });
      const result = await provider.verify({
        key: id,
        data: new Uint8Array(),
        signature: signed.signature,
        format: 'openpgp',
      });
      expect(result.valid, mode).toBe(true);
      const content = new TextDecoder().decode(result.data);
      // Cleartext signatures normalise trailing whitespace and line ends (RFC 9580 §7.1).
      expect(content.trimEnd(), mode).toBe(new TextDecoder().decode(data).trimEnd());
      const other = await provider.verify({
        key: id,
        data: new TextEncoder().encode('something else'),
        signature: signed.signature,
        format: 'openpgp',
      });
      expect(other.valid, mode).toBe(false);
      expect(other.data, mode).toBeUndefined();
    }
  });

  it('reports a revoked signer distinctly and refuses to encrypt to a revoked certificate', async () => {
    await using provider = await createOpenPgpProvider({ dir });
    await provider.generateKey({ userIds: ['Carol'], allowUnencrypted: true });
    const id = await signer(provider);
    const signed = await provider.sign({ key: id, data, format: 'openpgp' });
    const [entry] = await provider.keystore.list();
    const secret =
      entry === undefined ? undefined : await provider.keystore.readSecretKey(entry.fingerprint);
    if (secret === undefined) throw new Error('no secret key');
    const { publicKey: revoked } = await revokeKey({ key: secret, format: 'object' });
    await provider.keystore.mergeCertificate(revoked);
    provider.reload();
    const result = await provider.verify({
      key: id,
      data,
      signature: signed.signature,
      format: 'openpgp',
    });
    expect(result).toMatchObject({ valid: false, reason: 'the signing key is revoked' });
    const refused = await rejection(
      provider.encrypt({ key: id, scheme: 'openpgp', plaintext: data }),
    );
    expect(hasErrorCode(refused, 'UNSUPPORTED')).toBe(true);
  });

  it('stages, validates and accepts a certificate; then encrypts to it', async () => {
    await using provider = await createOpenPgpProvider({ dir });
    const { publicKey, privateKey } = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'Dave', email: 'dave@keyroute.test' }],
      format: 'armored',
    });
    const staged = await provider.staging.stage(publicKey);
    expect(staged.report).toMatchObject({ valid: true, canEncrypt: true });
    expect(await provider.listKeys()).toHaveLength(0);
    await provider.staging.accept(staged.fingerprint);
    provider.reload();
    const keys = await provider.listKeys();
    expect(keys.map((key) => key.hasPrivateKey)).toEqual([false, false]);
    const encrypted = await provider.encrypt({
      key: staged.fingerprint,
      scheme: 'openpgp',
      plaintext: data,
    });
    // Only Dave's secret key decrypts it: check with openpgp.js directly.
    const openpgp = await import('openpgp');
    const message = await openpgp.readMessage({
      armoredMessage: new TextDecoder().decode(ciphertextOf(encrypted)),
    });
    const decrypted = await openpgp.decrypt({
      message,
      decryptionKeys: await openpgp.readPrivateKey({ armoredKey: privateKey }),
      format: 'binary',
    });
    expect(Buffer.from(decrypted.data)).toEqual(Buffer.from(data));
    const refused = await rejection(provider.sign({ key: staged.fingerprint, data }));
    expect(hasErrorCode(refused, 'UNSUPPORTED')).toBe(true);
  });

  it('decrypt refuses a message addressed to another key', async () => {
    await using provider = await createOpenPgpProvider({ dir });
    await provider.generateKey({ userIds: ['Eve'], allowUnencrypted: true });
    await provider.generateKey({ userIds: ['Frank'], allowUnencrypted: true });
    const keys = await provider.listKeys();
    const [eve, frank] = keys.filter((key) => key.usages.includes('decrypt'));
    if (eve === undefined || frank === undefined) throw new Error('two decryption keys expected');
    const encrypted = await provider.encrypt({ key: eve.id, scheme: 'openpgp', plaintext: data });
    const refused = await rejection(
      provider.decrypt({ key: frank.id, scheme: 'openpgp', message: ciphertextOf(encrypted) }),
    );
    expect(hasErrorCode(refused, 'INVALID_INPUT')).toBe(true);
    const decrypted = await provider.decrypt({
      key: eve.id,
      scheme: 'openpgp',
      message: ciphertextOf(encrypted),
    });
    expect(decrypted.scheme === 'openpgp' && Buffer.from(decrypted.plaintext)).toEqual(
      Buffer.from(data),
    );
  });

  it('loads from an openpgp: URI and rejects bad options', async () => {
    await using provider = await loadProvider(`openpgp:${dir}`, { secrets: staticSecret('x') });
    expect(provider.kind).toBe('openpgp');
    const unknown = await rejection(loadProvider({ type: 'openpgp', dir, passphrase: 'x' }));
    expect(hasErrorCode(unknown, 'INVALID_INPUT')).toBe(true);
    const missing = await rejection(createOpenPgpProvider({ dir: '' }));
    expect(hasErrorCode(missing, 'INVALID_INPUT')).toBe(true);
    const weak = await rejection(
      (await createOpenPgpProvider({ dir })).generateKey({ userIds: ['Grace'] }),
    );
    expect(hasErrorCode(weak, 'INVALID_INPUT')).toBe(true);
  });
});
