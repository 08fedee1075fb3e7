import type { ContenderResult } from './measure.js';

/** RSA-2048 through the gateway must make at least this share of in-process signatures/s. */
export const MIN_RSA_GATEWAY_RATIO = 0.8;

/** The results of one key at one concurrency: every path, in-process first. */
export interface Group {
  /** `RSA-2048 softhsm`, `Ed25519 gpg-agent`, … */
  readonly key: string;
  readonly concurrency: number;
  readonly results: readonly ContenderResult[];
}

const COLUMNS = [
  ['key', 18],
  ['path', 16],
  ['callers', 7],
  ['req/s', 7],
  ['p50 ms', 7],
  ['p99 ms', 7],
  ['errors', 6],
  ['main loop', 9],
  ['of in-process', 13],
] as const;

/** Pads each cell to its column (the first two left-aligned, the others right-aligned). */
function line(cells: readonly string[]): string {
  return cells
    .map((cell, index) => {
      const width = COLUMNS[index]?.[1] ?? 0;
      return index < 2 ? cell.padEnd(width) : cell.padStart(width);
    })
    .join('  ')
    .trimEnd();
}

/** Three significant digits or so: `0.25`, `4.27`, `18.5`, `103.5`. */
function milliseconds(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const fine = value.toFixed(2);
  return Number(fine) < 10 ? fine : value.toFixed(1);
}

function percent(ratio: number, digits = 1): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)}%` : '-';
}

/** Prints the table's header. */
export function printHeader(): void {
  console.log(line(COLUMNS.map(([title]) => title)));
}

/** Prints the rows of one group. */
export function printGroup(group: Group): void {
  const inProcess = group.results.find((result) => result.path === 'in-process');
  for (const result of group.results) {
    console.log(
      line([
        group.key,
        result.path,
        String(group.concurrency),
        result.perSecond.toFixed(0),
        milliseconds(result.p50Ms),
        milliseconds(result.p99Ms),
        String(result.errors),
        percent(result.loopUtilization, 0),
        inProcess === undefined || result === inProcess
          ? ''
          : percent(result.perSecond / inProcess.perSecond),
      ]),
    );
  }
}

/** One target check: what was compared, and whether it holds. */
export interface Verdict {
  readonly text: string;
  readonly met: boolean;
}

function rateOf(group: Group, path: string): number {
  return group.results.find((result) => result.path === path)?.perSecond ?? Number.NaN;
}

/**
 * The targets of the issue: RSA-2048 through the gateway ≥ 80% of in-process, P-256 through the
 * gateway ≥ p11-kit remoting, each per transport and concurrency.
 */
export function verdicts(groups: readonly Group[]): Verdict[] {
  const found: Verdict[] = [];
  for (const group of groups) {
    const isRsa = group.key.startsWith('RSA-2048');
    const isP256 = group.key.startsWith('P-256');
    if (!isRsa && !isP256) continue;
    for (const path of ['gateway unix', 'gateway tcp']) {
      const gateway = rateOf(group, path);
      if (isRsa) {
        const ratio = gateway / rateOf(group, 'in-process');
        found.push({
          text:
            `RSA-2048, ${group.concurrency} callers, ${path}: ${percent(ratio)} of in-process ` +
            `(target ≥ ${MIN_RSA_GATEWAY_RATIO * 100}%)`,
          met: ratio >= MIN_RSA_GATEWAY_RATIO,
        });
      } else {
        const remoting = rateOf(group, 'p11-kit remoting');
        found.push({
          text:
            `P-256, ${group.concurrency} callers, ${path}: ${gateway.toFixed(0)}/s vs p11-kit ` +
            `remoting ${remoting.toFixed(0)}/s = ${(gateway / remoting).toFixed(2)}× (target ≥ 1×)`,
          met: gateway >= remoting,
        });
      }
    }
  }
  return found;
}
