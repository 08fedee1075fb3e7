import type { ContenderResult } from './measure.js';

/** The provider must make at least this share of the raw loop's signatures per second. */
export const MIN_RATIO = 0.9;
/** The provider phase's event-loop delay p99 must stay below this, in milliseconds. */
export const MAX_LOOP_P99_MS = 10;

/** One line of the table: one algorithm at one concurrency. */
export interface Row {
  readonly algorithm: string;
  readonly concurrency: number;
  readonly raw: ContenderResult;
  readonly provider: ContenderResult;
}

const COLUMNS = [
  ['algorithm', 10],
  ['callers', 7],
  ['raw/s', 8],
  ['provider/s', 10],
  ['provider/raw', 12],
  ['loop p99 raw', 12],
  ['loop p99 provider', 17],
] as const;

/** Pads each cell to its column (the first left-aligned, the others right-aligned). */
function line(cells: readonly string[]): string {
  return cells
    .map((cell, index) => {
      const width = COLUMNS[index]?.[1] ?? 0;
      return index === 0 ? cell.padEnd(width) : cell.padStart(width);
    })
    .join('  ');
}

/** Prints the targets and the table's header. */
export function printHeader(): void {
  console.log(
    `targets: provider ≥ ${MIN_RATIO * 100}% of raw pkcs11js; ` +
      `event-loop delay p99 < ${MAX_LOOP_P99_MS} ms during the provider phase\n`,
  );
  console.log(`${line(COLUMNS.map(([title]) => title))}  verdict`);
}

/** "ok", or "below" with the missed targets. */
function verdict(row: Row): string {
  const ratio = row.provider.perSecond / row.raw.perSecond;
  const missed = [
    ...(ratio < MIN_RATIO ? [`${((MIN_RATIO - ratio) * 100).toFixed(1)} points under ratio`] : []),
    ...(row.provider.eventLoopP99Ms >= MAX_LOOP_P99_MS ? ['event-loop p99'] : []),
  ];
  return missed.length === 0 ? 'ok' : `below (${missed.join(', ')})`;
}

/** Prints one row of the table. */
export function printRow(row: Row): void {
  const ratio = row.provider.perSecond / row.raw.perSecond;
  const cells = [
    row.algorithm,
    String(row.concurrency),
    row.raw.perSecond.toFixed(0),
    row.provider.perSecond.toFixed(0),
    `${(ratio * 100).toFixed(1)}%`,
    `${row.raw.eventLoopP99Ms.toFixed(2)} ms`,
    `${row.provider.eventLoopP99Ms.toFixed(2)} ms`,
  ];
  console.log(`${line(cells)}  ${verdict(row)}`);
}
