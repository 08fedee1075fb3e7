import type { AuditRecord } from './record.js';

/** Longest string a record field may hold, in UTF-16 code units. */
export const MAX_FIELD_LENGTH = 512;

/** Control characters (C0, DEL, C1) and lone surrogates: never in a record. */
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cs}]/u;

/** `Date#toISOString` for years 0000–9999. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const SHA256_HEX = /^[0-9a-f]{64}$/;

const OUTCOMES: ReadonlySet<unknown> = new Set(['ok', 'error', 'denied']);

/** Says what is wrong with a field's value (never quoting it), or undefined when it is fine. */
type ValueCheck = (value: unknown) => string | undefined;

interface FieldRule {
  readonly optional: boolean;
  readonly check: ValueCheck;
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_FIELD_LENGTH) return `is longer than ${MAX_FIELD_LENGTH} characters`;
  if (FORBIDDEN_CHARACTER.test(value)) return 'holds a control character or a lone surrogate';
  return undefined;
}

function textOrNull(value: unknown): string | undefined {
  return value === null ? undefined : text(value);
}

function matching(pattern: RegExp, expected: string): ValueCheck {
  return (value) =>
    text(value) ?? (pattern.test(value as string) ? undefined : `is not ${expected}`);
}

function positiveInteger(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 1
    ? undefined
    : 'is not a positive integer';
}

function httpStatus(value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599
    ? undefined
    : 'is not an HTTP status';
}

function duration(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? undefined
    : 'is not a duration in milliseconds';
}

function outcome(value: unknown): string | undefined {
  return OUTCOMES.has(value) ? undefined : 'is not ok, error or denied';
}

const required = (check: ValueCheck): FieldRule => ({ optional: false, check });
const optional = (check: ValueCheck): FieldRule => ({ optional: true, check });

/** Every field a record may have, in the order they are written. */
const RECORD_FIELDS: ReadonlyMap<string, FieldRule> = new Map<keyof AuditRecord, FieldRule>([
  ['seq', required(positiveInteger)],
  ['time', required(matching(ISO_TIME, 'an ISO 8601 UTC time'))],
  ['requestId', required(text)],
  ['app', required(textOrNull)],
  ['op', required(text)],
  ['key', optional(text)],
  ['provider', optional(text)],
  ['outcome', required(outcome)],
  ['code', optional(text)],
  ['status', optional(httpStatus)],
  ['durationMs', required(duration)],
  ['prev', required(matching(SHA256_HEX, 'a SHA-256 hash in lowercase hex'))],
]);

/** A field name for a message: quoted, and cut short so a message stays a message. */
function quoteName(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

/**
 * The first thing that keeps `fields` from being an {@link AuditRecord}: a field it must not
 * have, a missing one, or a value of the wrong type or form. Undefined when it is a record. An
 * optional field set to `undefined` counts as absent.
 */
export function findRecordProblem(fields: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of Object.keys(fields)) {
    if (!RECORD_FIELDS.has(name)) return `audit records have no field ${quoteName(name)}`;
  }
  for (const [name, rule] of RECORD_FIELDS) {
    const value = fields[name];
    if (value === undefined) {
      if (rule.optional) continue;
      return `field ${quoteName(name)} is missing`;
    }
    const problem = rule.check(value);
    if (problem !== undefined) return `field ${quoteName(name)} ${problem}`;
  }
  return undefined;
}

/**
 * A copy of `record` holding its fields in the written order and nothing else (absent optional
 * fields left out). Check it with {@link findRecordProblem} first.
 */
export function canonicalRecord(record: AuditRecord): Readonly<Record<string, unknown>> {
  const fields = record as unknown as Readonly<Record<string, unknown>>;
  const ordered: Record<string, unknown> = {};
  for (const name of RECORD_FIELDS.keys()) {
    const value = fields[name];
    if (value !== undefined) ordered[name] = value;
  }
  return ordered;
}
