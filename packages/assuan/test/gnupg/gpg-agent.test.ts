// The client against a real gpg-agent in a throw-away GNUPGHOME; node:crypto verifies what the
// agent signs and produces the ciphertexts it decrypts.
import {
  constants,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createGpgHome, DEFAULT_GPG_KEYS } from '@keyroute/testbed';
import type { GpgHome, GpgTestKey } from '@keyroute/testbed';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AssuanConnection } from '../../src/client/connection.js';
import type { TransactOptions } from '../../src/client/types.js';
import { connectGpgAgent } from '../../src/connect/gpg-agent.js';
import { AssuanError, AssuanProtocolError } from '../../src/errors.js';
import { atomOf, findList, padStart, parseSexp } from './sexp.js';

const SPECS = DEFAULT_GPG_KEYS.filter((spec) =>
  ['rsa2048', 'ed25519', 'protected'].includes(spec.name),
);

/** gpg-error codes and sources (libgpg-error err-codes.h / err-sources.h). */
const BAD_PASSPHRASE = 11;
const NO_SECKEY = 17;
/** GPG_ERR_ASS_CANCELED: gpg-agent's answer when its inquiry got CAN. */
const ASS_CANCELED = 277;
const SOURCE_GPG_AGENT = 4;

let home: GpgHome;
let agent: AssuanConnection;
/** Undo steps of the hooks, run last-first (a failed beforeAll leaves only what it made). */
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  home = await createGpgHome({ keys: SPECS });
  cleanup.push(() => home.dispose());
  agent = await connectGpgAgent({ homedir: home.homedir, launch: false });
  cleanup.push(() => agent.close());
});

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function keyOf(spec: string, role: 'primary' | 'subkey'): GpgTestKey {
  const key = home.keys.find((k) => k.spec === spec && k.role === role);
  if (key === undefined) throw new Error(`testbed has no ${role} of ${spec}`);
  return key;
}

function stripLeadingZeros(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return Buffer.from(bytes.subarray(i));
}

/** READKEY as a node:crypto public key (RSA, Ed25519 or X25519). */
async function readPublicKey(connection: AssuanConnection, keygrip: string): Promise<KeyObject> {
  const { data } = await connection.transact('READKEY', keygrip);
  const { value } = parseSexp(data);
  if (findList(value, 'rsa') !== undefined) {
    return createPublicKey({
      key: {
        kty: 'RSA',
        n: stripLeadingZeros(atomOf(value, 'n')).toString('base64url'),
        e: stripLeadingZeros(atomOf(value, 'e')).toString('base64url'),
      },
      format: 'jwk',
    });
  }
  const curve = Buffer.from(atomOf(value, 'curve')).toString();
  const q = atomOf(value, 'q');
  // GnuPG prefixes native-format points (Ed25519, Curve25519) with 0x40.
  expect(q[0]).toBe(0x40);
  const crv = curve === 'Ed25519' ? 'Ed25519' : curve === 'Curve25519' ? 'X25519' : undefined;
  if (crv === undefined) throw new Error(`unexpected curve ${curve}`);
  return createPublicKey({
    key: { kty: 'OKP', crv, x: Buffer.from(q.subarray(1)).toString('base64url') },
    format: 'jwk',
  });
}

/** SIGKEY + SETHASH + PKSIGN; returns the sig-val S-expression. */
async function pksign(
  connection: AssuanConnection,
  keygrip: string,
  digest: Uint8Array,
  options: TransactOptions = {},
): Promise<Uint8Array> {
  await connection.transact('SIGKEY', keygrip);
  await connection.transact('SETHASH', ['--hash=sha256', Buffer.from(digest).toString('hex')]);
  const { data } = await connection.transact('PKSIGN', [], options);
  return data;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

describe('gpg-agent over a Unix socket', () => {
  it('greets and reports the same version as gpg-agent --version', async () => {
    expect(agent.greeting).toMatch(/^Pleased to meet you/);
    const { stdout } = await execa('gpg-agent', ['--version']);
    const version = /^gpg-agent \(GnuPG\) (\S+)$/m.exec(stdout)?.[1];
    expect(version).toBeDefined();
    const { data } = await agent.transact('GETINFO', 'version');
    expect(Buffer.from(data).toString()).toBe(version);
  });

  it('talks to the testbed agent (GETINFO pid)', async () => {
    const { data } = await agent.transact('GETINFO', 'pid');
    expect(Number(Buffer.from(data).toString())).toBe(home.agentPid);
  });

  it('lists every testbed keygrip with KEYINFO --list, protected keys as P', async () => {
    const { status, data } = await agent.transact('KEYINFO', '--list');
    expect(data.byteLength).toBe(0);
    const listed = new Map(
      status
        .filter((line) => line.keyword === 'KEYINFO')
        .map((line) => {
          const fields = line.args.split(' ');
          return [fields[0], fields] as const;
        }),
    );
    expect(home.keys.length).toBe(6);
    for (const key of home.keys) {
      const fields = listed.get(key.keygrip);
      expect(fields, key.keygrip).toBeDefined();
      // <grip> <type D=disk> <serialno> <idstr> <cached> <protection P|C> …
      expect(fields?.[1]).toBe('D');
      expect(fields?.[5]).toBe(key.passphrase === undefined ? 'C' : 'P');
    }
  });

  it('READKEY returns a canonical S-expression public key', async () => {
    const rsa = keyOf('rsa2048', 'primary');
    const { data } = await agent.transact('READKEY', rsa.keygrip);
    expect(Buffer.from(data.subarray(0, 14)).toString('latin1')).toBe('(10:public-key');
    const { value, end } = parseSexp(data);
    expect(end).toBe(data.byteLength);
    expect(stripLeadingZeros(atomOf(value, 'n')).byteLength).toBe(256);
    expect([...stripLeadingZeros(atomOf(value, 'e'))]).toEqual([1, 0, 1]);

    const ed = await agent.transact('READKEY', keyOf('ed25519', 'primary').keygrip);
    expect(Buffer.from(atomOf(parseSexp(ed.data).value, 'curve')).toString()).toBe('Ed25519');
  });

  it('signs with Ed25519 (PKSIGN), verified by node:crypto', async () => {
    const key = keyOf('ed25519', 'primary');
    const publicKey = await readPublicKey(agent, key.keygrip);
    // gpg-agent 2.2 signs the bytes given as the "hash" as the EdDSA message.
    const message = sha256(Buffer.from('message for ed25519'));
    const sigVal = parseSexp(await pksign(agent, key.keygrip, message)).value;
    expect(findList(sigVal, 'eddsa')).toBeDefined();
    const signature = Buffer.concat([
      padStart(atomOf(sigVal, 'r'), 32),
      padStart(atomOf(sigVal, 's'), 32),
    ]);
    expect(verify(null, message, publicKey, signature)).toBe(true);
    expect(verify(null, sha256(Buffer.from('other')), publicKey, signature)).toBe(false);
  });

  it('signs with RSA (PKSIGN, PKCS#1 v1.5), verified by node:crypto', async () => {
    const key = keyOf('rsa2048', 'primary');
    const publicKey = await readPublicKey(agent, key.keygrip);
    // Sign until a signature holds a byte the agent must escape on the wire ('%', CR, LF: about
    // 95% of 256-byte signatures do), so the unescaping is checked by an independent verifier.
    let escaped = 0;
    for (let i = 0; i < 20 && escaped === 0; i++) {
      const message = Buffer.from(`message ${i} for rsa`);
      const sigVal = parseSexp(await pksign(agent, key.keygrip, sha256(message))).value;
      const signature = padStart(atomOf(sigVal, 's'), 256);
      const padding = constants.RSA_PKCS1_PADDING;
      expect(verify('sha256', message, { key: publicKey, padding }, signature)).toBe(true);
      escaped = signature.filter((byte) => byte === 0x25 || byte === 0x0a || byte === 0x0d).length;
    }
    expect(escaped).toBeGreaterThan(0);
  });

  it('decrypts an RSA ciphertext through INQUIRE CIPHERTEXT (PKDECRYPT)', async () => {
    const key = keyOf('rsa2048', 'subkey');
    const publicKey = await readPublicKey(agent, key.keygrip);
    const plaintext = randomBytes(32);
    const ciphertext = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
      plaintext,
    );
    const encVal = Buffer.concat([
      Buffer.from(`(7:enc-val(3:rsa(1:a${ciphertext.byteLength}:`, 'latin1'),
      ciphertext,
      Buffer.from(')))', 'latin1'),
    ]);
    await agent.transact('SETKEY', key.keygrip);
    const inquiries: string[] = [];
    const { data } = await agent.transact('PKDECRYPT', [], {
      onInquire: (keyword) => {
        inquiries.push(keyword);
        return encVal;
      },
    });
    expect(inquiries).toEqual(['CIPHERTEXT']);
    const { value } = parseSexp(data);
    // gpg-agent 2.2 returns the RSA block still PKCS#1 v1.5 padded: [00] 02 <random> 00 <plaintext>.
    const block = padStart(atomOf(value, 'value'), 256);
    expect(block[0]).toBe(0);
    expect(block[1]).toBe(2);
    expect(block[256 - 33]).toBe(0);
    expect(block.subarray(256 - 32).equals(plaintext)).toBe(true);
  });

  it('decrypts a cv25519 (ECDH) ciphertext to the shared point (PKDECRYPT)', async () => {
    const key = keyOf('ed25519', 'subkey');
    const recipient = await readPublicKey(agent, key.keygrip);
    const ephemeral = generateKeyPairSync('x25519');
    const ephemeralX = ephemeral.publicKey.export({ format: 'jwk' }).x ?? '';
    const e = Buffer.concat([Buffer.of(0x40), Buffer.from(ephemeralX, 'base64url')]);
    const encVal = Buffer.concat([
      Buffer.from(`(7:enc-val(4:ecdh(1:s1:x)(1:e${e.byteLength}:`, 'latin1'),
      e,
      Buffer.from(')))', 'latin1'),
    ]);
    await agent.transact('SETKEY', key.keygrip);
    const { data } = await agent.transact('PKDECRYPT', [], { onInquire: () => encVal });
    const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
    const point = atomOf(parseSexp(data).value, 'value');
    // The shared point in GnuPG's native format: 0x40 || X (little-endian, as X25519 gives it).
    expect(Buffer.from(point).equals(Buffer.concat([Buffer.of(0x40), shared]))).toBe(true);
  });

  it('fails with NO_SECKEY (17, source gpg-agent) for an unknown keygrip', async () => {
    const unknown = 'AB'.repeat(20);
    const error: unknown = await agent.transact('HAVEKEY', unknown).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssuanError);
    expect(error).toMatchObject({ code: NO_SECKEY, source: SOURCE_GPG_AGENT });
    expect(String(error)).toContain('HAVEKEY');
    expect(String(error)).not.toContain(unknown);
    // gpg-agent 2.2.40 accepts SIGKEY for any keygrip; PKSIGN then fails.
    await expect(pksign(agent, unknown, sha256(Buffer.from('x')))).rejects.toMatchObject({
      name: 'AssuanError',
      code: NO_SECKEY,
      source: SOURCE_GPG_AGENT,
    });
    expect(agent.closed).toBe(false);
  });

  it('runs 20 commands fired without awaiting in order', async () => {
    const { data: versionData } = await agent.transact('GETINFO', 'version');
    const version = Buffer.from(versionData).toString();
    const commands = Array.from({ length: 20 }, (_, i) =>
      i % 3 === 0
        ? (['NOP'] as const)
        : i % 3 === 1
          ? (['GETINFO', 'version'] as const)
          : (['GETINFO', 'pid'] as const),
    );
    const results = await Promise.all(commands.map(([name, arg]) => agent.transact(name, arg)));
    results.forEach((result, i) => {
      const text = Buffer.from(result.data).toString();
      expect(text).toBe(i % 3 === 0 ? '' : i % 3 === 1 ? version : String(home.agentPid));
    });
  });
});

describe('gpg-agent passphrases (loopback pinentry)', () => {
  let loopback: AssuanConnection;

  beforeAll(async () => {
    loopback = await connectGpgAgent({ homedir: home.homedir, launch: false });
    cleanup.push(() => loopback.close());
    await loopback.transact('OPTION', 'pinentry-mode=loopback');
  });

  it('answers INQUIRE PASSPHRASE and signs with the protected key', async () => {
    const key = keyOf('protected', 'primary');
    const passphrase = key.passphrase ?? '';
    expect(passphrase).not.toBe('');
    const publicKey = await readPublicKey(loopback, key.keygrip);
    const message = sha256(Buffer.from('protected message'));
    const onInquire = vi.fn(() => passphrase);
    const status: string[] = [];
    const sigVal = await pksign(loopback, key.keygrip, message, {
      onInquire,
      onStatus: (keyword, args) => status.push(`${keyword} ${args}`),
    });
    expect(onInquire).toHaveBeenCalledTimes(1);
    expect(onInquire.mock.calls[0]).toEqual(['PASSPHRASE', '', expect.any(AbortSignal)]);
    expect(status).toContain('INQUIRE_MAXLEN 255');
    const { value } = parseSexp(sigVal);
    const signature = Buffer.concat([
      padStart(atomOf(value, 'r'), 32),
      padStart(atomOf(value, 's'), 32),
    ]);
    expect(verify(null, message, publicKey, signature)).toBe(true);
  });

  it('fails with BAD_PASSPHRASE (11) for a wrong passphrase, asking once', async () => {
    const key = keyOf('protected', 'primary');
    const onInquire = vi.fn(() => 'not the passphrase');
    const error: unknown = await pksign(loopback, key.keygrip, sha256(Buffer.from('x')), {
      onInquire,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssuanError);
    expect(error).toMatchObject({ code: BAD_PASSPHRASE, source: SOURCE_GPG_AGENT });
    expect(String(error)).not.toContain('not the passphrase');
    expect(onInquire).toHaveBeenCalledTimes(1);
  });

  it("without onInquire sends CAN and rejects with the agent's ERR (IPC call canceled)", async () => {
    const key = keyOf('protected', 'primary');
    await expect(pksign(loopback, key.keygrip, sha256(Buffer.from('x')))).rejects.toMatchObject({
      name: 'AssuanError',
      code: ASS_CANCELED,
      source: SOURCE_GPG_AGENT,
    });
    expect(loopback.closed).toBe(false);
  });

  it('sends CAN when aborted while answering the passphrase inquiry, and stays usable', async () => {
    const key = keyOf('protected', 'primary');
    const controller = new AbortController();
    const reason = new Error('the user closed the dialog');
    let inquirySignal: AbortSignal | undefined;
    const signing = pksign(loopback, key.keygrip, sha256(Buffer.from('abort me')), {
      signal: controller.signal,
      onInquire: async (_keyword, _args, signal) => {
        inquirySignal = signal;
        controller.abort(reason);
        // Answering after the abort: the answer is discarded and CAN goes out instead.
        await new Promise((resolve) => setTimeout(resolve, 10));
        return key.passphrase;
      },
    });
    await expect(signing).rejects.toBe(reason);
    expect(inquirySignal?.aborted).toBe(true);
    const { data } = await loopback.transact('GETINFO', 'version');
    expect(Buffer.from(data).toString()).toMatch(/^\d+\.\d+\.\d+/);
    expect(loopback.closed).toBe(false);
    // The agent did not sign: the next signature still needs the passphrase.
    const onInquire = vi.fn(() => key.passphrase);
    await pksign(loopback, key.keygrip, sha256(Buffer.from('again')), { onInquire });
    expect(onInquire).toHaveBeenCalledTimes(1);
  });
});

describe('gpg-agent connection faults', () => {
  it('drops and reports the connection when a pending PKSIGN is aborted', async () => {
    const onClose = vi.fn();
    const connection = await connectGpgAgent({ homedir: home.homedir, launch: false, onClose });
    const key = keyOf('rsa2048', 'primary');
    await connection.transact('SIGKEY', key.keygrip);
    await connection.transact('SETHASH', [
      '--hash=sha256',
      sha256(Buffer.from('x')).toString('hex'),
    ]);
    const controller = new AbortController();
    const signing = connection.transact('PKSIGN', [], { signal: controller.signal });
    const queued = connection.transact('GETINFO', 'version');
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(signing).rejects.toBe(reason);
    await expect(queued).rejects.toMatchObject({ reason: 'connection-closed' });
    expect(connection.closed).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
    const closeError = onClose.mock.calls[0]?.[0] as unknown;
    expect(closeError).toBeInstanceOf(AssuanProtocolError);
    expect((closeError as Error).cause).toBe(reason);
    // The agent survives a dropped client.
    const { data } = await agent.transact('GETINFO', 'pid');
    expect(Number(Buffer.from(data).toString())).toBe(home.agentPid);
  });

  it('drops the connection when READKEY exceeds maxDataBytes', async () => {
    const onClose = vi.fn();
    const connection = await connectGpgAgent({ homedir: home.homedir, launch: false, onClose });
    const error: unknown = await connection
      .transact('READKEY', keyOf('rsa2048', 'primary').keygrip, { maxDataBytes: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssuanProtocolError);
    expect(error).toMatchObject({ reason: 'data-limit' });
    expect(connection.closed).toBe(true);
    expect(onClose).toHaveBeenCalledWith(error);
  });

  it('connects with launch (default) and closes with BYE', async () => {
    const onClose = vi.fn();
    const connection = await connectGpgAgent({ homedir: home.homedir, onClose });
    await connection.transact('NOP');
    await connection.close();
    expect(connection.closed).toBe(true);
    expect(onClose).toHaveBeenCalledWith();
    await expect(connection.transact('NOP')).rejects.toMatchObject({ reason: 'connection-closed' });
  });
});
