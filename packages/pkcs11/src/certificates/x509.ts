import { X509Certificate, createHash } from 'node:crypto';

/** The fields of an X.509 certificate keyroute reports. */
export interface ParsedCertificate {
  /** The DER certificate. */
  readonly der: Uint8Array;
  /** SHA-256 of the DER, lower-case hex. */
  readonly sha256: string;
  /** Subject DN, most specific RDN first (RFC 4514 order): `CN=…, O=…, C=…`. */
  readonly subject: string;
  /** Issuer DN, in the same form. */
  readonly issuer: string;
  /** Serial number, upper-case hex without leading zeros beyond one byte. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo of the certified key. */
  readonly publicKey: Uint8Array;
}

/** node prints a DN one RDN per line, from the root down; RFC 4514 writes it the other way. */
function rfc4514(distinguishedName: string): string {
  return distinguishedName
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .join(', ');
}

/**
 * Parses a DER X.509 certificate with node:crypto (OpenSSL). Returns undefined for bytes that
 * are not a certificate node can read, so one odd object never hides the others.
 */
export function parseX509Certificate(der: Uint8Array): ParsedCertificate | undefined {
  try {
    const certificate = new X509Certificate(Buffer.from(der));
    const publicKey = certificate.publicKey.export({ type: 'spki', format: 'der' });
    return {
      der,
      sha256: createHash('sha256').update(der).digest('hex'),
      subject: rfc4514(certificate.subject),
      issuer: rfc4514(certificate.issuer),
      serialNumber: certificate.serialNumber.toUpperCase(),
      notBefore: new Date(certificate.validFrom),
      notAfter: new Date(certificate.validTo),
      publicKey: new Uint8Array(publicKey),
    };
  } catch {
    return undefined;
  }
}
