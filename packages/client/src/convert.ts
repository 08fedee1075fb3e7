import {
  ProviderError,
  type CertificateInfo,
  type EcCurve,
  type HashAlgorithm,
  type KeyAlgorithm,
  type KeyInfo,
  type KeyUsage,
} from '@keyroute/core';

/** The key shape of the gateway API (see the gateway README). */
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

/** The certificate shape of the gateway API. */
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

function protocol(message: string): ProviderError {
  return new ProviderError('PROTOCOL', `the gateway answered an unexpected shape: ${message}`);
}

function algorithmOf(algorithm: ApiKey['algorithm']): KeyAlgorithm {
  switch (algorithm.name) {
    case 'RSA':
      if (typeof algorithm.bits !== 'number') throw protocol('RSA key without bits');
      return { kind: 'rsa', bits: algorithm.bits };
    case 'EC':
      if (typeof algorithm.curve !== 'string') throw protocol('EC key without curve');
      return { kind: 'ec', curve: algorithm.curve as EcCurve };
    case 'Ed25519':
      return { kind: 'ed25519' };
    case 'Ed448':
      return { kind: 'ed448' };
    case 'X25519':
      return { kind: 'x25519' };
    case 'X448':
      return { kind: 'x448' };
    default:
      throw protocol(`unknown algorithm ${algorithm.name}`);
  }
}

const bytes = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, 'base64'));

/**
 * A gateway key as a `KeyInfo`: its id is the gateway id (`provider:keyId`, which the gateway
 * resolves), `provider` the member provider that holds it (as core's router does).
 */
export function keyInfoOf(key: ApiKey): KeyInfo {
  if (typeof key.id !== 'string' || typeof key.publicKey !== 'string')
    throw protocol('key without id or publicKey');
  const aliases = key.aliases as Record<string, string>;
  const spkiSha256 = aliases['spkiSha256'];
  if (spkiSha256 === undefined) throw protocol(`key ${key.id} has no spkiSha256 alias`);
  return {
    id: key.id,
    provider: key.provider,
    ...(key.label === undefined ? {} : { label: key.label }),
    algorithm: algorithmOf(key.algorithm),
    usages: key.usages as KeyUsage[],
    hasPrivateKey: key.usages.length > 0,
    publicKey: bytes(key.publicKey),
    aliases: { ...aliases, spkiSha256 },
    ...(key.expiresAt === undefined ? {} : { expiresAt: new Date(key.expiresAt) }),
    ...(key.revoked === true ? { revoked: true } : {}),
  };
}

/** A gateway certificate as a `CertificateInfo`; `boundKeys` from the listed keys' SPKI SHA-256. */
export function certificateInfoOf(
  certificate: ApiCertificate,
  keys: readonly KeyInfo[],
  provider: string,
): CertificateInfo {
  const encoded = bytes(certificate.data);
  return {
    id: certificate.id,
    // Certificates are named by the client's id (their ids carry the member provider's).
    provider,
    type: certificate.type,
    encoded,
    subjects:
      certificate.type === 'x509' ? [certificate.subject ?? ''] : [...(certificate.userIds ?? [])],
    fingerprint: certificate.id.slice(certificate.id.indexOf(':') + 1),
    ...(certificate.notBefore === undefined ? {} : { notBefore: new Date(certificate.notBefore) }),
    ...(certificate.notAfter === undefined ? {} : { notAfter: new Date(certificate.notAfter) }),
    boundKeys: keys
      .filter((key) => certificate.keys.includes(key.id))
      .map((key) => key.aliases.spkiSha256),
  };
}

/** The API's hash name for a core hash (`sha256` → `SHA-256`). */
export function apiHash(hash: HashAlgorithm): string {
  return hash.startsWith('sha3-') ? hash.toUpperCase() : `SHA-${hash.slice(3)}`;
}

/** Bytes as base64 for a request body. */
export function base64(value: Uint8Array): string {
  return Buffer.from(value).toString('base64');
}
