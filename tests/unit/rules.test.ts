import { describe, expect, it } from 'bun:test';
import { toIso, parseInstant } from '../../db/timestamps.ts';
import { AppError } from '../../src/http/errors.ts';
import { windowOf } from '../../src/http/pagination.ts';
import { RouteTable } from '../../src/http/route-table.ts';
import { requestIdOf } from '../../src/http/request-id.ts';
import { SelfTargets } from '../../src/urls/self-target.ts';
import { checkShortCode, checkTargetUrl, newShortCode } from '../../src/urls/short-code.ts';
import { checkEmail, checkUsername } from '../../src/users/service.ts';

describe('short codes', () => {
  it('draws 7 base62 characters, spread over the whole alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = newShortCode();
      expect(code).toMatch(/^[A-Za-z0-9]{7}$/);
      for (const char of code) seen.add(char);
    }
    expect(seen.size).toBe(62);
  });

  it('accepts slugs of letters, digits, - and _, and refuses reserved paths', () => {
    expect(checkShortCode('My_slug-1')).toBe('My_slug-1');
    for (const bad of ['', 'with space', 'a/b', 'ü', 'x'.repeat(65), 'users', 'health', '../etc']) {
      expect(() => checkShortCode(bad)).toThrow(AppError);
    }
  });

  it('accepts only absolute http(s) URLs with a host, up to 2048 characters', () => {
    expect(checkTargetUrl(' https://example.com/a?b=c ')).toBe('https://example.com/a?b=c');
    expect(checkTargetUrl('http://localhost:8080')).toBe('http://localhost:8080');
    for (const bad of ['not-a-url', '/relative', 'ftp://x.y', 'javascript:alert(1)', 'data:text/html,x', 'https://', '', `https://a.b/${'x'.repeat(2048)}`]) {
      expect(() => checkTargetUrl(bad)).toThrow(AppError);
    }
  });

  it('refuses credentials in a target and targets on hop itself', () => {
    expect(() => checkTargetUrl('https://bank.example@evil.example/')).toThrow('credentials');
    expect(() => checkTargetUrl('https://user:pw@example.com/')).toThrow('credentials');
    const hop = new SelfTargets('https://ho.p', '127.0.0.1', 3000);
    const isSelf = (url: URL) => hop.matches(url);
    expect(() => checkTargetUrl('https://ho.p/abc', 'url', isSelf)).toThrow('shortener');
    expect(() => checkTargetUrl('https://HO.P./abc', 'url', isSelf)).toThrow('shortener');
    expect(checkTargetUrl('http://ho.p:8443/abc', 'url', isSelf)).toBe('http://ho.p:8443/abc');
    expect(checkTargetUrl('http://localhost:3001/x', 'url', isSelf)).toBe('http://localhost:3001/x');
  });

  it("refuses hop's own listeners in every spelling of this host", () => {
    const hop = new SelfTargets('http://localhost:3000', '127.0.0.1', 3000);
    hop.addListener(41234);
    const spellings = [
      'http://LOCALHOST:3000/x', 'http://localhost.:3000/', 'http://127.0.0.1:41234/', 'http://127.1.2.3:41234/',
      'http://[::1]:41234/', 'http://[::]:41234/', 'http://0.0.0.0:41234/', 'http://2130706433:41234/', 'http://0x7f000001:41234/',
      'http://0177.0.0.1:41234/', 'http://127.1:41234/', 'http://[::ffff:127.0.0.1]:41234/', 'http://app.localhost:41234/',
    ];
    for (const target of spellings) expect(() => checkTargetUrl(target, 'url', (url) => hop.matches(url))).toThrow('shortener');
    expect(checkTargetUrl('http://127.0.0.1:41235/', 'url', (url) => hop.matches(url))).toBe('http://127.0.0.1:41235/');
    // Behind nginx: BASE_URL's port on this host is hop's front door.
    const fronted = new SelfTargets('http://localhost', '0.0.0.0', 3000);
    expect(() => checkTargetUrl('http://127.0.0.1/x', 'url', (url) => fronted.matches(url))).toThrow('shortener');
    expect(() => checkTargetUrl('http://[::1]:80/x', 'url', (url) => fronted.matches(url))).toThrow('shortener');
    expect(checkTargetUrl('http://127.0.0.1:8080/x', 'url', (url) => fronted.matches(url))).toBe('http://127.0.0.1:8080/x');
  });

  it('stores the URL visitors are sent to, not the spelling that was sent', () => {
    expect(checkTargetUrl('https:\\\\evil.com')).toBe('https://evil.com/');
    expect(checkTargetUrl('HTTPS://Example.COM/a b')).toBe('https://example.com/a%20b');
    expect(checkTargetUrl('https://example.com')).toBe('https://example.com');
  });
});

describe('user fields', () => {
  it('trims and bounds usernames and checks email shape', () => {
    expect(checkUsername('  ann ')).toBe('ann');
    expect(() => checkUsername('   ')).toThrow(AppError);
    expect(() => checkUsername('x'.repeat(65))).toThrow(AppError);
    expect(checkEmail('a.b@c.io')).toBe('a.b@c.io');
    for (const bad of ['a', 'a@b', '@b.c', 'a b@c.d', `${'x'.repeat(250)}@c.de`]) expect(() => checkEmail(bad)).toThrow(AppError);
  });
});

describe('timestamps', () => {
  it('turns Postgres text and Dates into ISO 8601 UTC', () => {
    expect(toIso('2024-07-26 16:53:04.000+00')).toBe('2024-07-26T16:53:04.000Z');
    expect(toIso('2024-07-26 16:53:04.5-05:30')).toBe('2024-07-26T22:23:04.500Z');
    expect(toIso(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(() => toIso('garbage')).toThrow();
  });

  it('reads client timestamps, treating zone-less ones as UTC', () => {
    expect(parseInstant('2024-07-26 16:53:04')).toBe('2024-07-26T16:53:04.000Z');
    expect(parseInstant('2024-07-26')).toBe('2024-07-26T00:00:00.000Z');
    expect(parseInstant('2024-07-26T16:53:04+02:00')).toBe('2024-07-26T14:53:04.000Z');
    expect(parseInstant('yesterday')).toBeUndefined();
    expect(parseInstant('2024-13-45 10:00:00')).toBeUndefined();
  });
});

describe('pagination', () => {
  it('returns everything up to the cap without page parameters, else that page', () => {
    expect(windowOf({}, 10_000)).toEqual({ limit: 10_000, offset: 0 });
    expect(windowOf({ page: 3, per_page: 20 }, 10_000)).toEqual({ limit: 20, offset: 40 });
    expect(windowOf({ per_page: 5 }, 10_000)).toEqual({ limit: 5, offset: 0 });
    expect(windowOf({ page: 2 }, 10_000)).toEqual({ limit: 50, offset: 50 });
  });
});

describe('route table', () => {
  const table = new RouteTable([
    { method: 'GET', path: '/users' },
    { method: 'POST', path: '/users' },
    { method: 'GET', path: '/users/:id' },
    { method: 'GET', path: '/:short_code' },
  ]);
  it('lists the methods a path answers to', () => {
    expect(table.methodsFor('/users')).toEqual(['GET', 'POST']);
    expect(table.methodsFor('/users/7')).toEqual(['GET']);
    expect(table.methodsFor('/abc')).toEqual(['GET']);
    expect(table.methodsFor('/a/b/c')).toEqual([]);
  });
});

describe('request ids', () => {
  it('keeps a sane incoming id and replaces anything else', () => {
    expect(requestIdOf(new Request('http://h/', { headers: { 'x-request-id': 'abc.DEF:1-2_3' } }))).toBe('abc.DEF:1-2_3');
    expect(requestIdOf(new Request('http://h/', { headers: { 'x-request-id': 'x'.repeat(200) } }))).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(requestIdOf(new Request('http://h/'))).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  });
});
