import { createHash } from 'node:crypto';
import { ProviderError } from '@keyroute/core';
import { canonicalRecord, findRecordProblem } from './record-schema.js';

/** How a request ended: done, failed, or refused by authentication or policy. */
export type AuditOutcome = 'ok' | 'error' | 'denied';

/**
 * What the gateway tells the audit log about one request. Only these fields exist: the audit
 * log holds metadata, never data, PINs, passphrases or plaintext.
 */
export interface AuditEvent {
  /** The request's id (the one in the gateway's logs and the response headers). */
  readonly requestId: string;
  /** The authenticated application, or null when the caller was not authenticated. */
  readonly app: string | null;
  /** What was asked: `sign`, `verify`, `decrypt`, `encrypt`, `list`, `get`, `admin`, `auth`, … */
  readonly op: string;
  /** The key reference concerned, when there is one. */
  readonly key?: string;
  /** The provider that served (or failed) the request, when one was chosen. */
  readonly provider?: string;
  /** How the request ended. */
  readonly outcome: AuditOutcome;
  /** The `ProviderError` code, or an HTTP-level code such as `UNAUTHENTICATED`, on failure. */
  readonly code?: string;
  /** The HTTP status of the response. */
  readonly status?: number;
  /** How long the request took, in milliseconds. */
  readonly durationMs: number;
}

/** One line of the audit log: an {@link AuditEvent} placed in the hash chain. */
export interface AuditRecord extends AuditEvent {
  /** Position in the log: 1 for the first record, then one more per record. */
  readonly seq: number;
  /** When the event was handed to the log, ISO 8601 in UTC (`Date#toISOString`). */
  readonly time: string;
  /**
   * SHA-256 (hex) of the previous line's bytes without its newline; {@link GENESIS_HASH} for
   * the first record.
   */
  readonly prev: string;
}

/** The `prev` of the first record: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Longest line a reader needs to accept, in bytes: far above what a valid record can take
 * (every string field is capped at 512 characters), so anything longer is not a record.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Turns `record` into its one line (no newline), with the fields in a fixed order and absent
 * optional fields left out.
 *
 * Refuses with `INTERNAL` any field that {@link AuditRecord} does not have (a `data` or `pin`
 * sneaked in through a cast), a value of the wrong type, and any string longer than 512
 * characters or holding a control character or a lone surrogate — so nothing but metadata can
 * ever reach the log. Messages name the field, never its value.
 */
export function serializeAuditRecord(record: AuditRecord): string {
  const problem = findRecordProblem(record as unknown as Readonly<Record<string, unknown>>);
  if (problem !== undefined) {
    throw new ProviderError('INTERNAL', `refusing to write an audit record: ${problem}`);
  }
  return JSON.stringify(canonicalRecord(record));
}

/**
 * Reads one line of the audit log (without its newline).
 *
 * @throws `ProviderError` `PROTOCOL` when the line is not JSON, lacks a field, has one too
 *   many or of the wrong type, or is not exactly what {@link serializeAuditRecord} writes
 *   (another field order, spacing or a duplicated field).
 */
export function parseAuditLine(line: string): AuditRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new ProviderError('PROTOCOL', 'the audit line is not JSON', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProviderError('PROTOCOL', 'the audit line is not a JSON object');
  }
  const fields = value as Readonly<Record<string, unknown>>;
  const problem = findRecordProblem(fields);
  if (problem !== undefined) {
    throw new ProviderError('PROTOCOL', `the audit line is not a valid record: ${problem}`);
  }
  const record = fields as unknown as AuditRecord;
  if (JSON.stringify(canonicalRecord(record)) !== line) {
    throw new ProviderError(
      'PROTOCOL',
      'the audit line is not in canonical form (field order, spacing or a repeated field)',
    );
  }
  return record;
}

/** SHA-256 (hex) of a line's UTF-8 bytes: the `prev` of the record that follows it. */
export function hashLine(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** {@link hashLine} of a line read as bytes (without its newline). */
export function hashLineBytes(line: Uint8Array): string {
  return createHash('sha256').update(line).digest('hex');
}
