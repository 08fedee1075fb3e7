import { DEFAULT_LIMITS } from './defaults.js';
import { keyPath } from './json-path.js';
import { field, MAX_TIMER_MS, readInteger, readObject, rejectUnknownKeys } from './json-values.js';
import type { Limits } from './types.js';

/** Smallest and largest value of each limit. */
const LIMIT_RANGES: Readonly<Record<keyof Limits, readonly [min: number, max: number]>> = {
  bodyBytes: [1, Number.MAX_SAFE_INTEGER],
  requestTimeoutMs: [1, MAX_TIMER_MS],
  headersTimeoutMs: [1, MAX_TIMER_MS],
  ratePerMinute: [0, Number.MAX_SAFE_INTEGER],
  providerTimeoutMs: [1, MAX_TIMER_MS],
};

const LIMIT_NAMES = Object.keys(LIMIT_RANGES) as (keyof Limits)[];

/**
 * Reads `limits`, filling what it leaves out from {@link DEFAULT_LIMITS}. Every limit is an
 * integer; only `ratePerMinute` may be 0 (no rate limit); timeouts stay below 2^31 ms.
 *
 * @throws ProviderError `INVALID_INPUT` naming the JSON path for an unknown key or a value that
 *   is not an integer in range.
 */
export function parseLimits(value: unknown, path: string): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  if (value === undefined) return limits;
  const object = readObject(value, path);
  rejectUnknownKeys(object, path, LIMIT_NAMES);
  for (const name of LIMIT_NAMES) {
    const limit = field(object, name);
    if (limit === undefined) continue;
    const [min, max] = LIMIT_RANGES[name];
    limits[name] = readInteger(limit, keyPath(path, name), min, max);
  }
  return limits;
}
