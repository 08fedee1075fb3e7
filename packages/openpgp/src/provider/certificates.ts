import type { CertificateInfo } from '@keyroute/core';
import type { OpenPgpKeyRecord } from '../keys/describe-key.js';

/**
 * One `CertificateInfo` per certificate (transferable public key, binary): user IDs as
 * subjects, the primary fingerprint, creation and expiry, revocation, and the SPKI SHA-256 of
 * every key it binds.
 */
export function certificatesOf(
  records: readonly OpenPgpKeyRecord[],
  provider: string,
): CertificateInfo[] {
  const byCertificate = new Map<string, OpenPgpKeyRecord[]>();
  for (const record of records) {
    const list = byCertificate.get(record.primaryFingerprint) ?? [];
    list.push(record);
    byCertificate.set(record.primaryFingerprint, list);
  }
  return [...byCertificate.values()].flatMap((parts): CertificateInfo[] => {
    const primary = parts.find((part) => !part.isSubkey) ?? parts[0];
    if (primary === undefined) return [];
    const { certificate } = primary;
    return [
      {
        id: primary.primaryFingerprint,
        provider,
        type: 'openpgp',
        encoded: certificate.toPublic().write(),
        subjects: certificate.getUserIDs(),
        fingerprint: primary.primaryFingerprint,
        notBefore: certificate.getCreationTime(),
        ...(primary.info.expiresAt === undefined ? {} : { notAfter: primary.info.expiresAt }),
        ...(primary.info.revoked === true ? { revoked: true } : {}),
        boundKeys: parts.map((part) => part.info.aliases.spkiSha256),
      },
    ];
  });
}
