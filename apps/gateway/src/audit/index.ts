/**
 * The audit log: one hash-chained JSON line per request, durable before the response is sent,
 * and the check behind `keyroute audit verify`.
 */
export { AuditLog } from './audit-log.js';
export type { AuditHead, AuditLogOptions, AuditLogStats, AuditRecovery } from './audit-log.js';
export {
  GENESIS_HASH,
  MAX_LINE_BYTES,
  hashLine,
  hashLineBytes,
  parseAuditLine,
  serializeAuditRecord,
} from './record.js';
export type { AuditEvent, AuditOutcome, AuditRecord } from './record.js';
export { MAX_FIELD_LENGTH } from './record-schema.js';
export { AuditChainChecker } from './chain.js';
export { verifyAuditLog } from './verify.js';
export type { AuditVerification } from './verify.js';
