import { ProviderError, runWithDeadline as runWithCoreDeadline, type OnStop } from '@keyroute/core';

export type { OnStop } from '@keyroute/core';

/**
 * Runs one gpg-agent call under the caller's signal and `timeoutMs` (core's `runWithDeadline`);
 * the time limit rejects with `TIMEOUT` naming the call.
 */
export function runWithDeadline<T>(
  signal: AbortSignal | undefined,
  timeoutMs: number,
  provider: string,
  what: string,
  work: (signal: AbortSignal, onStop: OnStop) => Promise<T>,
): Promise<T> {
  return runWithCoreDeadline(
    signal,
    timeoutMs,
    () =>
      new ProviderError(
        'TIMEOUT',
        `gpg-agent: ${what} did not finish within ${timeoutMs} ms (timeoutMs)`,
        { provider },
      ),
    (deadline) => work(deadline.signal, deadline.onStop),
  );
}
