import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One way to make a signature; `worker` (0 … concurrency−1) picks the caller's own session. */
export interface Contender {
  readonly name: string;
  readonly operation: (worker: number) => Promise<Uint8Array>;
}

/** What {@link measureInterleaved} found for one contender. */
export interface ContenderResult {
  readonly name: string;
  /** Median over the rounds, signatures per second. */
  readonly perSecond: number;
  /** Each round's rate, in order. */
  readonly rounds: readonly number[];
  /** 99th percentile of the event-loop delay while this contender ran, in milliseconds. */
  readonly eventLoopP99Ms: number;
  /** The last signature made, for checking. */
  readonly sample: Uint8Array;
}

/** How long and how often to measure. */
export interface MeasureOptions {
  readonly concurrency: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
}

interface Loop {
  readonly perSecond: number;
  readonly sample: Uint8Array | undefined;
}

/**
 * A closed loop: `concurrency` callers each start their next operation as soon as the previous
 * one ends, until `seconds` have passed; the rate counts every operation over the time until the
 * last caller is done.
 */
async function closedLoop(
  operation: Contender['operation'],
  concurrency: number,
  seconds: number,
): Promise<Loop> {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let operations = 0;
  let sample: Uint8Array | undefined;
  const caller = async (worker: number): Promise<void> => {
    while (performance.now() < deadline) {
      sample = await operation(worker);
      operations += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => caller(worker)));
  return { perSecond: operations / ((performance.now() - start) / 1000), sample };
}

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * Warms every contender up, then measures them in interleaved rounds (A, B, A, B, …) so that
 * drift in the machine's speed during the run affects all of them alike. The event-loop delay
 * histogram of a contender (1 ms resolution) is enabled only while that contender runs.
 */
export async function measureInterleaved(
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<ContenderResult[]> {
  for (const contender of contenders) {
    await closedLoop(contender.operation, options.concurrency, options.warmupSeconds);
  }
  const state = contenders.map(() => ({
    rounds: [] as number[],
    delay: monitorEventLoopDelay({ resolution: 1 }),
    sample: undefined as Uint8Array | undefined,
  }));
  for (let round = 0; round < options.rounds; round += 1) {
    for (const [index, contender] of contenders.entries()) {
      const entry = state[index];
      if (entry === undefined) continue;
      entry.delay.enable();
      const loop = await closedLoop(contender.operation, options.concurrency, options.seconds);
      entry.delay.disable();
      entry.rounds.push(loop.perSecond);
      entry.sample = loop.sample ?? entry.sample;
    }
  }
  return contenders.map((contender, index) => {
    const entry = state[index];
    if (entry?.sample === undefined) throw new Error(`${contender.name} made no signature`);
    return {
      name: contender.name,
      perSecond: median(entry.rounds),
      rounds: entry.rounds,
      eventLoopP99Ms: entry.delay.percentile(99) / 1e6,
      sample: entry.sample,
    };
  });
}
