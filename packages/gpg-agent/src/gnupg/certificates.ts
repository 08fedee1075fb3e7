import { ErrorCode } from '@keyroute/core';
import { parseColonListing } from './colons.js';
import type { ColonCertificate, ColonKey } from './colons.js';
import { gnupgError } from './errors.js';
import { describeFailure, runGnupgTool } from './run-gpg.js';
import type { GnupgTool } from './run-gpg.js';

/** Options of the certificate listings. */
export interface ListCertificatesOptions {
  /** GNUPGHOME; the tool's default when absent. */
  readonly homedir?: string;
  /** Kills the running tool; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** A listed certificate with its encoding. */
export type EncodedCertificate = ColonCertificate & {
  /** OpenPGP: `gpg --export <fpr>` (binary transferable public key); X.509: DER. */
  readonly encoded: Uint8Array;
};

const GPG: GnupgTool = { file: 'gpg', debianPackage: 'gnupg' };
const GPGSM: GnupgTool = { file: 'gpgsm', debianPackage: 'gpgsm' };
const OPENPGP_LIST = ['--with-colons', '--fixed-list-mode', '--with-keygrip', '--with-fingerprint'];
const X509_LIST = ['--with-colons', '--with-keygrip'];

async function listing(
  tool: GnupgTool,
  args: readonly string[],
  type: 'openpgp' | 'x509',
  options: ListCertificatesOptions,
): Promise<ColonCertificate[]> {
  const result = await runGnupgTool(tool, args, options);
  if (result.exitCode !== 0) {
    throw gnupgError(
      ErrorCode.UNAVAILABLE,
      `listing keys failed: ${describeFailure(tool.file, result)}`,
    );
  }
  return parseColonListing(new TextDecoder().decode(result.stdout), type);
}

/** Marks the keys that the secret listing has as secret (and records their card). */
function withSecrets(
  certificates: readonly ColonCertificate[],
  secrets: readonly ColonCertificate[],
): ColonCertificate[] {
  const secretKeys = new Map<string, ColonKey>();
  for (const certificate of secrets) {
    for (const key of [certificate.primary, ...certificate.subkeys]) {
      if (key.secret) secretKeys.set(key.fingerprint, key);
    }
  }
  const merge = (key: ColonKey): ColonKey => {
    const secret = secretKeys.get(key.fingerprint);
    if (secret === undefined) return key;
    return { ...key, secret: true, ...(secret.card === undefined ? {} : { card: secret.card }) };
  };
  return certificates.map((certificate) => ({
    ...certificate,
    primary: merge(certificate.primary),
    subkeys: certificate.subkeys.map(merge),
  }));
}

async function exportEach(
  tool: GnupgTool,
  certificates: readonly ColonCertificate[],
  options: ListCertificatesOptions,
): Promise<EncodedCertificate[]> {
  const encoded: EncodedCertificate[] = [];
  // One at a time: both tools take a lock on the keyring for each call.
  for (const certificate of certificates) {
    const { fingerprint } = certificate.primary;
    const result = await runGnupgTool(tool, ['--export', fingerprint], options);
    if (result.exitCode !== 0 || result.stdout.length === 0) {
      throw gnupgError(
        ErrorCode.INTERNAL,
        `exporting certificate ${fingerprint} failed: ${describeFailure(tool.file, result)}`,
      );
    }
    encoded.push({ ...certificate, encoded: result.stdout });
  }
  return encoded;
}

/**
 * Lists the OpenPGP certificates of a GNUPGHOME (`gpg --with-colons --fixed-list-mode
 * --with-keygrip --with-fingerprint --list-keys`), marks keys that `--list-secret-keys` has as
 * secret, and exports each (`gpg --export <fpr>`, binary).
 *
 * @throws ProviderError UNAVAILABLE when gpg is missing (naming Debian package `gnupg`) or the
 *   listing fails; PROTOCOL for a listing that cannot be parsed; INTERNAL when an export fails.
 *   On abort the running gpg is killed and the call rejects with `signal.reason`.
 */
export async function listOpenPgpCertificates(
  options: ListCertificatesOptions,
): Promise<EncodedCertificate[]> {
  const publicKeys = await listing(GPG, [...OPENPGP_LIST, '--list-keys'], 'openpgp', options);
  const secretKeys = await listing(
    GPG,
    [...OPENPGP_LIST, '--list-secret-keys'],
    'openpgp',
    options,
  );
  return exportEach(GPG, withSecrets(publicKeys, secretKeys), options);
}

/**
 * Lists the X.509 certificates of a GNUPGHOME (`gpgsm --with-colons --with-keygrip --list-keys`),
 * marks those that `--list-secret-keys` has as secret, and exports each (`gpgsm --export <fpr>`,
 * DER: gpgsm exports binary unless `--armor` is given).
 *
 * @returns an empty array when gpgsm has no certificates.
 * @throws ProviderError UNAVAILABLE when gpgsm is missing (naming the Debian package `gpgsm`) or
 *   the listing fails; PROTOCOL for a listing that cannot be parsed; INTERNAL when an export
 *   fails. On abort the running gpgsm is killed and the call rejects with `signal.reason`.
 */
export async function listX509Certificates(
  options: ListCertificatesOptions,
): Promise<EncodedCertificate[]> {
  const publicKeys = await listing(GPGSM, [...X509_LIST, '--list-keys'], 'x509', options);
  const secretKeys = await listing(GPGSM, [...X509_LIST, '--list-secret-keys'], 'x509', options);
  return exportEach(GPGSM, withSecrets(publicKeys, secretKeys), options);
}
