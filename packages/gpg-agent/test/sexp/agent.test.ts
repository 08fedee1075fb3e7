/**
 * The S-expression conversions against a real gpg-agent: READKEY, PKSIGN and PKDECRYPT output for
 * every key type of the testbed's default gpg home, checked with independent verifiers (core's
 * keygrip, node:crypto, `gpg --export-ssh-key`).
 */
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
import { connectUnixSocket } from '@keyroute/assuan';
import type { AssuanConnection } from '@keyroute/assuan';
import { computeKeygrip, describePublicKey, verifySignature } from '@keyroute/core';
import type { EcCurve, HashAlgorithm, KeyAlgorithm } from '@keyroute/core';
import { createGpgHome } from '@keyroute/testbed';
import type { GpgHome, GpgTestKey } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeDecryptedValue,
  decodeOaep,
  decodeSignatureSexp,
  ecdhCiphertextSexp,
  ecdhSharedSecret,
  publicKeySexpToSpki,
  rsaCiphertextSexp,
} from '../../src/sexp/index.js';

let home: GpgHome;
let agent: AssuanConnection;

beforeAll(async () => {
  home = await createGpgHome();
  agent = await connectUnixSocket(home.agentSocket);
});

afterAll(async () => {
  await agent.close();
  await home.dispose();
});

function keyOf(spec: string, role: 'primary' | 'subkey'): GpgTestKey {
  const key = home.keys.find((k) => k.spec === spec && k.role === role);
  if (key === undefined) throw new Error(`the default gpg home has no ${role} of "${spec}"`);
  return key;
}

async function readSpki(key: GpgTestKey): Promise<Uint8Array> {
  const { data } = await agent.transact('READKEY', key.keygrip);
  return publicKeySexpToSpki(data);
}

const keyObject = (spki: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });

const EXPECTED_ALGORITHMS: Readonly<Record<GpgTestKey['type'], KeyAlgorithm>> = {
  rsa2048: { kind: 'rsa', bits: 2048 },
  rsa3072: { kind: 'rsa', bits: 3072 },
  ed25519: { kind: 'ed25519' },
  cv25519: { kind: 'x25519' },
  nistp256: { kind: 'ec', curve: 'P-256' },
  nistp384: { kind: 'ec', curve: 'P-384' },
  brainpoolP256r1: { kind: 'ec', curve: 'brainpoolP256r1' },
};

// SSH wire format (RFC 4251 §5): uint32 length ‖ bytes, repeated.
function sshStrings(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < blob.length;) {
    const length = blob.readUInt32BE(offset);
    out.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return out;
}

describe('publicKeySexpToSpki with READKEY', () => {
  it('covers every key type of the default gpg home', () => {
    expect(new Set(home.keys.map((k) => k.type))).toEqual(
      new Set(Object.keys(EXPECTED_ALGORITHMS)),
    );
  });

  it('gives an SPKI whose keygrip is the agent key name, for every key', async () => {
    for (const key of home.keys) {
      const spki = await readSpki(key);
      expect(computeKeygrip(spki), `${key.spec} ${key.role}`).toBe(key.keygrip);
      expect(describePublicKey(spki)).toEqual(EXPECTED_ALGORITHMS[key.type]);
      const node = keyObject(spki);
      expect(node.type).toBe('public');
    }
  });

  it.each(['rsa2048', 'nistp256', 'ed25519'])(
    'matches the key gpg --export-ssh-key prints for %s',
    async (spec) => {
      const key = keyOf(spec, 'primary');
      // "!" exports this exact key although it lacks the authentication capability.
      const { stdout } = await home.gpg(['--export-ssh-key', `${key.fingerprint}!`]);
      const [type, base64] = stdout.trim().split(' ');
      const fields = sshStrings(Buffer.from(base64 ?? '', 'base64'));
      const jwk = keyObject(await readSpki(key)).export({ format: 'jwk' });
      const b64url = (bytes: Buffer | undefined): string =>
        Buffer.from(bytes ?? []).toString('base64url');
      const unsigned = (bytes: Buffer | undefined): Buffer | undefined =>
        bytes?.[0] === 0 ? bytes.subarray(1) : bytes;
      switch (type) {
        case 'ssh-rsa':
          expect(jwk.e).toBe(b64url(unsigned(fields[1])));
          expect(jwk.n).toBe(b64url(unsigned(fields[2])));
          break;
        case 'ecdsa-sha2-nistp256': {
          const point = fields[2] ?? Buffer.alloc(0);
          expect(jwk.crv).toBe('P-256');
          expect(jwk.x).toBe(b64url(point.subarray(1, 33)));
          expect(jwk.y).toBe(b64url(point.subarray(33)));
          break;
        }
        case 'ssh-ed25519':
          expect(jwk.x).toBe(b64url(fields[1]));
          break;
        default:
          throw new Error(`unexpected ssh key type ${String(type)}`);
      }
    },
  );
});

describe('decodeSignatureSexp with PKSIGN', () => {
  async function pksign(
    key: GpgTestKey,
    digest: Uint8Array,
    hash: HashAlgorithm = 'sha256',
  ): Promise<Uint8Array> {
    await agent.transact('SIGKEY', key.keygrip);
    await agent.transact('SETHASH', [`--hash=${hash}`, Buffer.from(digest).toString('hex')]);
    return (await agent.transact('PKSIGN')).data;
  }

  // gpg-agent 2.2 refuses a digest shorter than the ECDSA order ("Invalid length"): P-384
  // needs sha384 or longer.
  it.each([
    ['rsa2048', 'sha256'],
    ['rsa3072', 'sha256'],
    ['nistp256', 'sha256'],
    ['nistp384', 'sha384'],
    ['brainpoolP256r1', 'sha256'],
  ] as const)('decodes %s signatures (%s) that verify over the digest', async (spec, hash) => {
    const key = keyOf(spec, 'primary');
    const spki = await readSpki(key);
    const algorithm = describePublicKey(spki);
    // Several rounds: RSA s and ECDSA r/s sometimes lose (or gain) a leading zero byte.
    for (let round = 0; round < 8; round++) {
      const digest = createHash(hash).update(`message ${round}`).digest();
      const sexp = await pksign(key, digest, hash);
      const scheme = algorithm.kind === 'rsa' ? 'pkcs1v15' : 'ecdsa';
      const signature = decodeSignatureSexp(sexp, algorithm);
      if (algorithm.kind === 'rsa') expect(signature.length).toBe(algorithm.bits / 8);
      expect(await verifySignature(spki, { digest, hash, scheme, signature })).toBe(true);
      if (algorithm.kind === 'ec') {
        const der = decodeSignatureSexp(sexp, algorithm, 'der');
        expect(
          await verifySignature(spki, {
            digest,
            hash,
            scheme,
            signature: der,
            signatureEncoding: 'der',
          }),
        ).toBe(true);
        // An independent check of the DER form: node verifies it against the digest's data.
        const data = Buffer.from(`message ${round}`);
        expect(verify(hash, data, keyObject(spki), der)).toBe(true);
      } else {
        expect(verify(hash, Buffer.from(`message ${round}`), keyObject(spki), signature)).toBe(
          true,
        );
      }
      const wrong = createHash(hash).update('another message').digest();
      expect(await verifySignature(spki, { digest: wrong, hash, scheme, signature })).toBe(false);
    }
  });

  it('decodes Ed25519 signatures over the 32 "hash" bytes', async () => {
    const key = keyOf('ed25519', 'primary');
    const spki = await readSpki(key);
    for (let round = 0; round < 4; round++) {
      const digest = randomBytes(32);
      const signature = decodeSignatureSexp(await pksign(key, digest), { kind: 'ed25519' });
      expect(signature.length).toBe(64);
      expect(verify(null, digest, keyObject(spki), signature)).toBe(true);
    }
  });
});

describe('PKDECRYPT', () => {
  async function pkdecrypt(key: GpgTestKey, ciphertext: Uint8Array): Promise<Uint8Array> {
    await agent.transact('SETKEY', key.keygrip);
    const { data } = await agent.transact('PKDECRYPT', undefined, {
      onInquire: (keyword) => {
        if (keyword !== 'CIPHERTEXT') throw new Error(`unexpected INQUIRE ${keyword}`);
        return ciphertext;
      },
    });
    return decodeDecryptedValue(data);
  }

  it.each([
    ['sha1', undefined],
    ['sha256', undefined],
    ['sha256', 'a label'],
  ] as const)('decrypts RSA-OAEP %s (label %s) with decodeOaep', async (hash, labelText) => {
    const key = keyOf('rsa2048', 'subkey');
    const spki = await readSpki(key);
    const label = labelText === undefined ? undefined : Uint8Array.from(Buffer.from(labelText));
    for (let round = 0; round < 6; round++) {
      const plaintext = randomBytes(32);
      const ciphertext = publicEncrypt(
        {
          key: keyObject(spki),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: hash,
          ...(label === undefined ? {} : { oaepLabel: label }),
        },
        plaintext,
      );
      const value = await pkdecrypt(key, rsaCiphertextSexp(ciphertext));
      expect(Buffer.from(decodeOaep(value, 256, hash, label))).toEqual(plaintext);
      // A label mismatch is the one generic failure.
      expect(() => decodeOaep(value, 256, hash, Uint8Array.of(1))).toThrow('decryption failed');
    }
  });

  it('decrypts a ciphertext with leading zero bytes', async () => {
    const key = keyOf('rsa2048', 'subkey');
    const spki = await readSpki(key);
    // A raw "ciphertext" below 2^2040 starts with a zero byte; its decryption is c^d mod n.
    const small = new Uint8Array(256);
    small.set(randomBytes(200), 56);
    const value = await pkdecrypt(key, rsaCiphertextSexp(small));
    const back = publicEncrypt(
      { key: keyObject(spki), padding: constants.RSA_NO_PADDING },
      (() => {
        const padded = new Uint8Array(256);
        const magnitude = value[0] === 0 ? value.subarray(1) : value;
        padded.set(magnitude, 256 - magnitude.length);
        return padded;
      })(),
    );
    expect(Buffer.from(back)).toEqual(Buffer.from(small));
  });

  it('returns the raw RSA result without leading zeros and with a 00 before a set top bit', async () => {
    const key = keyOf('rsa2048', 'subkey');
    const recipient = keyObject(await readSpki(key));
    const raw = (m: Uint8Array): Buffer =>
      publicEncrypt({ key: recipient, padding: constants.RSA_NO_PADDING }, m);
    const topBitSet = new Uint8Array(256);
    topBitSet.set(randomBytes(255), 1);
    topBitSet[1] = 0x80;
    const value = await pkdecrypt(key, rsaCiphertextSexp(raw(topBitSet)));
    expect(Buffer.from(value)).toEqual(Buffer.from(topBitSet)); // 00 80 …: 256 bytes
    const leadingZeros = new Uint8Array(256);
    leadingZeros.set(randomBytes(250), 6);
    leadingZeros[6] = 0x01;
    const short = await pkdecrypt(key, rsaCiphertextSexp(raw(leadingZeros)));
    expect(Buffer.from(short)).toEqual(Buffer.from(leadingZeros.subarray(6)));
  });

  it('needs only e for ECDH: s is ignored', async () => {
    const key = keyOf('ed25519', 'subkey');
    const ephemeral = generateKeyPairSync('x25519');
    const u = ephemeral.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const e = Buffer.concat([Uint8Array.of(0x40), u]);
    const withoutS = Buffer.concat([
      Buffer.from('(7:enc-val(4:ecdh(1:e33:'),
      e,
      Buffer.from(')))'),
    ]);
    const withS = await pkdecrypt(key, ecdhCiphertextSexp(e));
    expect(Buffer.from(await pkdecrypt(key, withoutS))).toEqual(Buffer.from(withS));
  });

  async function ecdhRound(key: GpgTestKey, curve: 'x25519' | EcCurve): Promise<void> {
    const recipient = keyObject(await readSpki(key));
    const ephemeral =
      curve === 'x25519'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('ec', { namedCurve: curve === 'P-256' ? 'prime256v1' : curve });
    const spki = ephemeral.publicKey.export({ format: 'der', type: 'spki' });
    // gpg's point formats: 0x40 ‖ u for Curve25519, 04 ‖ x ‖ y for Weierstrass curves.
    const point =
      curve === 'x25519'
        ? Buffer.concat([Uint8Array.of(0x40), spki.subarray(-32)])
        : spki.subarray(-65);
    const value = await pkdecrypt(key, ecdhCiphertextSexp(point));
    const expected = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
    expect(Buffer.from(ecdhSharedSecret(value, curve))).toEqual(expected);
  }

  it('computes the cv25519 shared secret node computes', async () => {
    const key = keyOf('ed25519', 'subkey');
    for (let round = 0; round < 4; round++) await ecdhRound(key, 'x25519');
  });

  it('computes the NIST P-256 shared secret node computes', async () => {
    const key = keyOf('nistp256', 'subkey');
    for (let round = 0; round < 4; round++) await ecdhRound(key, 'P-256');
  });
});
