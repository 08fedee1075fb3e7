/**
 * GnuPG command-line tools (gpg, gpgsm) for what gpg-agent alone cannot do: certificate listings,
 * OpenPGP and CMS formats. Status is read only from dedicated status channels.
 */
export { parseStatusOutput } from './status.js';
export type { GnupgStatus } from './status.js';
export { parseColonListing } from './colons.js';
export type { ColonCertificate, ColonKey } from './colons.js';
export { runGpg } from './run-gpg.js';
export type { GpgRunOptions, GpgRunResult } from './run-gpg.js';
export { listOpenPgpCertificates, listX509Certificates } from './certificates.js';
export type { EncodedCertificate, ListCertificatesOptions } from './certificates.js';
export { gpgDecrypt, gpgDetachSign, gpgVerifyDetached } from './openpgp-sign.js';
export type {
  GpgDecryptOptions,
  GpgDetachSignOptions,
  GpgVerifyDetachedOptions,
  OpenPgpVerification,
} from './openpgp-sign.js';
export { gpgsmSign, gpgsmVerify } from './cms.js';
export type { GpgsmSignOptions, GpgsmVerification, GpgsmVerifyOptions } from './cms.js';
