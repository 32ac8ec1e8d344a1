// The replay's pure parts: the loopback guard that keeps load on this machine, and the latency
// histogram its percentiles come from. No network.
import { describe, expect, it } from 'bun:test';
import { LatencyHistogram } from '../../load/replay/histogram.ts';
import { checkTarget, isLoopbackHost, parseTarget } from '../../load/target.ts';

describe('target guard', () => {
  it.each(['http://127.0.0.1:3000', 'http://127.0.0.1', 'http://localhost:8080/', 'https://127.1.2.3:443', 'http://[::1]:3000', 'HTTP://LOCALHOST:3000'])(
    'accepts the loopback target %s',
    (raw) => {
      const checked = checkTarget(raw, false);
      expect(checked.ok).toBe(true);
    },
  );

  it.each([
    'http://10.0.0.5:3000',
    'http://example.com',
    'http://127.0.0.1.example.com',
    'http://127.0.0.1@example.com',
    'http://127.0.0.1:80@example.com',
    'http://0.0.0.0:3000',
    'http://localhost.:3000',
    'http://[::ffff:127.0.0.1]:3000',
  ])('refuses %s without --allow-remote', (raw) => {
    const checked = checkTarget(raw, false);
    expect(checked.ok).toBe(false);
  });

  it('lets a remote target through only when allowed out loud', () => {
    const checked = checkTarget('http://example.com:8080', true);
    expect(checked).toEqual({ ok: true, target: { base: 'http://example.com:8080', host: 'example.com', loopback: false } });
  });

  it.each(['127.0.0.1:3000', 'ftp://127.0.0.1', 'http://127.0.0.1:3000/api', 'http://127.0.0.1:3000?x=1', 'http://127.0.0.1:99999', 'http://127.0.0.1\\@example.com'])(
    'rejects %s as not a target at all',
    (raw) => {
      expect(parseTarget(raw)).toBeNull();
      expect(checkTarget(raw, true).ok).toBe(false);
    },
  );

  it('knows 127.0.0.0/8 but not out-of-range octets', () => {
    expect(isLoopbackHost('127.255.255.254')).toBe(true);
    expect(isLoopbackHost('127.0.0.256')).toBe(false);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });

  it('keeps the port and drops the trailing slash', () => {
    expect(parseTarget('http://127.0.0.1:3310/')?.base).toBe('http://127.0.0.1:3310');
  });
});

describe('latency histogram', () => {
  it('answers 0 when empty', () => {
    expect(new LatencyHistogram().percentile(99)).toBe(0);
  });

  it('gives percentiles within 1 % of exact', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1_000; ms++) histogram.record(ms);
    expect(histogram.count).toBe(1_000);
    for (const [p, exact] of [[50, 500], [95, 950], [99, 990]] as const) {
      const estimate = histogram.percentile(p);
      expect(estimate).toBeGreaterThanOrEqual(exact);
      expect(estimate).toBeLessThanOrEqual(exact * 1.01);
    }
    expect(histogram.percentile(100)).toBe(1_000);
    expect(histogram.max).toBe(1_000);
  });

  it('never reports a percentile above the largest sample', () => {
    const histogram = new LatencyHistogram();
    histogram.record(3.3);
    expect(histogram.percentile(50)).toBe(3.3);
  });

  it('ignores NaN and negative samples and keeps very slow ones', () => {
    const histogram = new LatencyHistogram();
    histogram.record(Number.NaN);
    histogram.record(-1);
    histogram.record(0);
    histogram.record(3_600_000);
    expect(histogram.count).toBe(2);
    expect(histogram.max).toBe(3_600_000);
    expect(histogram.percentile(100)).toBe(3_600_000);
  });
});
