import { ProviderError, raceAbort } from '@keyroute/core';

/**
 * Runs one provider call under the caller's signal and the per-call time limit.
 *
 * `work` gets a signal that aborts when the caller aborts (reason: the caller's reason) or
 * when `timeoutMs` passes (reason: a `ProviderError` `TIMEOUT`). Whatever `work` rejects with
 * after that, the call rejects with the signal's reason, and it does so at once even where the
 * backend cannot be interrupted (the work keeps running and its result is dropped).
 */
export async function runWithDeadline<T>(
  signal: AbortSignal | undefined,
  timeoutMs: number,
  provider: string,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = (): void => {
    controller.abort(signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort(
      new ProviderError(
        'TIMEOUT',
        `gpg-agent: ${what} did not finish within ${timeoutMs} ms (timeoutMs)`,
        { provider },
      ),
    );
  }, timeoutMs);
  try {
    return await raceAbort(work(controller.signal), controller.signal);
  } catch (error) {
    // An abort wins over whatever the interrupted work failed with.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
