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
  const callerSignal = options.signal;
  callerSignal?.throwIfAborted();
  // One controller for both ends (cheaper than AbortSignal.any per call): the caller's abort is
  // forwarded with the caller's reason, the deadline aborts with TIMEOUT.
  const deadline = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onCallerAbort: (() => void) | undefined;
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
  const aborted =
    callerSignal === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          onCallerAbort = () => {
            deadline.abort(callerSignal.reason);
            reject(callerSignal.reason as Error);
          };
          callerSignal.addEventListener('abort', onCallerAbort, { once: true });
        });
  const running = work(deadline.signal);
  // A hung backend may settle long after we gave up: never let that become an unhandled rejection.
  running.catch(() => undefined);
  timedOut.catch(() => undefined);
  aborted?.catch(() => undefined);
  try {
    return await Promise.race(
      aborted === undefined ? [running, timedOut] : [running, timedOut, aborted],
    );
  } finally {
    clearTimeout(timer);
    if (onCallerAbort !== undefined) callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}
