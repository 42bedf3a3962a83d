import { Counter, type Registry } from 'prom-client';

/**
 * Request metrics tallied in plain maps on the request path and folded into Prometheus form
 * only when /metrics is scraped (issue 11). prom-client validates and hashes the label object
 * on every `inc()`/`observe()` (about 0.5 µs each, six per request); here a request costs one
 * string key and one map lookup per series, and the label objects are built once per series.
 * The rendered text is the same as prom-client's own counters and histograms.
 */

/** Label values of one series, by label name. */
type Labels = Readonly<Record<string, string>>;

interface CounterSeries {
  readonly labels: Labels;
  /** Added since the last scrape. */
  pending: number;
}

/**
 * A prom-client Counter whose increments are tallied per series and handed to it in one
 * `inc()` per series at scrape time.
 */
export class FoldedCounter {
  readonly #series = new Map<string, CounterSeries>();

  constructor(options: { name: string; help: string; labelNames?: readonly string[]; registry: Registry }) {
    const series = this.#series;
    new Counter({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames ?? [],
      registers: [options.registry],
      collect() {
        for (const s of series.values()) {
          if (s.pending === 0) continue;
          this.inc(s.labels, s.pending);
          s.pending = 0;
        }
      },
    });
  }

  /**
   * Adds `value` to the series `key` names. `key` must identify `labels` uniquely (the label
   * values joined with a separator they cannot contain); `labels` is only read the first time.
   */
  add(key: string, labels: Labels, value = 1): void {
    const s = this.#series.get(key);
    if (s === undefined) this.#series.set(key, { labels, pending: value });
    else s.pending += value;
  }
}

interface HistogramSeries {
  readonly labels: Labels;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram with the same exposition as prom-client's (`_bucket{le=…}` cumulative, `_sum`,
 * `_count`), registered in the registry as a metric of its own; an observation is a bucket
 * search and three additions.
 */
export class FoldedHistogram {
  readonly #series = new Map<string, HistogramSeries>();
  readonly #bounds: readonly number[];
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  /** How prom-client's cluster aggregation combines workers' values. */
  readonly aggregator = 'sum';

  constructor(options: { name: string; help: string; buckets: readonly number[]; registry: Registry }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    // prom-client's registry takes any object with its metric shape (name, help, type, get()).
    options.registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Records `value` in the series `key` names (see FoldedCounter.add for `key` and `labels`). */
  observe(key: string, labels: Labels, value: number): void {
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** The values prom-client's registry renders, in prom-client's Histogram layout. */
  get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Registry.resetMetrics(). */
  reset(): void {
    this.#series.clear();
  }
}
