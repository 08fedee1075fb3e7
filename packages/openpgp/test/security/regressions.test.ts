/**
 * Security regressions of the OpenPGP provider: messages without integrity protection and
 * tampered ones are refused by decrypt; extra literal data around a signed message is never
 * returned as verified (CVE-2025-47934 class); a detached signature over other data is not
 * valid; a decompression bomb stops at `maxDecryptedBytes`; a wrong passphrase is `BAD_SECRET`
 * and never shows up in the error. (gpg status-line / user-ID spoofing does not apply: the
 * provider never parses gpg output.)
 */
import { inspect } from 'node:util';
import { isProviderError, type ProviderError, type SecretSource } from '@keyroute/core';
import { createOpenPgpKeyFolder, type OpenPgpKeyFolder } from '@keyroute/testbed';
import { armor, createMessage, encrypt, enums, readKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOpenPgpProvider, type OpenPgpProvider } from '../../src/index.js';
import { createGpgVerifier, type GpgVerifier } from '../gpg.js';
import {
  compressedPacket,
  concat,
  literalPacket,
  packet,
  readPackets,
} from '../interop/packets.js';

const PASSPHRASE = 'the right passphrase 7c1e';
const WRONG = 'a wrong passphrase 3f9d';
const MiB = 2 ** 20;
const PLAINTEXT = new TextEncoder().encode('secret plaintext: must never leak 5b2a');
const SIGNED = new TextEncoder().encode('the signed content');
const EVIL = new TextEncoder().encode('EVIL appended content that nobody signed');

let folder: OpenPgpKeyFolder;
let gpg: GpgVerifier;
let provider: OpenPgpProvider;

beforeAll(async () => {
  [folder, gpg] = await Promise.all([
    createOpenPgpKeyFolder({
      keys: [
        { name: 'signer', type: 'ecc' },
        { name: 'other', type: 'ecc' },
        { name: 'locked', type: 'ecc', passphrase: PASSPHRASE },
      ],
    }),
    createGpgVerifier(),
  ]);
  await gpg.importKeys(key('signer').armoredPublicKey);
  provider = await createOpenPgpProvider({ dir: folder.dir, secrets: () => PASSPHRASE });
});

afterAll(async () => {
  await provider[Symbol.asyncDispose]();
  await gpg[Symbol.asyncDispose]();
  await folder.dispose();
});

function key(name: string): OpenPgpKeyFolder['keys'][number] {
  const found = folder.keys.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no key ${name}`);
  return found;
}

/** The encryption subkey's fingerprint (decrypt needs the key whose flags allow it). */
async function encryptionKeyOf(name: string): Promise<string> {
  const subkey = (await readKey({ armoredKey: key(name).armoredPublicKey })).subkeys[0];
  if (subkey === undefined) throw new Error(`${name} has no subkey`);
  return subkey.getFingerprint().toUpperCase();
}

/** The ProviderError a call rejects with; fails when it resolves (e.g. with plaintext). */
async function rejectionOf(call: Promise<unknown>): Promise<ProviderError> {
  const outcome = await call.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if ('resolved' in outcome) throw new Error('expected a rejection, the call resolved');
  if (!isProviderError(outcome.error)) throw outcome.error;
  return outcome.error;
}

/** Everything an error shows: message, stack, inspect output (with causes), JSON. */
function everythingShownBy(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 10, showHidden: true })];
  for (let item: unknown = error; item instanceof Error; item = item.cause) {
    parts.push(item.message, item.stack ?? '', String(item), JSON.stringify(item));
  }
  return parts.join('\n');
}

describe('decrypt refuses messages without integrity protection', () => {
  test.each([false, true])('gpg --rfc2440 (no MDC, armor %s) is INVALID_INPUT', async (armored) => {
    const signer = key('signer');
    const made = await gpg.run(
      [
        ...(armored ? ['--armor'] : []),
        '--rfc2440',
        '--encrypt',
        '--recipient',
        signer.fingerprint,
      ],
      PLAINTEXT,
    );
    expect(made.exitCode, made.status.join('\n')).toBe(0);
    const message = made.stdout;
    // A symmetrically encrypted data packet (tag 9), not an integrity protected one (tag 18).
    const listed = await gpg.run(['--list-packets'], message);
    const listing = Buffer.from(listed.stdout).toString('utf8');
    expect(listing).toMatch(/ tag=9 /);
    expect(listing).toContain(':encrypted data packet:');
    expect(listing).not.toMatch(/ tag=18 /);
    expect(listing).not.toContain('mdc_method');
    if (!armored) expect(readPackets(message).map((p) => p.tag)).toEqual([1, 9]);

    const error = await rejectionOf(
      provider.decrypt({ key: await encryptionKeyOf('signer'), scheme: 'openpgp', message }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(everythingShownBy(error)).not.toContain(new TextDecoder().decode(PLAINTEXT));
  });

  test('the same message with MDC (control) decrypts', async () => {
    const made = await gpg.run(['--encrypt', '--recipient', key('signer').fingerprint], PLAINTEXT);
    expect(readPackets(made.stdout).map((p) => p.tag)).toEqual([1, 18]);
    const result = await provider.decrypt({
      key: await encryptionKeyOf('signer'),
      scheme: 'openpgp',
      message: made.stdout,
    });
    expect(result.scheme === 'ecdh' ? undefined : Buffer.from(result.plaintext)).toEqual(
      Buffer.from(PLAINTEXT),
    );
  });

  test('a message with one flipped ciphertext bit is INVALID_INPUT', async () => {
    const encrypted = await provider.encrypt({
      key: key('signer').fingerprint,
      scheme: 'openpgp',
      plaintext: PLAINTEXT,
      armor: false,
    });
    if (encrypted.scheme !== 'openpgp') throw new Error('not an OpenPGP message');
    for (const position of [encrypted.ciphertext.length - 1, encrypted.ciphertext.length - 30]) {
      const tampered = Uint8Array.from(encrypted.ciphertext);
      tampered[position] = (tampered[position] ?? 0) ^ 0x01;
      const error = await rejectionOf(
        provider.decrypt({
          key: await encryptionKeyOf('signer'),
          scheme: 'openpgp',
          message: tampered,
        }),
      );
      expect(error.code).toBe('INVALID_INPUT');
    }
  });
});

describe('extra literal data is never returned as verified (CVE-2025-47934 class)', () => {
  let inline: Uint8Array;

  beforeAll(async () => {
    const signed = await provider.sign({
      key: key('signer').fingerprint,
      data: SIGNED,
      format: 'openpgp',
      openpgp: { mode: 'inline', armor: false },
    });
    inline = signed.signature;
  });

  /** The honest message's packets (one-pass signature, literal, signature), re-encoded. */
  function parts(): { ops: Uint8Array; literal: Uint8Array; signature: Uint8Array } {
    const packets = readPackets(inline).map((p) => ({ tag: p.tag, bytes: packet(p.tag, p.body) }));
    expect(packets.map((p) => p.tag)).toEqual([4, 11, 2]);
    const [ops, literal, signature] = packets.map((p) => p.bytes);
    if (ops === undefined || literal === undefined || signature === undefined) throw new Error();
    return { ops, literal, signature };
  }

  const evil = literalPacket(EVIL);
  const VARIANTS: readonly [string, () => Uint8Array][] = [
    ['appended literal', () => concat(inline, evil)],
    ['prepended literal', () => concat(evil, inline)],
    [
      'literal before the signed one',
      () => concat(parts().ops, evil, parts().literal, parts().signature),
    ],
    [
      'literal after the signed one',
      () => concat(parts().ops, parts().literal, evil, parts().signature),
    ],
    [
      'signed literal swapped out',
      () => concat(parts().ops, evil, parts().signature, parts().literal),
    ],
    ['signature first, two literals', () => concat(parts().signature, parts().literal, evil)],
    ['compressed signed message, literal appended', () => concat(compressedPacket(inline), evil)],
    ['literal, then compressed signed message', () => concat(evil, compressedPacket(inline))],
    ['compressed (signed message + literal)', () => compressedPacket(concat(inline, evil))],
    ['signed message + compressed literal', () => concat(inline, compressedPacket(evil))],
    [
      'two signed messages, second one evil',
      () => concat(inline, parts().ops, evil, parts().signature),
    ],
  ];

  test('the honest message, plain or compressed (as gpg --sign makes it), verifies', async () => {
    for (const signature of [inline, compressedPacket(inline)]) {
      const result = await provider.verify({
        key: key('signer').fingerprint,
        data: new Uint8Array(0),
        signature,
        format: 'openpgp',
      });
      expect(result.valid).toBe(true);
      expect(Buffer.from(result.data ?? [])).toEqual(Buffer.from(SIGNED));
    }
  });

  describe.each([false, true])('armor %s', (armored) => {
    test.each(VARIANTS)('%s', async (_name, build) => {
      const bytes = build();
      const signature = armored
        ? new TextEncoder().encode(armor(enums.armor.message, bytes))
        : bytes;
      for (const data of [new Uint8Array(0), SIGNED, EVIL]) {
        const result = await provider.verify({
          key: key('signer').fingerprint,
          data,
          signature,
          format: 'openpgp',
        });
        if (result.valid) {
          expect(data).not.toBe(EVIL);
          expect(Buffer.from(result.data ?? [])).toEqual(Buffer.from(SIGNED));
        } else {
          expect(result.data).toBeUndefined();
          expect(result.signer).toBeUndefined();
        }
        expect(Buffer.from(result.data ?? []).includes(Buffer.from(EVIL))).toBe(false);
      }
    });
  });
});

describe('detached signatures', () => {
  test('over other data, by another key, or truncated: valid false', async () => {
    const signer = key('signer').fingerprint;
    const sign = async (reference: string): Promise<Uint8Array> =>
      (
        await provider.sign({
          key: reference,
          data: SIGNED,
          format: 'openpgp',
          openpgp: { mode: 'detached', armor: false },
        })
      ).signature;
    const own = await sign(signer);
    const others = await sign(key('other').fingerprint);
    const verify = (data: Uint8Array, signature: Uint8Array) =>
      provider.verify({ key: signer, data, signature, format: 'openpgp' });

    expect((await verify(SIGNED, own)).valid).toBe(true);
    for (const [data, signature] of [
      [EVIL, own],
      [concat(SIGNED, new Uint8Array([0])), own],
      [SIGNED.subarray(1), own],
      [SIGNED, others],
      [SIGNED, own.subarray(0, own.length - 4)],
    ] as const) {
      const result = await verify(data, signature);
      expect(result.valid).toBe(false);
      expect(result.signer).toBeUndefined();
      expect(result.data).toBeUndefined();
      expect(typeof result.reason).toBe('string');
    }
  });
});

describe('decompression bomb', () => {
  /** 5 MiB of zeros, ZLIB-compressed by openpgp.js into a few KiB, encrypted to the signer key. */
  async function bomb(): Promise<Uint8Array> {
    // openpgp.js's stream types need the optional @openpgp/web-stream-tools: name the result.
    const message = (await encrypt({
      message: await createMessage({ binary: new Uint8Array(5 * MiB) }),
      encryptionKeys: (await readKey({ armoredKey: key('signer').armoredPublicKey })).toPublic(),
      format: 'binary',
      config: { preferredCompressionAlgorithm: enums.compression.zlib },
    })) as Uint8Array;
    expect(message.length).toBeLessThan(64 * 1024);
    return message;
  }

  test('5 MiB of zeros with maxDecryptedBytes 1 MiB is INVALID_INPUT', async () => {
    await using small = await createOpenPgpProvider({
      dir: folder.dir,
      maxDecryptedBytes: MiB,
    });
    const message = await bomb();
    const error = await rejectionOf(
      small.decrypt({ key: await encryptionKeyOf('signer'), scheme: 'openpgp', message }),
    );
    expect(error.code).toBe('INVALID_INPUT');

    // Control: with room for it, the same message decrypts to 5 MiB of zeros.
    await using large = await createOpenPgpProvider({
      dir: folder.dir,
      maxDecryptedBytes: 8 * MiB,
    });
    const result = await large.decrypt({
      key: await encryptionKeyOf('signer'),
      scheme: 'openpgp',
      message,
    });
    if (result.scheme === 'ecdh') throw new Error('not a message decryption');
    expect(result.plaintext.length).toBe(5 * MiB);
    expect(result.plaintext.every((byte) => byte === 0)).toBe(true);
  });

  test('uncompressed plaintext: 1 MiB decrypts, 1 MiB + 1 byte is INVALID_INPUT', async () => {
    await using small = await createOpenPgpProvider({ dir: folder.dir, maxDecryptedBytes: MiB });
    const subkey = await encryptionKeyOf('signer');
    const messageOf = async (size: number): Promise<Uint8Array> => {
      const encrypted = await small.encrypt({
        key: key('signer').fingerprint,
        scheme: 'openpgp',
        plaintext: new Uint8Array(size).fill(0x61),
        armor: false,
      });
      if (encrypted.scheme !== 'openpgp') throw new Error('not an OpenPGP message');
      return encrypted.ciphertext;
    };
    const fits = await small.decrypt({
      key: subkey,
      scheme: 'openpgp',
      message: await messageOf(MiB),
    });
    expect(fits.scheme === 'ecdh' ? 0 : fits.plaintext.length).toBe(MiB);
    const error = await rejectionOf(
      small.decrypt({ key: subkey, scheme: 'openpgp', message: await messageOf(MiB + 1) }),
    );
    expect(error.code).toBe('INVALID_INPUT');
  });
});

describe('wrong passphrase', () => {
  test('is BAD_SECRET, and neither passphrase appears in the error', async () => {
    const asked: number[] = [];
    const secrets: SecretSource = (request) => {
      asked.push(request.attempt);
      return WRONG;
    };
    await using wrong = await createOpenPgpProvider({ dir: folder.dir, secrets });
    const locked = key('locked');
    const calls = [
      () => wrong.sign({ key: locked.fingerprint, data: SIGNED, format: 'openpgp' }),
      () => wrong.sign({ key: locked.fingerprint, data: SIGNED }),
      async () =>
        wrong.decrypt({
          key: await encryptionKeyOf('locked'),
          scheme: 'openpgp',
          message: await gpgEncryptedTo('locked'),
        }),
    ];
    for (const call of calls) {
      const error = await rejectionOf(call());
      expect(error.code).toBe('BAD_SECRET');
      const shown = everythingShownBy(error);
      expect(shown).not.toContain(WRONG);
      expect(shown).not.toContain(PASSPHRASE);
    }
    expect(asked.length).toBeGreaterThan(0);
  });

  test('as bytes it is BAD_SECRET too; no answer is LOCKED; the right one works', async () => {
    await using bytes = await createOpenPgpProvider({
      dir: folder.dir,
      secrets: () => new TextEncoder().encode(WRONG),
    });
    const request = { key: key('locked').fingerprint, data: SIGNED, format: 'openpgp' } as const;
    const bad = await rejectionOf(bytes.sign(request));
    expect(bad.code).toBe('BAD_SECRET');
    expect(everythingShownBy(bad)).not.toContain(WRONG);

    await using none = await createOpenPgpProvider({ dir: folder.dir, secrets: () => undefined });
    expect((await rejectionOf(none.sign(request))).code).toBe('LOCKED');

    const signed = await provider.sign(request);
    expect((await provider.verify({ ...request, signature: signed.signature })).valid).toBe(true);
  });
});

/** A message gpg encrypted to a key of the folder (imported into the gpg home on first use). */
async function gpgEncryptedTo(name: string): Promise<Uint8Array> {
  await gpg.importKeys(key(name).armoredPublicKey);
  const made = await gpg.run(['--encrypt', '--recipient', key(name).fingerprint], PLAINTEXT);
  if (made.exitCode !== 0) throw new Error(made.status.join('\n'));
  return made.stdout;
}
