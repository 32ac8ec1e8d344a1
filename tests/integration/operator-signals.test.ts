// What an operator reads when something is off: each Postgres or Redis transition logged once with
// its cause (the access log stays plain info lines meanwhile), and a missing or placeholder alert
// webhook reported at start and as a metric.
import { describe, expect, it } from 'bun:test';
import { freshDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { PrivateRedis, privatePostgres } from '../support/services.ts';

type Line = { level: string; msg: string; dependency?: string; cause?: string; down_ms?: number; route?: string; status?: number; request_id?: string; client?: string };

const lines = (hop: RunningHop) => hop.logRing.query({ limit: 10_000 }) as Line[];
const about = (hop: RunningHop, dependency: string) => lines(hop).filter((l) => l.dependency === dependency);

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe('dependency transitions in the log', () => {
  it('logs Redis going away once at warn with its cause, and once at info when it is back', async () => {
    const redis = new PrivateRedis();
    await redis.start();
    const database = await freshDatabase('dependency_log_redis');
    const hop = await startHop(database.db, { redisUrl: redis.url, env: { LOG_LEVEL: 'info' } });
    try {
      const { body: link } = await hop.json('/shorten', { url: 'https://example.com/dep-log' });
      await redis.stop();
      await until('redis down logged', () => about(hop, 'redis').some((l) => l.level === 'warn'));
      // Keep serving (and probing) through the outage: still one line.
      for (let i = 0; i < 20; i++) {
        expect((await hop.request(`/${link.short_code}`)).status).toBe(302);
        await Bun.sleep(100);
      }
      await redis.start();
      await until('redis back logged', () => about(hop, 'redis').some((l) => l.level === 'info'));
      await Bun.sleep(1_500);
      const transitions = about(hop, 'redis');
      console.log(JSON.stringify(transitions.map((l) => l.msg)));
      expect(transitions.map((l) => l.level)).toEqual(['warn', 'info']);
      expect(transitions[0]!.msg).toStartWith('redis is down: ');
      expect(transitions[0]!.cause).toBeTruthy();
      expect(transitions[1]!.msg).toMatch(/^redis is back after \d+\.\ds$/);
      expect(transitions[1]!.down_ms).toBeGreaterThan(1_000);
    } finally {
      await hop.stop();
      await redis.stop();
      await database.drop();
    }
  }, 40_000);

  it('logs Postgres going away and back once each; failed requests stay info access lines', async () => {
    const pg = await privatePostgres();
    const hop = await startHop(pg.db, { redisUrl: false, env: { LOG_LEVEL: 'info' } });
    try {
      await pg.stop();
      await until('postgres down logged', () => about(hop, 'postgres').some((l) => l.level === 'warn'), 15_000);
      const statuses = new Set<number>();
      for (let i = 0; i < 10; i++) statuses.add((await hop.json('/shorten', { url: `https://example.com/pg-${i}` })).status);
      expect(statuses).toEqual(new Set([503]));
      await pg.start();
      await until('postgres back logged', () => about(hop, 'postgres').some((l) => l.level === 'info'), 20_000);
      const transitions = about(hop, 'postgres');
      console.log(JSON.stringify(transitions.map((l) => l.msg)));
      expect(transitions.map((l) => l.level)).toEqual(['warn', 'info']);
      expect(transitions[0]!.cause).toBeTruthy();
      expect(transitions[0]!.cause).not.toContain('postgres:'); // no connection string (and no password)
      const access = lines(hop).filter((l) => l.msg === 'request' && l.status === 503);
      expect(access.length).toBe(10);
      expect(access.every((l) => l.level === 'info')).toBe(true);
      // No error lines about it; background jobs may say once (throttled) that their round failed,
      // but nothing is written per request.
      expect(lines(hop).filter((l) => ['error', 'fatal'].includes(l.level))).toEqual([]);
      expect(lines(hop).filter((l) => l.level === 'warn' && l.dependency === undefined).length).toBeLessThanOrEqual(3);
    } finally {
      await hop.stop();
      await pg.destroy();
    }
  }, 60_000);
});

describe('the alert webhook', () => {
  const metric = async (hop: RunningHop) => (await (await hop.request('/metrics')).text()).match(/^hop_alert_webhook_configured (\d)$/m)?.[1];

  it.each([
    ['', 'not set', '0'],
    ['https://discord.com/api/webhooks/<id>/<token>', 'a placeholder', '0'],
  ])('DISCORD_WEBHOOK_URL=%p: warns at start (%s) and reports hop_alert_webhook_configured %s', async (value, words, gauge) => {
    const database = await freshDatabase('alert_webhook');
    const hop = await startHop(database.db, { redisUrl: false, env: { LOG_LEVEL: 'info', DISCORD_WEBHOOK_URL: value } });
    try {
      const warning = lines(hop).filter((l) => l.level === 'warn' && l.msg.startsWith('DISCORD_WEBHOOK_URL'));
      expect(warning).toHaveLength(1);
      expect(warning[0]!.msg).toContain(words);
      expect(warning[0]!.msg).not.toContain('<token>');
      expect(await metric(hop)).toBe(gauge);
    } finally {
      await hop.stop();
      await database.drop();
    }
  }, 30_000);

  it('stays quiet and reports 1 for a real webhook, and has no series when not told', async () => {
    const database = await freshDatabase('alert_webhook_ok');
    const real = await startHop(database.db, { redisUrl: false, env: { LOG_LEVEL: 'info', DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/secret-part' } });
    const untold = await startHop(database.db, { redisUrl: false, env: { LOG_LEVEL: 'info' } });
    try {
      expect(await metric(real)).toBe('1');
      expect(lines(real).some((l) => l.msg.includes('DISCORD_WEBHOOK_URL'))).toBe(false);
      expect(await (await real.request('/metrics')).text()).not.toContain('secret-part');
      expect(await metric(untold)).toBeUndefined();
    } finally {
      await real.stop();
      await untold.stop();
      await database.drop();
    }
  }, 30_000);
});

describe('the client address in access lines', () => {
  it('is the TCP peer, or what nginx says under TRUST_PROXY; a direct client cannot forge it', async () => {
    const database = await freshDatabase('access_client');
    const direct = await startHop(database.db, { redisUrl: false, env: { LOG_LEVEL: 'info' } });
    const proxied = await startHop(database.db, { redisUrl: false, env: { LOG_LEVEL: 'info', TRUST_PROXY: 'true' } });
    try {
      const clientOf = async (hop: RunningHop, id: string, headers: Record<string, string>) => {
        await hop.request('/shorten', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id, ...headers }, body: '{}' });
        await until(`access line ${id}`, () => lines(hop).some((l) => l.request_id === id && l.msg === 'request'));
        return lines(hop).find((l) => l.request_id === id && l.msg === 'request')!.client;
      };
      expect(await clientOf(direct, 'client-direct', { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6' })).toBe('127.0.0.1');
      expect(await clientOf(proxied, 'client-proxied', { 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '203.0.113.9' })).toBe('203.0.113.9');
    } finally {
      await direct.stop();
      await proxied.stop();
      await database.drop();
    }
  }, 30_000);
});
