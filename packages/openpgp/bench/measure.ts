/** One way to do the operation; returns the signature it made (undefined for a verification). */
export interface Contender {
  readonly name: string;
  readonly operation: () => Promise<Uint8Array | undefined>;
}

/** What {@link measureInterleaved} found for one contender. */
export interface ContenderResult {
  readonly name: string;
  /** Median over the rounds, operations per second. */
  readonly perSecond: number;
  /** Each round's rate, in order. */
  readonly rounds: readonly number[];
  /** The last signature made, for checking (undefined for verifications). */
  readonly sample: Uint8Array | undefined;
}

/** How long and how often to measure. */
export interface MeasureOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
}

/** One caller doing the operation back to back until `seconds` have passed. */
async function closedLoop(
  operation: Contender['operation'],
  seconds: number,
): Promise<{ perSecond: number; sample: Uint8Array | undefined }> {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let operations = 0;
  let sample: Uint8Array | undefined;
  while (performance.now() < deadline) {
    sample = (await operation()) ?? sample;
    operations += 1;
  }
  return { perSecond: operations / ((performance.now() - start) / 1000), sample };
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * Warms every contender up, then measures them in interleaved rounds (A, B, A, B, …) so that
 * drift in the machine's speed (CPU boost, JIT, GC) affects all of them alike.
 */
export async function measureInterleaved(
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<ContenderResult[]> {
  for (const contender of contenders) await closedLoop(contender.operation, options.warmupSeconds);
  const rounds = contenders.map(() => [] as number[]);
  const samples: (Uint8Array | undefined)[] = contenders.map(() => undefined);
  for (let round = 0; round < options.rounds; round += 1) {
    for (const [index, contender] of contenders.entries()) {
      const loop = await closedLoop(contender.operation, options.seconds);
      rounds[index]?.push(loop.perSecond);
      samples[index] = loop.sample ?? samples[index];
    }
  }
  return contenders.map((contender, index) => {
    const measured = rounds[index] ?? [];
    return {
      name: contender.name,
      perSecond: median(measured),
      rounds: measured,
      sample: samples[index],
    };
  });
}
