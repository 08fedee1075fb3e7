import { hasErrorCode, isProviderError } from '@keyroute/core';
import { generateKey, readKey, revokeKey } from 'openpgp';
import type { PrivateKey, PublicKey, SecretKeyPacket, SignaturePacket } from 'openpgp';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VALIDATION_POLICY,
  requireEncryptionCapable,
  validateCertificate,
} from './validate.js';
import type { ValidationCheck, ValidationReport } from './validate.js';

const HOUR = 3600;
const inTwoHours = (): Date => new Date(Date.now() + 2 * HOUR * 1000);

type GenerateOptions = Omit<Parameters<typeof generateKey>[0], 'userIDs' | 'format'>;

async function key(name: string, options: GenerateOptions = {}): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    userIDs: [{ name, email: `${name}@keyroute.test` }],
    type: 'ecc',
    curve: 'ed25519Legacy',
    ...options,
    format: 'object',
  });
  return privateKey;
}

function failed(report: ValidationReport, id: ValidationCheck['id']): ValidationCheck[] {
  return report.checks.filter((check) => check.id === id && !check.ok);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The certificate with one bit of `signature` flipped: the last byte of its signature value. */
async function corrupt(certificate: PublicKey, signature: SignaturePacket): Promise<PublicKey> {
  const bytes = new Uint8Array(certificate.write());
  const signatureBytes = signature.write();
  const at = indexOf(bytes, signatureBytes);
  if (at < 0) throw new Error('signature not found in the certificate');
  const last = at + signatureBytes.length - 1;
  bytes[last] = (bytes[last] ?? 0) ^ 0x01;
  return readKey({ binaryKey: bytes });
}

async function rejection(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('validateCertificate', () => {
  it('passes a current ECC certificate with an encryption subkey', async () => {
    const certificate = (await key('good')).toPublic();
    const report = await validateCertificate(certificate);
    expect(report.fingerprint).toBe(certificate.getFingerprint().toUpperCase());
    expect(report.userIds).toEqual(['good <good@keyroute.test>']);
    expect(report.valid).toBe(true);
    expect(report.canEncrypt).toBe(true);
    expect(report.canSign).toBe(true);
    expect(report.revoked).toBe(false);
    expect(report.expiresAt).toBeUndefined();
    expect(report.checks.every((check) => check.ok)).toBe(true);
    expect(new Set(report.checks.map((check) => check.id))).toEqual(
      new Set([
        'self-signatures',
        'primary-key-valid',
        'encryption-subkey',
        'algorithm-policy',
        'key-size-policy',
      ]),
    );
    const encryption = report.checks.find((check) => check.id === 'encryption-subkey');
    expect(encryption?.subkey).toBe(certificate.subkeys[0]?.getKeyID().toHex().toUpperCase());
    expect(() => {
      requireEncryptionCapable(report);
    }).not.toThrow();
  });

  it('fails an expired key (error) and says when it expired', async () => {
    const certificate = (await key('expired', { keyExpirationTime: HOUR })).toPublic();
    expect((await validateCertificate(certificate)).valid).toBe(true);
    const report = await validateCertificate(certificate, { now: inTwoHours() });
    expect(report.valid).toBe(false);
    expect(report.canEncrypt).toBe(false);
    expect(report.expiresAt).toBeInstanceOf(Date);
    const [primary] = failed(report, 'primary-key-valid');
    expect(primary?.severity).toBe('error');
    expect(primary?.message).toContain(`expired on ${report.expiresAt?.toISOString() ?? '?'}`);
  });

  it('fails a revoked key', async () => {
    const { publicKey } = await revokeKey({ key: await key('revoked'), format: 'object' });
    const report = await validateCertificate(publicKey);
    expect(report.revoked).toBe(true);
    expect(report.valid).toBe(false);
    expect(report.canEncrypt).toBe(false);
    expect(failed(report, 'primary-key-valid')[0]?.message).toContain('revoked');
  });

  it('warns about a key without any subkey: it cannot encrypt, but it is valid', async () => {
    const report = await validateCertificate((await key('nosub', { subkeys: [] })).toPublic());
    expect(report.valid).toBe(true);
    expect(report.canEncrypt).toBe(false);
    expect(report.canSign).toBe(true);
    const [warning] = failed(report, 'encryption-subkey');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toContain('no subkey');
    expect(warning?.message).toContain('a warning at upload');
  });

  it('warns about a key whose only subkey is sign-only', async () => {
    const report = await validateCertificate(
      (await key('signonly', { subkeys: [{ sign: true }] })).toPublic(),
    );
    expect(report.valid).toBe(true);
    expect(report.canEncrypt).toBe(false);
    expect(failed(report, 'encryption-subkey')).toHaveLength(1);
  });

  it('warns about an expired encryption subkey, naming it, and encrypting then fails', async () => {
    const certificate = (
      await key('oldsub', { subkeys: [{ keyExpirationTime: HOUR }] })
    ).toPublic();
    const report = await validateCertificate(certificate, { now: inTwoHours() });
    expect(report.valid).toBe(true);
    expect(failed(report, 'primary-key-valid')).toEqual([]);
    expect(report.canEncrypt).toBe(false);
    const [warning] = failed(report, 'encryption-subkey');
    const subkeyId = certificate.subkeys[0]?.getKeyID().toHex().toUpperCase();
    expect(warning).toMatchObject({ severity: 'warning', subkey: subkeyId });
    expect(warning?.message).toMatch(/expired on \d{4}-/);
    const error = await rejection(() => {
      requireEncryptionCapable(report);
    });
    expect(hasErrorCode(error, 'UNSUPPORTED')).toBe(true);
    expect(isProviderError(error) && error.key).toBe(report.fingerprint);
    expect(isProviderError(error) && error.message).toContain(`subkey ${subkeyId ?? '?'}: expired`);
    expect(isProviderError(error) && error.message).not.toContain('a warning at upload');
  });

  it('warns about a revoked encryption subkey', async () => {
    const privateKey = await key('revsub');
    const [subkey] = privateKey.subkeys;
    if (subkey === undefined) throw new Error('no subkey');
    privateKey.subkeys[0] = await subkey.revoke(privateKey.keyPacket as SecretKeyPacket);
    const report = await validateCertificate(privateKey.toPublic());
    expect(report.canEncrypt).toBe(false);
    expect(failed(report, 'encryption-subkey')[0]?.message).toContain('revoked');
  });

  it('fails a certificate whose user ID self-signature is corrupt', async () => {
    const certificate = (await key('forged')).toPublic();
    const selfSignature = certificate.users[0]?.selfCertifications[0];
    if (selfSignature === undefined) throw new Error('no self-signature');
    const report = await validateCertificate(await corrupt(certificate, selfSignature));
    expect(report.valid).toBe(false);
    const [bad] = failed(report, 'self-signatures');
    expect(bad?.severity).toBe('error');
    expect(bad?.message).toContain('user ID "forged <forged@keyroute.test>"');
    expect(bad?.message).toContain('verification failed');
    // Without a valid self-signature the primary key is not valid either.
    expect(failed(report, 'primary-key-valid')).toHaveLength(1);
  });

  it('fails a certificate whose subkey binding signature is corrupt, naming the subkey', async () => {
    const certificate = (await key('badbinding')).toPublic();
    const binding = certificate.subkeys[0]?.bindingSignatures[0];
    if (binding === undefined) throw new Error('no binding signature');
    const report = await validateCertificate(await corrupt(certificate, binding));
    expect(report.valid).toBe(false);
    expect(report.canEncrypt).toBe(false);
    const [bad] = failed(report, 'self-signatures');
    expect(bad?.subkey).toBe(certificate.subkeys[0]?.getKeyID().toHex().toUpperCase());
  });

  it('fails 1024-bit RSA by the default policy, and passes it under a laxer one', async () => {
    const weak = (
      await key('rsa1024', { type: 'rsa', rsaBits: 1024, config: { minRSABits: 1024 } })
    ).toPublic();
    const report = await validateCertificate(weak);
    expect(report.valid).toBe(false);
    expect(report.canEncrypt).toBe(false);
    const sizes = failed(report, 'key-size-policy');
    expect(sizes.map((check) => check.subkey)).toEqual([
      undefined,
      weak.subkeys[0]?.getKeyID().toHex().toUpperCase(),
    ]);
    expect(sizes[0]?.message).toContain('1024-bit RSA is below the policy');
    const lax = await validateCertificate(weak, {
      policy: { ...DEFAULT_VALIDATION_POLICY, minRsaBits: 1024 },
    });
    expect(lax.valid).toBe(true);
    expect(lax.canEncrypt).toBe(true);
  });

  it('passes 2048-bit RSA', async () => {
    const report = await validateCertificate(
      (await key('rsa2048', { type: 'rsa', rsaBits: 2048 })).toPublic(),
    );
    expect(report.valid).toBe(true);
    expect(report.canEncrypt).toBe(true);
  });

  it('fails algorithms the policy does not allow', async () => {
    const report = await validateCertificate((await key('eddsa')).toPublic(), {
      policy: { minRsaBits: 2048, allowedAlgorithms: ['rsaEncryptSign', 'ecdh'] },
    });
    expect(report.valid).toBe(false);
    const [algorithm] = failed(report, 'algorithm-policy');
    expect(algorithm?.subkey).toBeUndefined();
    expect(algorithm?.message).toContain('eddsaLegacy is not allowed');
    // The ECDH subkey is allowed, but a primary key outside the policy cannot certify it.
    expect(report.canEncrypt).toBe(false);
  });
});
