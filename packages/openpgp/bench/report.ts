import type { ContenderResult } from './measure.js';

/** The provider must do at least this share of raw openpgp.js's operations per second. */
export const MIN_RATIO = 0.9;

/** One line of the table: one algorithm, one operation. */
export interface Row {
  readonly algorithm: string;
  readonly operation: 'sign' | 'verify';
  readonly raw: ContenderResult;
  readonly provider: ContenderResult;
}

const COLUMNS = [
  ['algorithm', 9],
  ['operation', 9],
  ['raw/s', 8],
  ['provider/s', 10],
  ['provider/raw', 12],
  ['spread raw', 10],
  ['spread provider', 15],
] as const;

/** Pads each cell to its column (the first two left-aligned, the others right-aligned). */
function line(cells: readonly string[]): string {
  return cells
    .map((cell, index) => {
      const width = COLUMNS[index]?.[1] ?? 0;
      return index < 2 ? cell.padEnd(width) : cell.padStart(width);
    })
    .join('  ');
}

/** Prints the target and the table's header. */
export function printHeader(): void {
  console.log(
    `target: provider ≥ ${MIN_RATIO * 100}% of raw openpgp.js (reported, not enforced)\n`,
  );
  console.log(`${line(COLUMNS.map(([title]) => title))}  verdict`);
}

/** (slowest − fastest round) / median, in percent: how steady the measurement was. */
function spread(result: ContenderResult): string {
  const spreadOf = (Math.max(...result.rounds) - Math.min(...result.rounds)) / result.perSecond;
  return `${(spreadOf * 100).toFixed(1)}%`;
}

/** Prints one row of the table with its verdict. */
export function printRow(row: Row): void {
  const ratio = row.provider.perSecond / row.raw.perSecond;
  const verdict =
    ratio >= MIN_RATIO ? 'ok' : `below (${((MIN_RATIO - ratio) * 100).toFixed(1)} points under)`;
  const cells = [
    row.algorithm,
    row.operation,
    row.raw.perSecond.toFixed(0),
    row.provider.perSecond.toFixed(0),
    `${(ratio * 100).toFixed(1)}%`,
    spread(row.raw),
    spread(row.provider),
  ];
  console.log(`${line(cells)}  ${verdict}`);
}
