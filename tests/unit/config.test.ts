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
