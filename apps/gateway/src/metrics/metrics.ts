/** Upper bounds (seconds) of the latency histogram buckets. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Readonly<Record<string, string>>): string {
  return Object.entries(pairs)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',');
}

/**
 * The gateway's Prometheus metrics: requests by op, provider and outcome, latency histograms by
 * op and provider, and gauges filled when scraped (provider health, pool use). No key material,
 * no key ids: only provider ids, ops and outcome codes.
 */
export class GatewayMetrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();

  /** Counts one finished request and its duration. */
  observe(op: string, provider: string, outcome: string, seconds: number): void {
    const counter = labels({ op, provider, outcome });
    this.#requests.set(counter, (this.#requests.get(counter) ?? 0) + 1);
    const key = labels({ op, provider });
    let histogram = this.#latency.get(key);
    if (histogram === undefined) {
      histogram = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(key, histogram);
    }
    for (const [index, bound] of BUCKETS.entries()) {
      if (seconds <= bound) histogram.counts[index] = (histogram.counts[index] ?? 0) + 1;
    }
    histogram.sum += seconds;
    histogram.count += 1;
  }

  /** The exposition text; `gauges` are added as they are (name → labelled values). */
  render(
    gauges: readonly {
      name: string;
      help: string;
      values: readonly { labels: Record<string, string>; value: number }[];
    }[],
  ): string {
    const lines: string[] = [
      '# HELP keyroute_requests_total Requests answered, by operation, provider and outcome.',
      '# TYPE keyroute_requests_total counter',
      ...[...this.#requests].map(([set, value]) => `keyroute_requests_total{${set}} ${value}`),
      '# HELP keyroute_request_duration_seconds Time to answer a request.',
      '# TYPE keyroute_request_duration_seconds histogram',
    ];
    for (const [set, histogram] of this.#latency) {
      for (const [index, bound] of BUCKETS.entries()) {
        lines.push(
          `keyroute_request_duration_seconds_bucket{${set},le="${bound}"} ${histogram.counts[index] ?? 0}`,
        );
      }
      lines.push(`keyroute_request_duration_seconds_bucket{${set},le="+Inf"} ${histogram.count}`);
      lines.push(`keyroute_request_duration_seconds_sum{${set}} ${histogram.sum}`);
      lines.push(`keyroute_request_duration_seconds_count{${set}} ${histogram.count}`);
    }
    for (const gauge of gauges) {
      lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`);
      for (const value of gauge.values)
        lines.push(`${gauge.name}{${labels(value.labels)}} ${value.value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
