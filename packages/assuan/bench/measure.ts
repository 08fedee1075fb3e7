/** Result of one timed loop. */
export interface Rate {
  readonly name: string;
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Runs `operation` repeatedly for about `seconds` (after a short warm-up) and returns the rate. */
export async function measure(
  name: string,
  operation: () => Promise<unknown>,
  seconds: number,
): Promise<Rate> {
  const warmUpEnd = performance.now() + 200;
  while (performance.now() < warmUpEnd) await operation();
  let operations = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await operation();
    operations += 1;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { name, operations, seconds: elapsed, perSecond: operations / elapsed };
}

/** Prints a table of rates with each one's ratio to `baseline`. */
export function printRates(title: string, rates: readonly Rate[], baseline: Rate): void {
  console.log(`\n${title}`);
  for (const rate of rates) {
    const ratio = rate.perSecond / baseline.perSecond;
    console.log(
      `  ${rate.name.padEnd(44)} ${rate.perSecond.toFixed(0).padStart(9)} /s   ${(ratio * 100).toFixed(0).padStart(4)}% of ${baseline.name}`,
    );
  }
}
