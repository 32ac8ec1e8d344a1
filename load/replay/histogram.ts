// Latency percentiles for the replay in bounded memory: log buckets 1 % wide, so a gold run's
// millions of samples cost a few kilobytes and every percentile is within 1 % of exact.

const SMALLEST_MS = 0.01;
const GROWTH = 1.01;
/** Enough buckets to reach past ten minutes; anything slower lands in the last one. */
const BUCKETS = Math.ceil(Math.log(600_000 / SMALLEST_MS) / Math.log(GROWTH)) + 2;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private samples = 0;
  private largest = 0;

  get count(): number {
    return this.samples;
  }

  get max(): number {
    return this.largest;
  }

  record(ms: number): void {
    if (!(ms >= 0)) return; // NaN or negative: a clock hiccup, not a latency
    this.counts[bucketOf(ms)]! += 1;
    this.samples += 1;
    if (ms > this.largest) this.largest = ms;
  }

  /** The smallest latency at or below which `p` % of the samples fall (0 with no samples). */
  percentile(p: number): number {
    if (this.samples === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.samples));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      // The last bucket is open-ended: its only honest bound is the largest sample.
      if (seen >= rank) return bucket === BUCKETS - 1 ? this.largest : Math.min(upperEdge(bucket), this.largest);
    }
    return this.largest;
  }
}

function bucketOf(ms: number): number {
  if (ms < SMALLEST_MS) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms / SMALLEST_MS) / Math.log(GROWTH)));
}

/** Bucket b > 0 holds [SMALLEST·GROWTH^(b-1), SMALLEST·GROWTH^b); bucket 0 everything below SMALLEST. */
function upperEdge(bucket: number): number {
  return SMALLEST_MS * GROWTH ** bucket;
}
