import { describePublicKey, publicKeyAliases, type KeyInfo, type KeyUsage } from '@keyroute/core';
import type { PublicKey, SignaturePacket, Subkey } from 'openpgp';
import { spkiOf, type KeyPacketMaterial } from './material.js';

/** One OpenPGP (sub)key as the provider knows it. */
export interface OpenPgpKeyRecord {
  readonly info: KeyInfo;
  /** The certificate the key belongs to. */
  readonly certificate: PublicKey;
  /** Fingerprint of the primary key (upper-case hex): the keystore file name. */
  readonly primaryFingerprint: string;
  /** Fingerprint of this (sub)key, upper-case hex (the key id). */
  readonly fingerprint: string;
  readonly isSubkey: boolean;
}

/** OpenPGP key flags (RFC 9580 §5.2.3.29). */
const FLAG = {
  certify: 0x01,
  sign: 0x02,
  encryptCommunication: 0x04,
  encryptStorage: 0x08,
  authenticate: 0x20,
};

function usagesOfFlags(flags: number): KeyUsage[] {
  const usages: KeyUsage[] = [];
  if ((flags & FLAG.sign) !== 0) usages.push('sign');
  if ((flags & (FLAG.encryptCommunication | FLAG.encryptStorage)) !== 0) usages.push('decrypt');
  if ((flags & FLAG.certify) !== 0) usages.push('certify');
  if ((flags & FLAG.authenticate) !== 0) usages.push('authenticate');
  return usages;
}

function flagsOf(signature: SignaturePacket | undefined): number {
  return signature?.keyFlags?.[0] ?? 0;
}

function expiry(value: Date | number | null): Date | undefined {
  return value instanceof Date ? value : undefined;
}

function latest(signatures: readonly SignaturePacket[]): SignaturePacket | undefined {
  return [...signatures]
    .sort((a, b) => (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0))
    .at(-1);
}

interface Described {
  readonly packet: KeyPacketMaterial;
  readonly fingerprint: string;
  readonly keyId: string;
  readonly flags: number;
  readonly expiresAt: Date | undefined;
  readonly revoked: boolean;
  readonly valid: boolean;
}

async function describePrimary(certificate: PublicKey, now: Date): Promise<Described> {
  let flags = 0;
  try {
    flags = flagsOf((await certificate.getPrimaryUser(now)).selfCertification);
  } catch {
    flags = flagsOf(latest(certificate.users.flatMap((user) => user.selfCertifications)));
  }
  const valid = await certificate.verifyPrimaryKey(now).then(
    () => true,
    () => false,
  );
  return {
    packet: certificate.keyPacket as unknown as KeyPacketMaterial,
    fingerprint: certificate.getFingerprint().toUpperCase(),
    keyId: certificate.getKeyID().toHex().toUpperCase(),
    flags,
    expiresAt: expiry(await certificate.getExpirationTime().catch(() => null)),
    revoked: await certificate.isRevoked(undefined, undefined, now).catch(() => false),
    valid,
  };
}

async function describeSubkey(subkey: Subkey, now: Date): Promise<Described> {
  const binding = latest(subkey.bindingSignatures);
  const valid = await subkey.verify(now).then(
    () => true,
    () => false,
  );
  return {
    packet: subkey.keyPacket as unknown as KeyPacketMaterial,
    fingerprint: subkey.getFingerprint().toUpperCase(),
    keyId: subkey.getKeyID().toHex().toUpperCase(),
    flags: flagsOf(binding),
    expiresAt: expiry(await subkey.getExpirationTime(now).catch(() => null)),
    revoked: subkey.revocationSignatures.length > 0,
    valid,
  };
}

/**
 * Describes every key of a certificate — the primary key and each subkey — as a `KeyInfo`:
 * id = the (sub)key's fingerprint, label = the primary user ID, usages from the key flags of
 * the latest self-signature, expiry and revocation, aliases (SPKI SHA-256, keygrip, OpenPGP
 * fingerprint and key ID), `details` (primary fingerprint, subkey, valid now, protected).
 * Keys of algorithms keyroute cannot express as SPKI (ElGamal, DSA) are left out.
 */
export async function describeCertificate(
  certificate: PublicKey,
  options: {
    readonly provider: string;
    readonly hasSecretKey: boolean;
    readonly protectedSecret: boolean;
    readonly now: Date;
  },
): Promise<OpenPgpKeyRecord[]> {
  const primaryFingerprint = certificate.getFingerprint().toUpperCase();
  const label = certificate.getUserIDs()[0];
  const parts = [
    await describePrimary(certificate, options.now),
    ...(await Promise.all(
      certificate.subkeys.map((subkey) => describeSubkey(subkey, options.now)),
    )),
  ];
  return parts.flatMap((part, index): OpenPgpKeyRecord[] => {
    let spki: Uint8Array;
    try {
      spki = spkiOf(part.packet);
    } catch {
      return [];
    }
    const info: KeyInfo = {
      id: part.fingerprint,
      provider: options.provider,
      ...(label === undefined ? {} : { label }),
      algorithm: describePublicKey(spki),
      usages: options.hasSecretKey ? usagesOfFlags(part.flags) : [],
      hasPrivateKey: options.hasSecretKey,
      publicKey: spki,
      aliases: {
        ...publicKeyAliases(spki),
        openpgpFingerprint: part.fingerprint,
        openpgpKeyId: part.keyId,
      },
      ...(part.expiresAt === undefined ? {} : { expiresAt: part.expiresAt }),
      ...(part.revoked ? { revoked: true } : {}),
      details: {
        primaryFingerprint,
        subkey: index > 0,
        validNow: part.valid,
        ...(options.hasSecretKey ? { protected: options.protectedSecret } : {}),
      },
    };
    return [
      { info, certificate, primaryFingerprint, fingerprint: part.fingerprint, isSubkey: index > 0 },
    ];
  });
}
