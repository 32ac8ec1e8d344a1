import { describe, expect, it } from 'bun:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, databaseUrl: null, redisUrl: null, seed: true, logLevel: 'info', listCap: 10_000 });
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.host).toBe('127.0.0.1');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('does not seed a real database unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/hop' }).seed).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/hop', SEED: 'true' }).seed).toBe(true);
  });

  it('takes a separate migration URL only beside DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://pooler/hop' }).migrationDatabaseUrl).toBeNull();
    expect(loadConfig({ DATABASE_URL: 'postgres://pooler/hop', MIGRATION_DATABASE_URL: 'postgresql://primary/hop' }).migrationDatabaseUrl).toBe('postgresql://primary/hop');
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: 'postgres://primary/hop' })).toThrow('MIGRATION_DATABASE_URL is set without DATABASE_URL');
  });

  it('trims a trailing slash from BASE_URL', () => {
    expect(loadConfig({ BASE_URL: 'https://ho.p/' }).baseUrl).toBe('https://ho.p');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ DATABASE_URL: 'postgres://db/hop', MIGRATION_DATABASE_URL: 'mysql://x' }, 'MIGRATION_DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SEED: 'perhaps' }, 'SEED'],
    [{ CHAOS_TOKEN: 'short' }, 'CHAOS_TOKEN'],
    [{ DB_POOL_MAX: '1' }, 'DB_POOL_MAX'],
  ])('stops on %p with a message naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});

describe('placeholder secrets', () => {
  it.each([
    [{ DATABASE_URL: 'postgres://hop:change-me-postgres@postgres:5432/hop' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'redis://:change-me-redis@redis:6379' }, 'REDIS_URL'],
    [{ ADMIN_TOKEN: 'change-me-admin-token-please' }, 'ADMIN_TOKEN'],
    [{ CHAOS_TOKEN: '<generate-a-chaos-token>' }, 'CHAOS_TOKEN'],
  ])('refuses to start on %p, naming %s and the fix but not the value', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
    expect(() => loadConfig(env)).toThrow('bun run secrets');
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('change-me');
    }
  });

  it('accepts generated values', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://hop:9f2c4e7a1b3d5f60718293a4b5c6d7e8@postgres:5432/hop',
      REDIS_URL: 'redis://:0a1b2c3d4e5f60718293a4b5c6d7e8f9@redis:6379',
      ADMIN_TOKEN: '5e8d0c1b2a39485766f5e4d3c2b1a098',
    });
    expect(config.adminToken).toBe('5e8d0c1b2a39485766f5e4d3c2b1a098');
  });

  it('judges the Discord webhook only when it is passed, and keeps no copy of it', () => {
    expect(loadConfig({}).alertWebhook).toBe('unchecked');
    expect(loadConfig({ DISCORD_WEBHOOK_URL: '' }).alertWebhook).toBe('missing');
    expect(loadConfig({ DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/<id>/<token>' }).alertWebhook).toBe('placeholder');
    expect(loadConfig({ DISCORD_WEBHOOK_URL: 'not a url' }).alertWebhook).toBe('placeholder');
    const real = loadConfig({ DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/123/AbCdEf' });
    expect(real.alertWebhook).toBe('configured');
    expect(JSON.stringify(real)).not.toContain('AbCdEf');
  });
});

describe('REDIS_KEY_PREFIX', () => {
  it('defaults to a short hash of host, port and database name, never of the credentials', () => {
    const prefix = (url: string) => loadConfig({ DATABASE_URL: url }).cache.keyPrefix;
    const a = prefix('postgres://hop:one-password-aaaaaaaaaa@db.internal:5432/hop');
    expect(a).toMatch(/^hop:[0-9a-f]{12}:$/);
    expect(prefix('postgres://other:another-password-bbbbbbb@DB.internal/hop')).toBe(a);
    expect(prefix('postgres://hop@db.internal:5432/hop_staging')).not.toBe(a);
    expect(prefix('postgres://hop@db.internal:5433/hop')).not.toBe(a);
    expect(prefix('postgres://hop@db2.internal:5432/hop')).not.toBe(a);
    expect(loadConfig({}).cache.keyPrefix).toMatch(/^hop:[0-9a-f]{12}:$/);
  });

  it('takes an explicit prefix and refuses one with spaces', () => {
    expect(loadConfig({ REDIS_KEY_PREFIX: 'shop-eu:' }).cache.keyPrefix).toBe('shop-eu:');
    expect(() => loadConfig({ REDIS_KEY_PREFIX: 'two words' })).toThrow('REDIS_KEY_PREFIX');
  });
});
