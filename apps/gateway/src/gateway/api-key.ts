import type { CertificateInfo, KeyAlgorithm, KeyInfo } from '@keyroute/core';

/** A key as the HTTP API shows it. */
export interface ApiKey {
  readonly id: string;
  readonly provider: string;
  readonly label?: string;
  readonly algorithm: { readonly name: string; readonly bits?: number; readonly curve?: string };
  readonly usages: readonly string[];
  readonly publicKey: string;
  readonly aliases: Readonly<Record<string, string>>;
  readonly certificates: readonly string[];
  readonly expiresAt?: string;
  readonly revoked?: boolean;
}

/** A certificate as the HTTP API shows it. */
export interface ApiCertificate {
  readonly id: string;
  readonly type: 'x509' | 'openpgp';
  readonly provider: string;
  readonly keys: readonly string[];
  readonly subject?: string;
  readonly userIds?: readonly string[];
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly data: string;
}

/** The gateway id of a provider's key: `<providerId>:<keyId>`, stable across restarts. */
export function gatewayKeyId(provider: string, keyId: string): string {
  return `${provider}:${keyId}`;
}

function algorithmOf(algorithm: KeyAlgorithm): ApiKey['algorithm'] {
  switch (algorithm.kind) {
    case 'rsa':
      return { name: 'RSA', bits: algorithm.bits };
    case 'ec':
      return { name: 'EC', curve: algorithm.curve };
    case 'ed25519':
      return { name: 'Ed25519' };
    case 'ed448':
      return { name: 'Ed448' };
    case 'x25519':
      return { name: 'X25519' };
    case 'x448':
      return { name: 'X448' };
  }
}

/** The aliases a key can be found by, as strings (for ACL globs). */
export function aliasValues(key: KeyInfo): string[] {
  return Object.values(key.aliases).filter((value): value is string => typeof value === 'string');
}

/** Maps a provider's key to the API shape, with the ids of certificates that bind it. */
export function toApiKey(key: KeyInfo, certificates: readonly CertificateInfo[]): ApiKey {
  const aliases: Record<string, string> = {};
  for (const [name, value] of Object.entries(key.aliases)) {
    if (typeof value === 'string') aliases[name] = value;
  }
  return {
    id: gatewayKeyId(key.provider, key.id),
    provider: key.provider,
    ...(key.label === undefined ? {} : { label: key.label }),
    algorithm: algorithmOf(key.algorithm),
    usages: key.usages,
    publicKey: Buffer.from(key.publicKey).toString('base64'),
    aliases,
    certificates: certificates
      .filter((certificate) => certificate.boundKeys.includes(key.aliases.spkiSha256))
      .map((certificate) => gatewayKeyId(certificate.provider, certificate.id)),
    ...(key.expiresAt === undefined ? {} : { expiresAt: key.expiresAt.toISOString() }),
    ...(key.revoked === true ? { revoked: true } : {}),
  };
}

/** Maps a certificate to the API shape; `keys` are the gateway ids of the keys it binds. */
export function toApiCertificate(
  certificate: CertificateInfo,
  keys: readonly KeyInfo[],
): ApiCertificate {
  return {
    id: gatewayKeyId(certificate.provider, certificate.id),
    type: certificate.type,
    provider: certificate.provider,
    keys: keys
      .filter((key) => certificate.boundKeys.includes(key.aliases.spkiSha256))
      .map((key) => gatewayKeyId(key.provider, key.id)),
    ...(certificate.type === 'x509'
      ? { subject: certificate.subjects[0] ?? '' }
      : { userIds: certificate.subjects }),
    ...(certificate.notBefore === undefined
      ? {}
      : { notBefore: certificate.notBefore.toISOString() }),
    ...(certificate.notAfter === undefined ? {} : { notAfter: certificate.notAfter.toISOString() }),
    data: Buffer.from(certificate.encoded).toString('base64'),
  };
}
