/**
 * The output of `keyroute keys` and `keyroute certs`: a table for people, and `--json` for
 * scripts. The JSON shape is a published contract, defined here and nowhere else: fields may be
 * added in a later version, never renamed or removed.
 */
import { formatAlgorithm, type CertificateInfo, type KeyInfo } from '@keyroute/core';

/** A key in `keyroute keys --json`. */
export interface KeyJson {
  /** The key id: pass it as `--key`. Through a gateway, the gateway id `provider:keyId`. */
  readonly id: string;
  /** The provider that holds the key. */
  readonly provider: string;
  readonly label?: string;
  /** `{ kind: 'rsa', bits }`, `{ kind: 'ec', curve }`, `{ kind: 'ed25519' }`, … */
  readonly algorithm: { readonly kind: string; readonly bits?: number; readonly curve?: string };
  /** `sign`, `decrypt`, `certify`, `authenticate`; empty for public-only keys. */
  readonly usages: readonly string[];
  readonly hasPrivateKey: boolean;
  /** Other names of the key (spkiSha256 always; keygrip, openpgpFingerprint, … when known). */
  readonly aliases: Readonly<Record<string, string>>;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly publicKey: string;
  /** ISO 8601. */
  readonly expiresAt?: string;
  readonly revoked?: true;
}

/** A certificate in `keyroute certs --json`. */
export interface CertificateJson {
  readonly id: string;
  readonly provider: string;
  readonly type: 'x509' | 'openpgp';
  /** Subject DN(s) for X.509, user IDs for OpenPGP. */
  readonly subjects: readonly string[];
  readonly issuer?: string;
  readonly serialNumber?: string;
  /** SHA-256 of the DER for X.509; the primary key fingerprint for OpenPGP. */
  readonly fingerprint: string;
  /** ISO 8601. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly revoked?: true;
  /** SPKI SHA-256 of every key the certificate binds. */
  readonly boundKeys: readonly string[];
  /** DER certificate or binary OpenPGP certificate, base64. */
  readonly encoded: string;
}

/** The fields every key has in the JSON output, and those it may have. */
export const KEY_JSON_FIELDS = {
  required: [
    'id',
    'provider',
    'algorithm',
    'usages',
    'hasPrivateKey',
    'aliases',
    'publicKey',
  ] as const satisfies readonly (keyof KeyJson)[],
  optional: ['label', 'expiresAt', 'revoked'] as const satisfies readonly (keyof KeyJson)[],
};

/** The fields every certificate has in the JSON output, and those it may have. */
export const CERTIFICATE_JSON_FIELDS = {
  required: [
    'id',
    'provider',
    'type',
    'subjects',
    'fingerprint',
    'boundKeys',
    'encoded',
  ] as const satisfies readonly (keyof CertificateJson)[],
  optional: [
    'issuer',
    'serialNumber',
    'notBefore',
    'notAfter',
    'revoked',
  ] as const satisfies readonly (keyof CertificateJson)[],
};

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** A key as `keyroute keys --json` shows it. */
export function keyJson(key: KeyInfo): KeyJson {
  const aliases: Record<string, string> = {};
  for (const [name, value] of Object.entries(key.aliases)) {
    if (typeof value === 'string') aliases[name] = value;
  }
  return {
    id: key.id,
    provider: key.provider,
    ...(key.label === undefined ? {} : { label: key.label }),
    algorithm: { ...key.algorithm },
    usages: [...key.usages],
    hasPrivateKey: key.hasPrivateKey,
    aliases,
    publicKey: base64(key.publicKey),
    ...(key.expiresAt === undefined ? {} : { expiresAt: key.expiresAt.toISOString() }),
    ...(key.revoked === true ? { revoked: true as const } : {}),
  };
}

/** A certificate as `keyroute certs --json` shows it. */
export function certificateJson(certificate: CertificateInfo): CertificateJson {
  return {
    id: certificate.id,
    provider: certificate.provider,
    type: certificate.type,
    subjects: [...certificate.subjects],
    ...(certificate.issuer === undefined ? {} : { issuer: certificate.issuer }),
    ...(certificate.serialNumber === undefined ? {} : { serialNumber: certificate.serialNumber }),
    fingerprint: certificate.fingerprint,
    ...(certificate.notBefore === undefined
      ? {}
      : { notBefore: certificate.notBefore.toISOString() }),
    ...(certificate.notAfter === undefined ? {} : { notAfter: certificate.notAfter.toISOString() }),
    ...(certificate.revoked === true ? { revoked: true as const } : {}),
    boundKeys: [...certificate.boundKeys],
    encoded: base64(certificate.encoded),
  };
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `keyroute keys` for people: id, algorithm, usages, label. */
export function keysTable(keys: readonly KeyInfo[]): string {
  if (keys.length === 0) return 'no keys\n';
  return table(
    ['ID', 'ALGORITHM', 'USAGES', 'LABEL'],
    keys.map((key) => [
      key.id,
      formatAlgorithm(key.algorithm),
      key.usages.length === 0 ? '(public only)' : key.usages.join(','),
      `${key.label ?? ''}${key.revoked === true ? ' [revoked]' : ''}`,
    ]),
  );
}

const day = (date: Date | undefined): string => date?.toISOString().slice(0, 10) ?? '-';

/** `keyroute certs` for people: id, type, validity, subjects. */
export function certificatesTable(certificates: readonly CertificateInfo[]): string {
  if (certificates.length === 0) return 'no certificates\n';
  return table(
    ['ID', 'TYPE', 'NOT AFTER', 'SUBJECT'],
    certificates.map((certificate) => [
      certificate.id,
      certificate.type,
      day(certificate.notAfter),
      `${certificate.subjects.join('; ')}${certificate.revoked === true ? ' [revoked]' : ''}`,
    ]),
  );
}
