/** What one closed loop did. Plain data: it crosses from the load worker to the main thread. */
export interface LoopResult {
  /** Operations that succeeded. */
  readonly operations: number;
  /** Operations that failed (an exception, or an HTTP status other than 200). */
  readonly errors: number;
  /** Up to a few descriptions of failures, for the report. */
  readonly errorSamples: readonly string[];
  /** From the first start to the end of the last operation, in milliseconds. */
  readonly elapsedMs: number;
  /** Latency of every successful operation, in milliseconds, in completion order. */
  readonly latenciesMs: readonly number[];
  /** The last signature made, for checking. */
  readonly sample: Uint8Array | undefined;
}

/** Failures kept as text per loop. */
const MAX_ERROR_SAMPLES = 3;

/** A description of a failure that never throws. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * A closed loop: `concurrency` callers each start their next operation as soon as the previous
 * one ends, until `seconds` have passed. `worker` (0 … concurrency−1) tells a caller's operation
 * which of its resources (a session) to use. A failed operation is counted, not thrown, and its
 * caller goes on.
 */
export async function closedLoop(
  operation: (worker: number) => Promise<Uint8Array>,
  concurrency: number,
  seconds: number,
): Promise<LoopResult> {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let sample: Uint8Array | undefined;
  const caller = async (worker: number): Promise<void> => {
    while (performance.now() < deadline) {
      const began = performance.now();
      try {
        sample = await operation(worker);
        latenciesMs.push(performance.now() - began);
      } catch (error) {
        errors += 1;
        if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(describeFailure(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => caller(worker)));
  return {
    operations: latenciesMs.length,
    errors,
    errorSamples,
    elapsedMs: performance.now() - start,
    latenciesMs,
    sample,
  };
}
