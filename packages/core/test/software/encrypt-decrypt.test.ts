// encryptToPublicKey and decryptWithPrivateKey, each checked against the openssl CLI.
import { createPublicKey, ECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HashAlgorithm, KeyAlgorithm } from '../../src/contract/algorithms.js';
import { ErrorCode, isProviderError } from '../../src/contract/errors.js';
import { decryptWithPrivateKey } from '../../src/software/decrypt.js';
import { encryptToPublicKey } from '../../src/software/encrypt.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import { createTestKey, createWorkdir, openssl, type TestKey, type Workdir } from './openssl.js';

let work: Workdir;
let rsa: TestKey;
beforeAll(async () => {
  work = await createWorkdir();
  rsa = await createTestKey(work, { kind: 'rsa', bits: 2048 });
});
afterAll(async () => {
  await work.remove();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isProviderError(error)) return error.code;
    throw error;
  }
  return 'OK';
}

function oaepOptions(hash: HashAlgorithm, label: Uint8Array | undefined): string[] {
  const options = ['rsa_padding_mode:oaep', `rsa_oaep_md:${hash}`, `rsa_mgf1_md:${hash}`];
  if (label !== undefined) options.push(`rsa_oaep_label:${Buffer.from(label).toString('hex')}`);
  return options.flatMap((option) => ['-pkeyopt', option]);
}

describe('RSA-OAEP', () => {
  const cases: readonly [HashAlgorithm, Uint8Array | undefined][] = [
    ['sha1', undefined],
    ['sha1', Buffer.from('a label')],
    ['sha256', undefined],
    ['sha256', Buffer.from('keyroute label')],
    ['sha384', Buffer.from([0, 1, 2])],
  ];

  it.each(cases)(
    'openssl decrypts what encryptToPublicKey makes (%s, label %s)',
    async (hash, label) => {
      const plaintext = randomBytes(32);
      const result = await encryptToPublicKey(rsa.spki, {
        scheme: 'rsa-oaep',
        plaintext,
        hash,
        ...(label === undefined ? {} : { label }),
      });
      if (result.scheme !== 'rsa-oaep') throw new Error('expected an OAEP result');
      expect(result.ciphertext).toHaveLength(256);
      const ctFile = await work.write('oaep.ct', result.ciphertext);
      const decrypted = await openssl([
        'pkeyutl',
        '-decrypt',
        '-inkey',
        rsa.privatePem,
        '-in',
        ctFile,
        ...oaepOptions(hash, label),
      ]);
      expect(decrypted.equals(plaintext)).toBe(true);
    },
  );

  it.each(cases)(
    'decryptWithPrivateKey opens what openssl makes (%s, label %s)',
    async (hash, label) => {
      const plaintext = randomBytes(48);
      const ptFile = await work.write('oaep.pt', plaintext);
      const ciphertext = await openssl([
        'pkeyutl',
        '-encrypt',
        '-pubin',
        '-inkey',
        rsa.publicPem,
        '-in',
        ptFile,
        ...oaepOptions(hash, label),
      ]);
      const request = {
        scheme: 'rsa-oaep',
        ciphertext,
        hash,
        ...(label === undefined ? {} : { label }),
      } as const;
      const result = await decryptWithPrivateKey(rsa.privateKey, request);
      expect(result.scheme).toBe('rsa-oaep');
      expect(result.scheme === 'rsa-oaep' && Buffer.from(result.plaintext).equals(plaintext)).toBe(
        true,
      );
    },
  );

  it('defaults to sha256 without a label', async () => {
    const plaintext = randomBytes(16);
    const result = await encryptToPublicKey(rsa.spki, { scheme: 'rsa-oaep', plaintext });
    if (result.scheme !== 'rsa-oaep') throw new Error('expected an OAEP result');
    const ctFile = await work.write('default.ct', result.ciphertext);
    const decrypted = await openssl([
      'pkeyutl',
      '-decrypt',
      '-inkey',
      rsa.privatePem,
      '-in',
      ctFile,
      ...oaepOptions('sha256', undefined),
    ]);
    expect(decrypted.equals(plaintext)).toBe(true);
  });

  it('takes exactly k − 2·hLen − 2 bytes and says so when given more', async () => {
    // 256 − 2·32 − 2 = 190 for RSA-2048 with sha256.
    const full = await encryptToPublicKey(rsa.spki, {
      scheme: 'rsa-oaep',
      plaintext: randomBytes(190),
    });
    expect(full.scheme).toBe('rsa-oaep');
    const error: unknown = await encryptToPublicKey(rsa.spki, {
      scheme: 'rsa-oaep',
      plaintext: randomBytes(191),
    }).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(isProviderError(error) && error.message).toContain('190');
  });

  it('fails every decryption error with one INVALID_INPUT message', async () => {
    const plaintext = randomBytes(20);
    const label = Buffer.from('right');
    const result = await encryptToPublicKey(rsa.spki, { scheme: 'rsa-oaep', plaintext, label });
    if (result.scheme !== 'rsa-oaep') throw new Error('expected an OAEP result');
    const { ciphertext } = result;
    const corrupted = Uint8Array.from(ciphertext);
    corrupted[100] = (corrupted[100] ?? 0) ^ 1;
    const attempts = [
      { scheme: 'rsa-oaep', ciphertext, label: Buffer.from('wrong') },
      { scheme: 'rsa-oaep', ciphertext },
      { scheme: 'rsa-oaep', ciphertext, label, hash: 'sha1' },
      { scheme: 'rsa-oaep', ciphertext: corrupted, label },
      { scheme: 'rsa-oaep', ciphertext: ciphertext.subarray(1), label },
      { scheme: 'rsa-oaep', ciphertext: new Uint8Array(256).fill(0xff), label },
    ] as const;
    const messages = new Set<string>();
    for (const request of attempts) {
      const error: unknown = await decryptWithPrivateKey(rsa.privateKey, request).catch(
        (e: unknown) => e,
      );
      expect(isProviderError(error) && error.code).toBe(ErrorCode.INVALID_INPUT);
      if (isProviderError(error)) {
        messages.add(error.message);
        expect(error.cause).toBeUndefined();
      }
    }
    expect(messages.size).toBe(1);
    // The right label still works.
    const ok = await decryptWithPrivateKey(rsa.privateKey, {
      scheme: 'rsa-oaep',
      ciphertext,
      label,
    });
    expect(ok.scheme === 'rsa-oaep' && Buffer.from(ok.plaintext).equals(plaintext)).toBe(true);
  });

  it('refuses rsa-pkcs1v15, openpgp, unknown hashes and keys of the wrong type', async () => {
    const ciphertext = new Uint8Array(256);
    expect(await codeOf(decryptWithPrivateKey(rsa.privateKey, { scheme: 'rsa-pkcs1v15' }))).toBe(
      ErrorCode.UNSUPPORTED,
    );
    expect(await codeOf(decryptWithPrivateKey(rsa.privateKey, { scheme: 'openpgp' }))).toBe(
      ErrorCode.UNSUPPORTED,
    );
    expect(await codeOf(encryptToPublicKey(rsa.spki, { scheme: 'openpgp' }))).toBe(
      ErrorCode.UNSUPPORTED,
    );
    expect(
      await codeOf(
        decryptWithPrivateKey(rsa.privateKey, {
          scheme: 'rsa-oaep',
          ciphertext,
          hash: 'md5' as unknown as 'sha1',
        }),
      ),
    ).toBe(ErrorCode.UNSUPPORTED);
    expect(await codeOf(encryptToPublicKey(rsa.spki, { scheme: 'ecdh' }))).toBe(
      ErrorCode.UNSUPPORTED,
    );
    expect(
      await codeOf(
        decryptWithPrivateKey(rsa.privateKey, { scheme: 'ecdh', peerPublicKey: rsa.spki }),
      ),
    ).toBe(ErrorCode.UNSUPPORTED);
    const ec = await createTestKey(work, { kind: 'ec', curve: 'P-256' });
    expect(
      await codeOf(
        encryptToPublicKey(ec.spki, { scheme: 'rsa-oaep', plaintext: new Uint8Array(1) }),
      ),
    ).toBe(ErrorCode.UNSUPPORTED);
    expect(
      await codeOf(decryptWithPrivateKey(ec.privateKey, { scheme: 'rsa-oaep', ciphertext })),
    ).toBe(ErrorCode.UNSUPPORTED);
    const small = await createTestKey(work, { kind: 'rsa', bits: 1024 });
    // 128 − 2·64 − 2 < 0: no plaintext fits.
    expect(
      await codeOf(
        encryptToPublicKey(small.spki, {
          scheme: 'rsa-oaep',
          plaintext: new Uint8Array(1),
          hash: 'sha512',
        }),
      ),
    ).toBe(ErrorCode.UNSUPPORTED);
    expect(await codeOf(encryptToPublicKey(new Uint8Array([1, 2, 3]), { scheme: 'ecdh' }))).toBe(
      ErrorCode.INVALID_INPUT,
    );
  });
});

describe('ECDH', () => {
  const algorithms: readonly KeyAlgorithm[] = [
    { kind: 'ec', curve: 'P-256' },
    { kind: 'ec', curve: 'P-384' },
    { kind: 'ec', curve: 'P-521' },
    { kind: 'ec', curve: 'secp256k1' },
    { kind: 'ec', curve: 'brainpoolP256r1' },
    { kind: 'ec', curve: 'brainpoolP512r1' },
    { kind: 'x25519' },
    { kind: 'x448' },
  ];
  const label = (algorithm: KeyAlgorithm): string =>
    algorithm.kind === 'ec' ? algorithm.curve : algorithm.kind;

  it.each(algorithms.map((a) => [label(a), a] as const))(
    '%s: openssl derives the same secret from the ephemeral key',
    async (_name, algorithm) => {
      const recipient = await createTestKey(work, algorithm);
      const result = await encryptToPublicKey(recipient.spki, { scheme: 'ecdh' });
      if (result.scheme !== 'ecdh') throw new Error('expected an ECDH result');
      const ephFile = await work.write('ephemeral.der', result.ephemeralPublicKey);
      const secret = await openssl([
        'pkeyutl',
        '-derive',
        '-inkey',
        recipient.privatePem,
        '-peerkey',
        ephFile,
        '-peerform',
        'DER',
      ]);
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(Buffer.from(result.sharedSecret).equals(secret)).toBe(true);
      // A second encryption uses a fresh ephemeral key.
      const again = await encryptToPublicKey(recipient.spki, { scheme: 'ecdh' });
      expect(again.scheme === 'ecdh' && Buffer.from(again.sharedSecret).equals(secret)).toBe(false);
    },
  );

  it.each(algorithms.map((a) => [label(a), a] as const))(
    '%s: decryptWithPrivateKey agrees with an openssl ephemeral key in every peer encoding',
    async (_name, algorithm) => {
      const recipient = await createTestKey(work, algorithm);
      const ephemeral = await createTestKey(work, algorithm);
      const expected = await openssl([
        'pkeyutl',
        '-derive',
        '-inkey',
        ephemeral.privatePem,
        '-peerkey',
        recipient.publicPem,
      ]);
      const spki = Buffer.from(ephemeral.spki);
      const encodings: [string, Uint8Array][] = [['spki', spki]];
      if (algorithm.kind === 'ec') {
        const size = EC_CURVE_PARAMETERS[algorithm.curve].fieldBytes;
        const point = spki.subarray(spki.length - (2 * size + 1));
        const opensslName = EC_CURVE_PARAMETERS[algorithm.curve].opensslName;
        encodings.push(['uncompressed point', point]);
        encodings.push([
          'compressed point',
          ECDH.convertKey(point, opensslName, undefined, undefined, 'compressed') as Buffer,
        ]);
      } else {
        // Both RFC 8410 SPKI prefixes are 12 bytes; the rest is the u-coordinate.
        encodings.push(['u-coordinate', spki.subarray(12)]);
      }
      for (const [name, peerPublicKey] of encodings) {
        const result = await decryptWithPrivateKey(recipient.privateKey, {
          scheme: 'ecdh',
          peerPublicKey,
        });
        expect(result.scheme, name).toBe('ecdh');
        expect(
          result.scheme === 'ecdh' && Buffer.from(result.sharedSecret).equals(expected),
          name,
        ).toBe(true);
      }
    },
  );

  it('refuses a peer key on another curve or of another type', async () => {
    const recipient = await createTestKey(work, { kind: 'ec', curve: 'P-256' });
    const p384 = await createTestKey(work, { kind: 'ec', curve: 'P-384' });
    const x25519 = await createTestKey(work, { kind: 'x25519' });
    for (const peerPublicKey of [p384.spki, x25519.spki, new Uint8Array([4, 1, 2, 3])]) {
      expect(
        await codeOf(
          decryptWithPrivateKey(recipient.privateKey, { scheme: 'ecdh', peerPublicKey }),
        ),
      ).toBe(ErrorCode.INVALID_INPUT);
    }
    // A point not on the curve: the generator with y + 1.
    const { gx, gy } = EC_CURVE_PARAMETERS['P-256'];
    const offCurve = Buffer.from(
      `04${gx.toString(16).padStart(64, '0')}${(gy + 1n).toString(16).padStart(64, '0')}`,
      'hex',
    );
    expect(
      await codeOf(
        decryptWithPrivateKey(recipient.privateKey, { scheme: 'ecdh', peerPublicKey: offCurve }),
      ),
    ).toBe(ErrorCode.INVALID_INPUT);
  });

  it('refuses an X25519 peer key that yields no secret (u = 0)', async () => {
    const recipient = await createTestKey(work, { kind: 'x25519' });
    expect(
      await codeOf(
        decryptWithPrivateKey(recipient.privateKey, {
          scheme: 'ecdh',
          peerPublicKey: new Uint8Array(32),
        }),
      ),
    ).toBe(ErrorCode.INVALID_INPUT);
    // The same zero key in SPKI form, to show the raw form is not what fails.
    const zeroSpki = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), Buffer.alloc(32)]),
      format: 'der',
      type: 'spki',
    }).export({ format: 'der', type: 'spki' });
    expect(
      await codeOf(
        decryptWithPrivateKey(recipient.privateKey, { scheme: 'ecdh', peerPublicKey: zeroSpki }),
      ),
    ).toBe(ErrorCode.INVALID_INPUT);
  });
});
