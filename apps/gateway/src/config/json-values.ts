import { invalidConfig, keyPath } from './json-path.js';
import { closestName } from './suggest.js';

/** A JSON object as `JSON.parse` returns it. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Largest delay `setTimeout` honours (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Names the JSON type of `value` for messages, without showing the value. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** `value` as a JSON object (not `null`, not an array). */
export function readObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidConfig(path, `must be an object; got ${describeType(value)}`);
  }
  return value as JsonObject;
}

/** `value` as a JSON array. */
export function readArray(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value))
    throw invalidConfig(path, `must be an array; got ${describeType(value)}`);
  return value;
}

/** `value` as a non-empty string. */
export function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw invalidConfig(path, `must be a string; got ${describeType(value)}`);
  }
  if (value === '') throw invalidConfig(path, 'must not be empty');
  return value;
}

/** `value` as a boolean. */
export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') {
    throw invalidConfig(path, `must be true or false; got ${describeType(value)}`);
  }
  return value;
}

/** `value` as an integer from `min` to `max` (default: the largest safe integer). */
export function readInteger(
  value: unknown,
  path: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidConfig(path, `must be an integer; got ${describeType(value)}`);
  }
  if (value < min || value > max) {
    throw invalidConfig(path, `must be from ${min} to ${max}; got ${value}`);
  }
  return value;
}

/**
 * Fails on the first key of `object` that is not in `known`, naming its path and the known
 * keys (and the likely intended one): `providers[1].homdir: unknown key; known: id, type, …`.
 */
export function rejectUnknownKeys(
  object: JsonObject,
  path: string,
  known: readonly string[],
): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, known);
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    throw invalidConfig(keyPath(path, key), `unknown key; known: ${known.join(', ')}${hint}`);
  }
}

/** The own property `key` of `object` (never an inherited one such as `constructor`). */
export function field(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** The own property `key` of `object`; fails when it is missing: `providers[0].type: is required`. */
export function requireKey(object: JsonObject, path: string, key: string): unknown {
  const value = field(object, key);
  if (value === undefined) throw invalidConfig(keyPath(path, key), 'is required');
  return value;
}
