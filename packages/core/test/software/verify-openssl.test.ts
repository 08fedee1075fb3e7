// verifySignature against signatures the real openssl CLI makes: data and digest inputs must
// accept them, and every mutation must be rejected with `false`, never with an error.
import { ECDH, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EcCurve, HashAlgorithm, KeyAlgorithm } from '../../src/contract/algorithms.js';
import { ErrorCode, isProviderError } from '../../src/contract/errors.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import { ecdsaDerToP1363 } from '../../src/software/ecdsa-encoding.js';
import { verifySignature, type VerifySignatureRequest } from '../../src/software/verify.js';
import {
  createTestKey,
  createWorkdir,
  digestOf,
  openssl,
  type TestKey,
  type Workdir,
} from './openssl.js';

const message = Buffer.from('keyroute: a message signed by openssl');
const otherMessage = Buffer.from('keyroute: a different message');

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
  await work.write('message', message);
});
afterAll(async () => {
  await work.remove();
});

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

type Fields = Omit<VerifySignatureRequest, 'signature' | 'data' | 'digest'>;

/**
 * Checks that `signature` over `message` verifies over data and (unless `dataOnly`) over the
 * digest, and that a flipped bit, a truncated or empty signature, and another message all
 * verify false.
 */
async function expectOnlyThisVerifies(
  key: TestKey,
  fields: Fields,
  signature: Uint8Array,
  dataOnly = false,
): Promise<void> {
  const hash = fields.hash ?? 'sha256';
  const requests: [string, Omit<VerifySignatureRequest, 'signature'>][] = [
    ['data', { ...fields, data: message }],
  ];
  if (!dataOnly) requests.push(['digest', { ...fields, hash, digest: digestOf(hash, message) }]);
  for (const [input, request] of requests) {
    const verify = (sig: Uint8Array): Promise<boolean> =>
      verifySignature(key.spki, { ...request, signature: sig });
    await expect(verify(signature), `${input}: the genuine signature`).resolves.toBe(true);
    await expect(verify(flipBit(signature, 0)), `${input}: first byte`).resolves.toBe(false);
    const last = signature.length - 1;
    await expect(verify(flipBit(signature, last)), `${input}: last byte`).resolves.toBe(false);
    const truncated = signature.subarray(0, last);
    await expect(verify(truncated), `${input}: truncated`).resolves.toBe(false);
    await expect(verify(new Uint8Array(0)), `${input}: empty`).resolves.toBe(false);
  }
  await expect(
    verifySignature(key.spki, { ...fields, data: otherMessage, signature }),
    'other data',
  ).resolves.toBe(false);
  if (!dataOnly) {
    const digest = digestOf(hash, otherMessage);
    await expect(
      verifySignature(key.spki, { ...fields, hash, digest, signature }),
      'other digest',
    ).resolves.toBe(false);
  }
}

/** Signs the digest of `message` with `openssl pkeyutl -sign` and extra `-pkeyopt`s. */
async function pkeyutlSignDigest(
  key: TestKey,
  hash: HashAlgorithm,
  options: readonly string[] = [],
): Promise<Uint8Array> {
  const digestFile = await work.write(`digest-${hash}`, digestOf(hash, message));
  const args = ['pkeyutl', '-sign', '-inkey', key.privatePem, '-in', digestFile];
  for (const option of [`digest:${hash}`, ...options]) args.push('-pkeyopt', option);
  return Uint8Array.from(await openssl(args));
}

describe('RSA PKCS #1 v1.5 signatures made by openssl pkeyutl', () => {
  let key: TestKey;
  beforeAll(async () => {
    key = await createTestKey(work, { kind: 'rsa', bits: 2048 });
  });

  it.each(['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-512'] as const)(
    'verifies %s over data and digest',
    async (hash) => {
      const signature = await pkeyutlSignDigest(key, hash);
      await expectOnlyThisVerifies(key, { hash }, signature);
      // The same signature is not a PSS signature, nor one with another hash.
      const other = hash === 'sha256' ? 'sha384' : 'sha256';
      await expect(
        verifySignature(key.spki, { data: message, hash: other, signature }),
      ).resolves.toBe(false);
      await expect(
        verifySignature(key.spki, { data: message, hash, scheme: 'pss', saltLength: 0, signature }),
      ).resolves.toBe(false);
    },
  );

  it('rejects a signature of the same length that is not below the modulus', async () => {
    const signature = new Uint8Array(256).fill(0xff);
    await expect(verifySignature(key.spki, { data: message, signature })).resolves.toBe(false);
    const digest = digestOf('sha256', message);
    await expect(verifySignature(key.spki, { digest, hash: 'sha256', signature })).resolves.toBe(
      false,
    );
  });

  it('rejects a signature with a leading zero byte added', async () => {
    const signature = await pkeyutlSignDigest(key, 'sha256');
    const padded = Uint8Array.from([0, ...signature]);
    const digest = digestOf('sha256', message);
    await expect(
      verifySignature(key.spki, { digest, hash: 'sha256', signature: padded }),
    ).resolves.toBe(false);
  });
});

describe('RSA-PSS signatures made by openssl pkeyutl', () => {
  // 1025 bits: emLen = k − 1 (the encoded message loses a byte); 1031 bits: top bits masked.
  const sizes = [2048, 1025, 1031] as const;
  const keys = new Map<number, TestKey>();
  beforeAll(async () => {
    for (const bits of sizes) keys.set(bits, await createTestKey(work, { kind: 'rsa', bits }));
  });
  const keyOf = (bits: number): TestKey => {
    const key = keys.get(bits);
    if (key === undefined) throw new Error(`no ${bits}-bit key`);
    return key;
  };

  it.each(sizes)('verifies sha256 with the default 32-byte salt on RSA-%i', async (bits) => {
    const key = keyOf(bits);
    const signature = await pkeyutlSignDigest(key, 'sha256', [
      'rsa_padding_mode:pss',
      'rsa_pss_saltlen:32',
    ]);
    await expectOnlyThisVerifies(key, { scheme: 'pss' }, signature);
    await expectOnlyThisVerifies(key, { scheme: 'pss', saltLength: 32 }, signature);
    // A salt length other than the signer's is a bad signature.
    await expect(
      verifySignature(key.spki, { scheme: 'pss', saltLength: 20, data: message, signature }),
    ).resolves.toBe(false);
    await expect(
      verifySignature(key.spki, {
        scheme: 'pss',
        saltLength: 20,
        hash: 'sha256',
        digest: digestOf('sha256', message),
        signature,
      }),
    ).resolves.toBe(false);
    // And it is not a PKCS #1 v1.5 signature.
    await expect(verifySignature(key.spki, { data: message, signature })).resolves.toBe(false);
  });

  it.each(sizes)('verifies sha512 with the largest salt and with none on RSA-%i', async (bits) => {
    const key = keyOf(bits);
    const max = Math.ceil((bits - 1) / 8) - 64 - 2;
    const withMax = await pkeyutlSignDigest(key, 'sha512', [
      'rsa_padding_mode:pss',
      'rsa_pss_saltlen:max',
    ]);
    await expectOnlyThisVerifies(key, { scheme: 'pss', hash: 'sha512', saltLength: max }, withMax);
    const withNone = await pkeyutlSignDigest(key, 'sha512', [
      'rsa_padding_mode:pss',
      'rsa_pss_saltlen:0',
    ]);
    await expectOnlyThisVerifies(key, { scheme: 'pss', hash: 'sha512', saltLength: 0 }, withNone);
  });

  it('verifies sha3-384 and sha1', async () => {
    const key = keyOf(2048);
    for (const [hash, salt] of [
      ['sha3-384', 48],
      ['sha1', 20],
    ] as const) {
      const signature = await pkeyutlSignDigest(key, hash, [
        'rsa_padding_mode:pss',
        `rsa_pss_saltlen:${salt}`,
      ]);
      await expectOnlyThisVerifies(key, { scheme: 'pss', hash }, signature);
    }
  });
});

describe('ECDSA signatures made by openssl dgst', () => {
  const cases: readonly [EcCurve, HashAlgorithm][] = [
    ['P-256', 'sha256'],
    ['P-256', 'sha512'],
    ['P-256', 'sha1'],
    ['P-384', 'sha384'],
    ['P-521', 'sha512'],
    ['P-521', 'sha256'],
    ['secp256k1', 'sha256'],
    ['brainpoolP256r1', 'sha384'],
    ['brainpoolP384r1', 'sha384'],
    ['brainpoolP512r1', 'sha384'],
    ['brainpoolP512r1', 'sha3-512'],
  ];

  it.each(cases)('verifies %s with %s, DER and P1363, data and digest', async (curve, hash) => {
    const key = await createTestKey(work, { kind: 'ec', curve });
    const der = Uint8Array.from(
      await openssl(['dgst', `-${hash}`, '-sign', key.privatePem, work.path('message')]),
    );
    await expectOnlyThisVerifies(key, { hash, signatureEncoding: 'der' }, der);
    const p1363 = ecdsaDerToP1363(der, curve);
    expect(p1363).toHaveLength(2 * EC_CURVE_PARAMETERS[curve].orderBytes);
    await expectOnlyThisVerifies(key, { hash }, p1363);
    // The two encodings are not interchangeable.
    await expect(verifySignature(key.spki, { hash, data: message, signature: der })).resolves.toBe(
      false,
    );
    await expect(
      verifySignature(key.spki, {
        hash,
        digest: digestOf(hash, message),
        signature: p1363,
        signatureEncoding: 'der',
      }),
    ).resolves.toBe(false);
  });

  it('verifies openssl pkeyutl signatures over a digest, with a compressed-point key', async () => {
    const key = await createTestKey(work, { kind: 'ec', curve: 'brainpoolP256r1' });
    const der = await pkeyutlSignDigest(key, 'sha256');
    // The same public key with its point compressed (SEC 1 §2.3.3).
    const spki = Buffer.from(key.spki);
    const point = spki.subarray(spki.length - 65);
    const compressed = ECDH.convertKey(
      point,
      'brainpoolP256r1',
      undefined,
      undefined,
      'compressed',
    );
    const compressedSpki = Buffer.concat([
      Buffer.from('303a301406072a8648ce3d020106092b2403030208010107032200', 'hex'),
      compressed as Buffer,
    ]);
    await expectOnlyThisVerifies(
      { ...key, spki: compressedSpki },
      { signatureEncoding: 'der' },
      der,
    );
  });

  it('returns false for r or s of zero or not below the order', async () => {
    const key = await createTestKey(work, { kind: 'ec', curve: 'P-256' });
    const n = Buffer.from(EC_CURVE_PARAMETERS['P-256'].n.toString(16), 'hex');
    const one = Buffer.alloc(32);
    one[31] = 1;
    const digest = digestOf('sha256', message);
    for (const signature of [
      Buffer.alloc(64),
      Buffer.concat([one, Buffer.alloc(32)]),
      Buffer.concat([n, one]),
      Buffer.concat([one, n]),
    ]) {
      await expect(verifySignature(key.spki, { hash: 'sha256', digest, signature })).resolves.toBe(
        false,
      );
      await expect(verifySignature(key.spki, { data: message, signature })).resolves.toBe(false);
    }
  });

  it('returns false for garbled DER', async () => {
    const key = await createTestKey(work, { kind: 'ec', curve: 'P-384' });
    const digest = digestOf('sha256', message);
    for (const signature of [
      Buffer.from('3000', 'hex'),
      Buffer.from('300602010102010100', 'hex'),
      Buffer.from('deadbeef', 'hex'),
    ]) {
      await expect(
        verifySignature(key.spki, { hash: 'sha256', digest, signature, signatureEncoding: 'der' }),
      ).resolves.toBe(false);
    }
  });
});

describe('EdDSA signatures made by openssl pkeyutl -rawin', () => {
  it.each([{ kind: 'ed25519' }, { kind: 'ed448' }] as const)(
    'verifies $kind',
    async (algorithm) => {
      const key = await createTestKey(work, algorithm);
      const signature = Uint8Array.from(
        await openssl([
          'pkeyutl',
          '-sign',
          '-rawin',
          '-inkey',
          key.privatePem,
          '-in',
          work.path('message'),
        ]),
      );
      await expectOnlyThisVerifies(key, {}, signature, true);
      // A hash is ignored by pure EdDSA.
      await expect(
        verifySignature(key.spki, { data: message, hash: 'sha256', signature }),
      ).resolves.toBe(true);
    },
  );
});

describe('verifySignature errors', () => {
  async function codeOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (isProviderError(error)) return error.code;
      throw error;
    }
    return 'OK';
  }
  const signature = new Uint8Array(64);

  it('throws INVALID_INPUT for a malformed public key', async () => {
    const key = await createTestKey(work, { kind: 'ec', curve: 'P-256' });
    for (const spki of [
      new Uint8Array(0),
      key.spki.subarray(0, 40),
      new Uint8Array([0x30, 0x00]),
    ]) {
      expect(await codeOf(verifySignature(spki, { data: message, signature }))).toBe(
        ErrorCode.INVALID_INPUT,
      );
    }
  });

  it('throws UNSUPPORTED for a curve outside the contract and for X25519 keys', async () => {
    const secp224 = generateKeyPairSync('ec', { namedCurve: 'secp224r1' }).publicKey;
    const spki = Uint8Array.from(secp224.export({ format: 'der', type: 'spki' }));
    expect(await codeOf(verifySignature(spki, { data: message, signature }))).toBe(
      ErrorCode.UNSUPPORTED,
    );
    const x25519 = await createTestKey(work, { kind: 'x25519' });
    expect(await codeOf(verifySignature(x25519.spki, { data: message, signature }))).toBe(
      ErrorCode.UNSUPPORTED,
    );
  });

  it('throws what resolveSignParameters throws', async () => {
    const key = await createTestKey(work, { kind: 'ed25519' } satisfies KeyAlgorithm);
    const digest = digestOf('sha512', message);
    expect(await codeOf(verifySignature(key.spki, { digest, hash: 'sha512', signature }))).toBe(
      ErrorCode.UNSUPPORTED,
    );
    const ec = await createTestKey(work, { kind: 'ec', curve: 'P-256' });
    expect(
      await codeOf(
        verifySignature(ec.spki, { digest: digest.subarray(1), hash: 'sha512', signature }),
      ),
    ).toBe(ErrorCode.INVALID_INPUT);
  });
});
