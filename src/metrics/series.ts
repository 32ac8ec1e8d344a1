// Counters and histograms whose series are plain numbers bound once, so recording a value on the hot
// path allocates nothing; prom-client's own children hash their labels into a new string on every call.
// The registry reads these series only when it is scraped.
import { Counter, Histogram, type MetricType, type MetricValue, type MetricValueWithName, type Registry } from 'prom-client';

export type Labels<L extends string> = Readonly<Record<L, string>>;

// prom-client declares MetricType as an enum its JavaScript does not export; the registry reads the string.
const COUNTER = 'counter' as unknown as MetricType;
const HISTOGRAM = 'histogram' as unknown as MetricType;

interface ExportOptions {
  name: string;
  help: string;
  registry: Registry;
}

/** One counter series: bump `value` directly. */
export interface CounterCell<L extends string> {
  readonly labels: Labels<L>;
  value: number;
}

/** A counter over a fixed or growing set of cells that the owner increments in place. */
export class CellCounter<L extends string> extends Counter<L> {
  private readonly cells: CounterCell<L>[] = [];

  constructor(private readonly options: ExportOptions & { labelNames: readonly L[] }) {
    super({ name: options.name, help: options.help, labelNames: options.labelNames, registers: [options.registry] });
  }

  /** A new series starting at 0; it is exported from the next scrape on, even before it moves. */
  cell(labels: Labels<L>): CounterCell<L> {
    const cell = { labels, value: 0 };
    this.cells.push(cell);
    return cell;
  }

  override async get() {
    const values: MetricValue<L>[] = this.cells.map((cell) => ({ labels: { ...cell.labels }, value: cell.value }));
    return { name: this.options.name, help: this.options.help, type: COUNTER, values, aggregator: 'sum' as const, collect() {} };
  }
}

/** One histogram series: counts per bucket (not cumulative; the last slot is +Inf), sum and count. */
export class HistogramCell<L extends string> {
  count = 0;
  sum = 0;
  readonly buckets: Float64Array;

  constructor(
    readonly labels: Labels<L>,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.buckets[i]!++;
    this.count++;
    this.sum += value;
  }
}

export class CellHistogram<L extends string> extends Histogram<L> {
  private readonly cells: HistogramCell<L>[] = [];

  constructor(private readonly options: ExportOptions & { labelNames: readonly L[]; buckets: readonly number[] }) {
    super({ name: options.name, help: options.help, labelNames: options.labelNames, buckets: [...options.buckets], registers: [options.registry] });
  }

  cell(labels: Labels<L>): HistogramCell<L> {
    const cell = new HistogramCell(labels, this.options.buckets);
    this.cells.push(cell);
    return cell;
  }

  override async get() {
    const values: MetricValueWithName<L>[] = [];
    const { name, buckets } = this.options;
    for (const cell of this.cells) {
      let cumulative = 0;
      for (let i = 0; i <= buckets.length; i++) {
        cumulative += cell.buckets[i]!;
        values.push({ metricName: `${name}_bucket`, labels: { ...cell.labels, le: i < buckets.length ? String(buckets[i]) : '+Inf' } as Labels<L>, value: cumulative });
      }
      values.push({ metricName: `${name}_sum`, labels: { ...cell.labels }, value: cell.sum });
      values.push({ metricName: `${name}_count`, labels: { ...cell.labels }, value: cell.count });
    }
    return { name, help: this.options.help, type: HISTOGRAM, values, aggregator: 'sum' as const, collect() {} };
  }

  // The registry prefers this over get() for the text format.
  getForPromString() {
    return this.get();
  }
}
