/**
 * A token bucket per application: `perMinute` requests a minute on average, bursts up to that
 * many. `perMinute` 0 turns it off.
 */
export class RateLimiter {
  readonly #perMinute: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  /** Takes one token for `app`; false when its bucket is empty. */
  take(app: string, now = Date.now()): boolean {
    if (this.#perMinute <= 0) return true;
    const bucket = this.#buckets.get(app) ?? { tokens: this.#perMinute, at: now };
    bucket.tokens = Math.min(
      this.#perMinute,
      bucket.tokens + ((now - bucket.at) * this.#perMinute) / 60_000,
    );
    bucket.at = now;
    this.#buckets.set(app, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
