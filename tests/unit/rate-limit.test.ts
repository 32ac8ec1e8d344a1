import { describe, expect, it } from 'bun:test';
import { clientAddress, isWrite, WriteRateLimiter } from '../../src/http/rate-limit.ts';

describe('WriteRateLimiter', () => {
  it('lets a burst through, then one write per 1/rate seconds, per client', () => {
    let now = 0;
    const limiter = new WriteRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now += 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    now += 10_000;
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
  });

  it('is off at a rate of 0', () => {
    const limiter = new WriteRateLimiter({ perSecond: 0, burst: 0 });
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(limiter.take('a')).toBe(0);
  });

  it('forgets idle clients', () => {
    let now = 0;
    const limiter = new WriteRateLimiter({ perSecond: 1, burst: 1 }, () => now);
    for (let i = 0; i < 10_001; i++) limiter.take(`client-${i}`);
    now += 120_000;
    for (let i = 0; i < 10_000; i++) limiter.take('x');
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThan(10);
  });
});

describe('clientAddress', () => {
  const headers = new Headers({ 'x-forwarded-for': '203.0.113.7, 10.0.0.2', 'x-real-ip': '198.51.100.1' });
  it('trusts forwarding headers only behind a trusted proxy', () => {
    expect(clientAddress(headers, '10.0.0.9', true)).toBe('203.0.113.7');
    expect(clientAddress(new Headers({ 'x-real-ip': '198.51.100.1' }), '10.0.0.9', true)).toBe('198.51.100.1');
    expect(clientAddress(headers, '10.0.0.9', false)).toBe('10.0.0.9');
    expect(clientAddress(new Headers(), undefined, true)).toBe('unknown');
  });

  it('counts POST, PUT, PATCH and DELETE as writes', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].every(isWrite)).toBe(true);
    expect(['GET', 'HEAD', 'OPTIONS'].some(isWrite)).toBe(false);
  });
});
