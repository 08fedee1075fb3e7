import { ProviderError } from '../contract/errors.js';

/**
 * Runs `work` with a signal that aborts when the caller's signal does or after `timeoutMs`.
 * A timeout rejects with `TIMEOUT` (the work is asked to stop through the signal, and its late
 * result is ignored); a caller abort rejects with the caller's reason.
 */
export async function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: { timeoutMs: number; signal?: AbortSignal | undefined; what: string; provider: string },
): Promise<T> {
  options.signal?.throwIfAborted();
  const deadline = new AbortController();
  const signals = options.signal ? [options.signal, deadline.signal] : [deadline.signal];
  const combined = AbortSignal.any(signals);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProviderError(
        'TIMEOUT',
        `provider "${options.provider}" did not answer ${options.what} within ${options.timeoutMs} ms`,
        { provider: options.provider },
      );
      deadline.abort(error);
      reject(error);
    }, options.timeoutMs);
    timer.unref();
  });
  const aborted = new Promise<never>((_, reject) => {
    options.signal?.addEventListener(
      'abort',
      () => {
        reject(options.signal?.reason as Error);
      },
      { once: true },
    );
  });
  const running = work(combined);
  // A hung backend may settle long after we gave up: never let that become an unhandled rejection.
  running.catch(() => undefined);
  timedOut.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    return await Promise.race([running, timedOut, aborted]);
  } finally {
    clearTimeout(timer);
  }
}
