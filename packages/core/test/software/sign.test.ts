// signWithPrivateKey, with openssl and node:crypto as independent verifiers.
import {
  createHash,
  createPrivateKey,
  createSecretKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EcCurve, HashAlgorithm } from '../../src/contract/algorithms.js';
import { ErrorCode, isProviderError } from '../../src/contract/errors.js';
import { EC_CURVES } from '../../src/contract/algorithms.js';
import { algorithmOfKeyObject } from '../../src/software/public-key.js';
import { signWithPrivateKey } from '../../src/software/sign.js';
import { verifySignature } from '../../src/software/verify.js';
import {
  createTestKey,
  createWorkdir,
  openssl,
  runOpenSsl,
  type TestKey,
  type Workdir,
  digestOf,
} from './openssl.js';

const message = Buffer.from('keyroute: a message signed in software');

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
  await work.write('message', message);
});
afterAll(async () => {
  await work.remove();
});

/** Exit code of `openssl pkeyutl -verify` over the digest of `message`. */
async function pkeyutlVerifyDigest(
  key: TestKey,
  hash: HashAlgorithm,
  signature: Uint8Array,
  options: readonly string[] = [],
): Promise<number> {
  const digestFile = await work.write(`digest-${hash}`, digestOf(hash, message));
  const sigFile = await work.write('signature', signature);
  const args = ['pkeyutl', '-verify', '-pubin', '-inkey', key.publicPem, '-in', digestFile];
  args.push('-sigfile', sigFile);
  for (const option of [`digest:${hash}`, ...options]) args.push('-pkeyopt', option);
  return (await runOpenSsl(args)).code;
}

function flipBit(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0x10;
  return copy;
}

describe('RSA PKCS #1 v1.5 over a digest', () => {
  let key: TestKey;
  beforeAll(async () => {
    key = await createTestKey(work, { kind: 'rsa', bits: 2048 });
  });

  it.each(['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-384'] as const)(
    '%s: openssl and node verify it, and it equals node signing the data',
    async (hash) => {
      const signature = await signWithPrivateKey(key.privateKey, key.algorithm, {
        digest: digestOf(hash, message),
        hash,
      });
      expect(signature).toBeInstanceOf(Uint8Array);
      expect(await pkeyutlVerifyDigest(key, hash, signature)).toBe(0);
      expect(await pkeyutlVerifyDigest(key, hash, flipBit(signature))).not.toBe(0);
      expect(nodeVerify(hash, message, key.publicKey, signature)).toBe(true);
      // PKCS #1 v1.5 is deterministic: the data path must give the very same bytes.
      const overData = await signWithPrivateKey(key.privateKey, key.algorithm, {
        data: message,
        hash,
      });
      expect(Buffer.from(overData).equals(nodeSign(hash, message, key.privateKey))).toBe(true);
      expect(Buffer.from(signature).equals(Buffer.from(overData))).toBe(true);
    },
  );
});

describe('RSA-PSS over a digest', () => {
  const cases: readonly [number, HashAlgorithm, number | undefined][] = [
    [2048, 'sha256', undefined],
    [2048, 'sha384', 0],
    [2048, 'sha3-256', 32],
    [1025, 'sha256', undefined],
    [1025, 'sha512', Math.ceil(1024 / 8) - 64 - 2],
    [1031, 'sha512', Math.ceil(1030 / 8) - 64 - 2],
  ];

  it.each(cases)('RSA-%i %s salt %s: openssl and node verify it', async (bits, hash, salt) => {
    const key = await createTestKey(work, { kind: 'rsa', bits });
    const saltLength = salt ?? createHash(hash).digest().length;
    const signature = await signWithPrivateKey(key.privateKey, key.algorithm, {
      scheme: 'pss',
      digest: digestOf(hash, message),
      hash,
      ...(salt === undefined ? {} : { saltLength: salt }),
    });
    expect(signature).toHaveLength(Math.ceil(bits / 8));
    const pss = ['rsa_padding_mode:pss', `rsa_pss_saltlen:${saltLength}`];
    expect(await pkeyutlVerifyDigest(key, hash, signature, pss)).toBe(0);
    expect(await pkeyutlVerifyDigest(key, hash, flipBit(signature), pss)).not.toBe(0);
    const verifyKey = { key: key.publicKey, padding: 6, saltLength }; // RSA_PKCS1_PSS_PADDING
    expect(nodeVerify(hash, message, verifyKey, signature)).toBe(true);
    expect(nodeVerify(hash, message, { ...verifyKey, saltLength: saltLength + 1 }, signature)).toBe(
      false,
    );
  });

  it('salts: two signatures of one digest differ and both verify', async () => {
    const key = await createTestKey(work, { kind: 'rsa', bits: 2048 });
    const request = { scheme: 'pss', digest: digestOf('sha256', message), hash: 'sha256' } as const;
    const first = await signWithPrivateKey(key.privateKey, key.algorithm, request);
    const second = await signWithPrivateKey(key.privateKey, key.algorithm, request);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
    await expect(verifySignature(key.spki, { ...request, signature: second })).resolves.toBe(true);
  });
});

describe('ECDSA over a digest (bigint, RFC 6979)', () => {
  const hashes: readonly HashAlgorithm[] = ['sha256', 'sha384', 'sha512', 'sha1', 'sha3-256'];

  it.each(EC_CURVES)('%s: node verifies every hash, openssl the DER form', async (curve) => {
    const key = await createTestKey(work, { kind: 'ec', curve });
    for (const hash of hashes) {
      const digest = digestOf(hash, message);
      const p1363 = await signWithPrivateKey(key.privateKey, key.algorithm, { digest, hash });
      const verifyKey = { key: key.publicKey, dsaEncoding: 'ieee-p1363' } as const;
      expect(nodeVerify(hash, message, verifyKey, p1363), hash).toBe(true);
      expect(nodeVerify(hash, message, verifyKey, flipBit(p1363)), hash).toBe(false);
      // Deterministic: the same digest gives the same signature.
      const again = await signWithPrivateKey(key.privateKey, key.algorithm, { digest, hash });
      expect(Buffer.from(again).equals(Buffer.from(p1363))).toBe(true);
    }
    const der = await signWithPrivateKey(key.privateKey, key.algorithm, {
      digest: digestOf('sha384', message),
      hash: 'sha384',
      signatureEncoding: 'der',
    });
    expect(nodeVerify('sha384', message, key.publicKey, der)).toBe(true);
    const sigFile = await work.write('ecdsa.der', der);
    const verifyArgs = ['dgst', '-sha384', '-verify', key.publicPem, '-signature', sigFile];
    await expect(openssl([...verifyArgs, work.path('message')])).resolves.toBeDefined();
    expect((await runOpenSsl([...verifyArgs, sigFile])).code).not.toBe(0);
  });

  // RFC 6979 appendix A.2.5: ECDSA, 256 bits (prime field), private key and (r, s) with SHA-256.
  const rfc6979Key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: Buffer.from(
        'C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721',
        'hex',
      ).toString('base64url'),
      x: Buffer.from(
        '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6',
        'hex',
      ).toString('base64url'),
      y: Buffer.from(
        '7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299',
        'hex',
      ).toString('base64url'),
    },
    format: 'jwk',
  });

  it.each([
    [
      'sample',
      'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716',
      'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
    ],
    [
      'test',
      'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367',
      '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083',
    ],
  ])('reproduces the RFC 6979 A.2.5 P-256/SHA-256 signature of "%s"', async (text, r, s) => {
    const digest = digestOf('sha256', Buffer.from(text));
    const signature = await signWithPrivateKey(
      rfc6979Key,
      { kind: 'ec', curve: 'P-256' },
      { digest, hash: 'sha256' },
    );
    expect(Buffer.from(signature).toString('hex').toUpperCase()).toBe(r + s);
  });
});

describe('signing over data', () => {
  it('ECDSA DER and P1363 verify with openssl and with verifySignature', async () => {
    const key = await createTestKey(work, { kind: 'ec', curve: 'brainpoolP384r1' });
    const der = await signWithPrivateKey(key.privateKey, key.algorithm, {
      data: message,
      hash: 'sha512',
      signatureEncoding: 'der',
    });
    const sigFile = await work.write('data.der', der);
    await openssl([
      'dgst',
      '-sha512',
      '-verify',
      key.publicPem,
      '-signature',
      sigFile,
      work.path('message'),
    ]);
    const p1363 = await signWithPrivateKey(key.privateKey, key.algorithm, {
      data: message,
      hash: 'sha512',
    });
    expect(p1363).toHaveLength(96);
    await expect(
      verifySignature(key.spki, { data: message, hash: 'sha512', signature: p1363 }),
    ).resolves.toBe(true);
  });

  it.each([{ kind: 'ed25519' }, { kind: 'ed448' }] as const)(
    '$kind verifies with openssl pkeyutl -rawin',
    async (algorithm) => {
      const key = await createTestKey(work, algorithm);
      const signature = await signWithPrivateKey(key.privateKey, algorithm, { data: message });
      const sigFile = await work.write('eddsa.sig', signature);
      const args = ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', key.publicPem];
      await openssl([...args, '-in', work.path('message'), '-sigfile', sigFile]);
      await work.write('eddsa.bad', flipBit(signature));
      expect(
        (
          await runOpenSsl([
            ...args,
            '-in',
            work.path('message'),
            '-sigfile',
            work.path('eddsa.bad'),
          ])
        ).code,
      ).not.toBe(0);
    },
  );

  it('RSA-PSS over data verifies with openssl', async () => {
    const key = await createTestKey(work, { kind: 'rsa', bits: 2048 });
    const signature = await signWithPrivateKey(key.privateKey, key.algorithm, {
      data: message,
      scheme: 'pss',
      hash: 'sha384',
      saltLength: 10,
    });
    expect(
      await pkeyutlVerifyDigest(key, 'sha384', signature, [
        'rsa_padding_mode:pss',
        'rsa_pss_saltlen:10',
      ]),
    ).toBe(0);
  });
});

describe('signWithPrivateKey errors', () => {
  async function codeOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (isProviderError(error)) return error.code;
      throw error;
    }
    return 'OK';
  }

  it('throws INVALID_INPUT when the key does not match the algorithm or is public', async () => {
    const key = await createTestKey(work, { kind: 'ec', curve: 'P-256' });
    const request = { data: message };
    const mismatches: [KeyObject, EcCurve | 'rsa'][] = [
      [key.privateKey, 'P-384'],
      [key.publicKey, 'P-256'],
      [key.privateKey, 'rsa'],
    ];
    for (const [keyObject, target] of mismatches) {
      const algorithm =
        target === 'rsa'
          ? ({ kind: 'rsa', bits: 2048 } as const)
          : ({ kind: 'ec', curve: target } as const);
      expect(await codeOf(signWithPrivateKey(keyObject, algorithm, request))).toBe(
        ErrorCode.INVALID_INPUT,
      );
    }
  });

  it('throws UNSUPPORTED for EdDSA over a digest and INVALID_INPUT for a short digest', async () => {
    const ed = await createTestKey(work, { kind: 'ed25519' });
    const digest = digestOf('sha512', message);
    expect(
      await codeOf(signWithPrivateKey(ed.privateKey, ed.algorithm, { digest, hash: 'sha512' })),
    ).toBe(ErrorCode.UNSUPPORTED);
    const ec = await createTestKey(work, { kind: 'ec', curve: 'P-256' });
    expect(
      await codeOf(
        signWithPrivateKey(ec.privateKey, ec.algorithm, {
          digest: digest.subarray(2),
          hash: 'sha512',
        }),
      ),
    ).toBe(ErrorCode.INVALID_INPUT);
  });
});

describe('algorithmOfKeyObject', () => {
  it('gives the same (frozen) answer for the same key, and distinct answers for distinct keys', () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const first = algorithmOfKeyObject(ed);
    expect(first).toEqual({ kind: 'ed25519' });
    expect(algorithmOfKeyObject(ed)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(algorithmOfKeyObject(ec)).toEqual({ kind: 'ec', curve: 'P-256' });
    expect(algorithmOfKeyObject(createSecretKey(Buffer.alloc(16)))).toBeUndefined();
  });
});
