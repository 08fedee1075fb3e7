/** Staged import: uploads are validated and wait in `staging/` until accepted or rejected. */
export { Staging } from './staging.js';
export type { AcceptOptions, StagedCertificate, StagingOptions } from './staging.js';
export {
  DEFAULT_VALIDATION_POLICY,
  requireEncryptionCapable,
  validateCertificate,
} from './validate.js';
export type {
  ValidateOptions,
  ValidationCheck,
  ValidationCheckId,
  ValidationPolicy,
  ValidationReport,
} from './validate.js';
export { DEFAULT_MAX_UPLOAD_BYTES, parseCertificateUpload } from './parse-upload.js';
