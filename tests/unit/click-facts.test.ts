// What the click writer derives from a click: agent facts, referrer host, client address, country,
// and visitor days. ClickFacts as a whole, with salts from real Postgres: tests/integration/click-facts.test.ts.
import { describe, expect, it } from 'bun:test';
import { clientOf } from '../../src/stats/click-facts.ts';
import { countryOf, countryTable, ipv4Number, ipv6Prefix } from '../../src/stats/countries.ts';
import { AgentClassifier, ReferrerHosts, referrerHost } from '../../src/stats/user-agents.ts';
import { oldestSaltDay, utcDay, UtcDays } from '../../src/stats/visitors.ts';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const SAFARI_IPAD = 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';

describe('user agents', () => {
  const agents = new AgentClassifier(2);

  it('flags crawlers and link previews as bots (device "bot") but not browsers', () => {
    for (const agent of ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'facebookexternalhit/1.1', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'Twitterbot/1.0', 'WhatsApp/2.23.20.0', 'Discordbot/2.0', 'curl/8.5.0']) {
      expect(agents.describe(agent)).toMatchObject({ bot: true, device: 'bot' });
    }
    expect(agents.describe(CHROME_WINDOWS)).toEqual({ bot: false, browser: 'Chrome', os: 'Windows', device: 'desktop' });
  });

  it('names browser, OS and device class, and says (unknown) for what it cannot read', () => {
    expect(agents.describe(SAFARI_IPHONE)).toEqual({ bot: false, browser: 'Safari', os: 'iOS', device: 'mobile' });
    expect(agents.describe(SAFARI_IPAD)).toMatchObject({ device: 'tablet' });
    expect(agents.describe(null)).toEqual({ bot: false, browser: '(unknown)', os: '(unknown)', device: '(unknown)' });
    expect(agents.describe('x').browser).toBe('(unknown)');
    // Cached: the same answer again (the cache holds 2 here, so this also exercises eviction).
    expect(agents.describe(CHROME_WINDOWS).browser).toBe('Chrome');
  });

  it('reduces a referrer to its host, (direct) when there is none or it is not a URL', () => {
    expect(referrerHost('https://News.Example.com/a?b=c')).toBe('news.example.com');
    expect(referrerHost(null)).toBe('(direct)');
    expect(referrerHost('')).toBe('(direct)');
    expect(referrerHost('not a url')).toBe('(direct)');
    expect(referrerHost('file:///etc/passwd')).toBe('(direct)');
  });

  it('remembers referrer hosts by the referrer up to its host, always as referrerHost says', () => {
    const hosts = new ReferrerHosts(4);
    const referrers = [
      'https://News.Example.com/a?b=c', 'https://news.example.com/other', 'http://t.co', 'http://t.co?x', 'https://a.com#f', 'https://a.com:443/',
      'https://user:pw@b.com/x@c.com', 'https://a.com\\evil.com/', 'https://a.com /x', 'https://a.com/ ', 'https://a.\tcom/', 'https://exa mple.com/',
      'https://a.com:99999/', 'https://0x7f.1/', 'https://1.2.3/x', 'https://[::1]/', 'https://[::1/', 'https://xn--a.com/', 'https://bücher.de/x',
      'https://a..b/', 'https://%41.com/', 'https://a.com?q=/x', 'https:///a.com/', 'https://', 'http://', 'HTTPS://UPPER.example/', 'android-app://com.slack/',
      'https://a.com', 'https://a.com', 'ftp://f.example/', 'https://a.com\n/', ' https://lead.example/',
      'https:///a.com/', 'https://\t/a.com/', 'https://\\a.com?x',
    ];
    // Twice: the second pass answers from the cache (and past evictions, since it holds 4).
    for (const referrer of [...referrers, ...referrers]) expect(hosts.hostOf(referrer)).toBe(referrerHost(referrer));
    // And a seeded fuzz over the characters the URL parser treats specially.
    const pieces = ['/', '\\', '?', '#', '@', ':', '.', 'a', 'B', '1', '0x', ' ', '\t', '\n', '%41', '[', ']', '::1', '-', 'xn--', 'ü', '\u0000', '99999', 'com'];
    let seed = 7;
    const pick = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) % n;
    for (let i = 0; i < 20_000; i++) {
      let referrer = pick(2) ? 'https://' : 'http://';
      for (let length = pick(12); length > 0; length--) referrer += pieces[pick(pieces.length)];
      expect(hosts.hostOf(referrer)).toBe(referrerHost(referrer));
    }
    expect(hosts.hostOf(null)).toBe('(direct)');
    expect(hosts.hostOf('')).toBe('(direct)');
  });
});

describe('client addresses and countries', () => {
  it('takes the first X-Forwarded-For entry', () => {
    expect(clientOf('203.0.113.7, 10.0.0.1')).toBe('203.0.113.7');
    expect(clientOf(' 2001:db8::1 ')).toBe('2001:db8::1');
    expect(clientOf('')).toBeNull();
    expect(clientOf(null)).toBeNull();
  });

  it('parses IPv4 and the first 64 bits of IPv6', () => {
    expect(ipv4Number('1.2.3.4')).toBe(0x01020304);
    expect(ipv4Number('1.2.3')).toBeNull();
    expect(ipv4Number('1.2.3.256')).toBeNull();
    expect(ipv6Prefix('2001:db8::1')).toBe(0x20010db800000000n);
    expect(ipv6Prefix('::1')).toBe(0n);
    expect(ipv6Prefix('1:2:3:4:5:6:7:8')).toBe(0x0001000200030004n);
    expect(ipv6Prefix('1::2::3')).toBeNull();
    expect(ipv6Prefix('12345::')).toBeNull();
    expect(ipv6Prefix('fe80')).toBeNull();
  });

  it('finds countries offline from the CC0 table, ZZ when unknown', async () => {
    const table = await countryTable();
    expect(await countryTable()).toBe(table);
    expect(countryOf(table, '1.0.0.1')).toBe('AU');
    expect(countryOf(table, '::ffff:1.0.0.1')).toBe('AU');
    expect(countryOf(table, '2001:2::1')).toBe('JP');
    expect(countryOf(table, '127.0.0.1')).toBe('ZZ');
    expect(countryOf(table, '10.1.2.3')).toBe('ZZ');
    expect(countryOf(table, 'garbage')).toBe('ZZ');
    expect(countryOf(table, null)).toBe('ZZ');
  });
});

describe('visitor days', () => {
  it('names UTC days and keeps salts for today and yesterday', () => {
    const at = Date.parse('2026-11-25T23:59:59.999Z');
    expect(utcDay(at)).toBe('2026-11-25');
    expect(utcDay(at + 1)).toBe('2026-11-26');
    expect(oldestSaltDay(at)).toBe('2026-11-24');
  });

  it('names the days of instants in any order as utcDay does, formatting once per change of day', () => {
    const days = new UtcDays();
    const midnight = Date.parse('2026-11-26T00:00:00Z');
    for (const at of [midnight - 1, midnight, midnight - 1, midnight + 5, 0, midnight + 86_400_000 * 400, midnight]) expect(days.of(at)).toBe(utcDay(at));
  });
});
