import { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../contract/keys.js';
import type { Provider } from '../contract/provider.js';
import { exportSpki, sha256Hex } from './node-crypto.js';
import { ConformanceError } from './problems.js';

const SPKI_SHA256 = /^[0-9a-f]{64}$/;
const OPENPGP_FINGERPRINT = /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/;

/**
 * Every problem of one `CertificateInfo`. X.509 certificates are parsed with node:crypto: the
 * fingerprint must be the SHA-256 of the DER, `boundKeys` must name the certificate's key.
 */
export function certificateInfoProblems(
  certificate: CertificateInfo,
  providerId: string,
): string[] {
  const name = `certificate "${certificate.id}"`;
  const problems: string[] = [];
  if (typeof certificate.id !== 'string' || certificate.id.length === 0) {
    problems.push(`${name}: id is empty`);
  }
  if (certificate.provider !== providerId) {
    problems.push(`${name}: provider is "${certificate.provider}", expected "${providerId}"`);
  }
  if (!(certificate.encoded instanceof Uint8Array) || certificate.encoded.length === 0) {
    problems.push(`${name}: encoded is not a non-empty Uint8Array`);
    return problems;
  }
  if (
    !Array.isArray(certificate.subjects) ||
    certificate.subjects.some((s) => typeof s !== 'string')
  ) {
    problems.push(`${name}: subjects is not an array of strings`);
  }
  const badBound = certificate.boundKeys.filter((alias) => !SPKI_SHA256.test(alias));
  if (badBound.length > 0) {
    problems.push(
      `${name}: boundKeys must be lower-case SPKI SHA-256 hex, got ${badBound.join(', ')}`,
    );
  }
  const { notBefore, notAfter } = certificate;
  for (const [field, date] of [
    ['notBefore', notBefore],
    ['notAfter', notAfter],
  ] as const) {
    if (date !== undefined && (!(date instanceof Date) || Number.isNaN(date.getTime()))) {
      problems.push(`${name}: ${field} is not a valid Date`);
    }
  }
  if (notBefore !== undefined && notAfter !== undefined && notBefore > notAfter) {
    problems.push(`${name}: notBefore is after notAfter`);
  }
  // The type is checked at run time: the provider under test may break its own types.
  const type: string = certificate.type;
  if (type === 'x509') problems.push(...x509Problems(certificate, name));
  else if (type !== 'openpgp') {
    problems.push(`${name}: type is ${JSON.stringify(type)}, expected x509 or openpgp`);
  } else if (!OPENPGP_FINGERPRINT.test(certificate.fingerprint)) {
    problems.push(
      `${name}: fingerprint "${certificate.fingerprint}" is not an upper-case OpenPGP fingerprint`,
    );
  }
  return problems;
}

function x509Problems(certificate: CertificateInfo, name: string): string[] {
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(Buffer.from(certificate.encoded));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      `${name}: encoded does not parse as a DER X.509 certificate with node:crypto (${reason})`,
    ];
  }
  const problems: string[] = [];
  const fingerprint = sha256Hex(certificate.encoded);
  if (certificate.fingerprint !== fingerprint) {
    problems.push(
      `${name}: fingerprint is "${certificate.fingerprint}", expected SHA-256 of the DER "${fingerprint}"`,
    );
  }
  const keyAlias = sha256Hex(exportSpki(parsed.publicKey));
  if (!certificate.boundKeys.includes(keyAlias)) {
    problems.push(`${name}: boundKeys lacks the certificate's own key (spkiSha256 ${keyAlias})`);
  }
  const serial = (hex: string): string => hex.replace(/^0+/, '').toUpperCase();
  if (
    certificate.serialNumber !== undefined &&
    serial(certificate.serialNumber) !== serial(parsed.serialNumber)
  ) {
    problems.push(
      `${name}: serialNumber is ${certificate.serialNumber}, node:crypto reads ${parsed.serialNumber}`,
    );
  }
  return problems;
}

/**
 * Checks a certificate listing: an array of well-formed certificates with unique ids, empty
 * when the capabilities say the provider has no certificates.
 *
 * @throws ConformanceError listing every problem.
 */
export function checkCertificateList(
  certificates: readonly CertificateInfo[],
  provider: Pick<Provider, 'id' | 'capabilities'>,
): void {
  const listed: unknown = certificates;
  if (!Array.isArray(listed)) {
    throw new ConformanceError('listCertificates', ['did not return an array']);
  }
  const problems: string[] = [];
  if (!provider.capabilities().certificates && certificates.length > 0) {
    problems.push(
      `capabilities().certificates is false but ${certificates.length} certificates are listed`,
    );
  }
  const seen = new Set<string>();
  for (const certificate of certificates) {
    if (seen.has(certificate.id)) problems.push(`certificate id "${certificate.id}" repeats`);
    seen.add(certificate.id);
    problems.push(...certificateInfoProblems(certificate, provider.id));
  }
  if (problems.length > 0) {
    throw new ConformanceError('listCertificates returned malformed certificates', problems);
  }
}
