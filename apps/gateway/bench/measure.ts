import type { LoopResult } from './loop.js';

/** One way to reach a key: in-process, through the gateway, or through p11-kit remoting. */
export interface Contender {
  /** `in-process`, `gateway unix`, `gateway tcp` or `p11-kit remoting`. */
  readonly path: string;
  /** Runs a closed loop of `concurrency` callers for `seconds`. */
  readonly run: (concurrency: number, seconds: number) => Promise<LoopResult>;
}

/** What {@link measureInterleaved} found for one contender. */
export interface ContenderResult {
  readonly path: string;
  /** Median over the rounds, successful operations per second. */
  readonly perSecond: number;
  /** Each round's rate, in order. */
  readonly rounds: readonly number[];
  /** Latency percentiles over every successful operation of every round, in milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Share of the measured time this process's main event loop was busy (0 to 1). */
  readonly loopUtilization: number;
  /** Failed operations, warm-up included. */
  readonly errors: number;
  /** Up to a few descriptions of failures. */
  readonly errorSamples: readonly string[];
  /** The last signature of each round (and of the warm-up), for checking. */
  readonly samples: readonly Uint8Array[];
}

/** How long and how often to measure. */
export interface MeasureOptions {
  readonly concurrency: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** The `p`-th percentile (nearest rank) of sorted values; NaN for none. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

interface State {
  readonly rounds: number[];
  /** Event-loop active and total time over the measured rounds, in milliseconds. */
  loopActiveMs: number;
  loopTotalMs: number;
  readonly latencies: number[];
  readonly samples: Uint8Array[];
  readonly errorSamples: string[];
  errors: number;
}

/** Runs one loop of `contender`, noting how busy the main event loop was meanwhile. */
async function runLoop(
  contender: Contender,
  concurrency: number,
  seconds: number,
): Promise<{ loop: LoopResult; activeMs: number; totalMs: number }> {
  const before = performance.eventLoopUtilization();
  const loop = await contender.run(concurrency, seconds);
  const { active, idle } = performance.eventLoopUtilization(before);
  return { loop, activeMs: active, totalMs: active + idle };
}

function record(state: State, loop: LoopResult, measured: boolean): void {
  state.errors += loop.errors;
  for (const text of loop.errorSamples) {
    if (state.errorSamples.length < 3) state.errorSamples.push(text);
  }
  if (loop.sample !== undefined) state.samples.push(loop.sample);
  if (!measured) return;
  state.rounds.push(loop.operations / (loop.elapsedMs / 1000));
  for (const latency of loop.latenciesMs) state.latencies.push(latency);
}

/**
 * Warms every contender up, then measures them in interleaved rounds (A, B, C, A, B, C, …) so
 * that drift in the machine's speed during the run affects all of them alike. The rate is the
 * median of the rounds; the latency percentiles pool every measured operation.
 */
export async function measureInterleaved(
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<ContenderResult[]> {
  const states: State[] = contenders.map(() => ({
    rounds: [],
    loopActiveMs: 0,
    loopTotalMs: 0,
    latencies: [],
    samples: [],
    errorSamples: [],
    errors: 0,
  }));
  for (const [index, contender] of contenders.entries()) {
    const state = states[index];
    if (state === undefined) continue;
    const { loop } = await runLoop(contender, options.concurrency, options.warmupSeconds);
    record(state, loop, false);
  }
  for (let round = 0; round < options.rounds; round += 1) {
    for (const [index, contender] of contenders.entries()) {
      const state = states[index];
      if (state === undefined) continue;
      const { loop, activeMs, totalMs } = await runLoop(
        contender,
        options.concurrency,
        options.seconds,
      );
      record(state, loop, true);
      state.loopActiveMs += activeMs;
      state.loopTotalMs += totalMs;
    }
  }
  return contenders.map((contender, index) => {
    const state = states[index];
    if (state === undefined) throw new Error(`no state for ${contender.path}`);
    const sorted = state.latencies.sort((a, b) => a - b);
    return {
      path: contender.path,
      perSecond: median(state.rounds),
      rounds: state.rounds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      loopUtilization: state.loopActiveMs / state.loopTotalMs,
      errors: state.errors,
      errorSamples: state.errorSamples,
      samples: state.samples,
    };
  });
}
