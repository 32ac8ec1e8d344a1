// `bun run keys` and the first admin key (HOP_INITIAL_ADMIN_KEY, the embedded first boot), against
// a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPEN_ACTOR } from '../../src/auth/actor.ts';
import { adoptInitialAdminKey, ensureEmbeddedAdminKey, warnWithoutAdmin } from '../../src/auth/bootstrap.ts';
import { generateKey } from '../../src/auth/key-format.ts';
import { KeyResolver } from '../../src/auth/key-resolver.ts';
import { KeyService } from '../../src/auth/service.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';

let database: TestDatabase;
let keys: KeyService;
const ROOT = path.resolve(import.meta.dir, '../..');

beforeAll(async () => {
  database = await freshDatabase('keys_cli');
  keys = new KeyService(database.db);
});
afterAll(async () => {
  await database.drop();
});

function cli(...args: string[]) {
  const run = Bun.spawnSync(['bun', 'run', 'db/keys-cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: '' },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

describe('bun run keys', () => {
  it('creates a key and prints it alone on stdout, lists it without the secret, revokes it', async () => {
    const created = cli('create', '--role', 'admin', '--name', 'from the cli');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^hop_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    const resolver = new KeyResolver(database.db);
    expect((await resolver.resolve(key)).ok).toBeTrue();

    const listed = cli('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(key.slice(4, 12));
    expect(listed.stdout).toContain('from the cli');
    expect(listed.stdout).not.toContain(key.slice(13));

    const id = (await keys.list(OPEN_ACTOR, { limit: 10, offset: 0 })).rows.find((k) => k.public_id === key.slice(4, 12))!.id;
    const revoked = cli('revoke', String(id));
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked key ${id}`);
    expect(await new KeyResolver(database.db).resolve(key)).toEqual({ ok: false, reason: 'revoked', publicId: key.slice(4, 12) });
    await resolver.close();
  });

  it('creates a user key for a user, with an expiry', async () => {
    const sql = new Bun.SQL({ url: database.url, max: 1 });
    const [user] = await sql`insert into users (username, email) values ('cli', 'cli@example.com') returning id`;
    await sql.close();
    const created = cli('create', '--role', 'user', '--user', String(user.id), '--expires', '2999-01-01T00:00:00Z');
    expect(created.code).toBe(0);
    const stored = (await keys.list(OPEN_ACTOR, { limit: 100, offset: 0 })).rows.find((k) => k.public_id === created.stdout.trim().slice(4, 12))!;
    expect(stored).toMatchObject({ role: 'user', user_id: user.id, expires_at: '2999-01-01T00:00:00.000Z' });
  });

  it.each([
    [[], 2, 'usage'],
    [['create'], 2, '--role'],
    [['create', '--role', 'user'], 1, 'user_id'],
    [['create', '--role', 'user', '--user', '999999'], 1, 'user not found'],
    [['create', '--role', 'admin', '--user', 'x'], 2, '--user'],
    [['revoke'], 2, 'numeric key id'],
    [['revoke', '999999'], 1, 'key not found'],
    [['rotate'], 2, 'unknown command'],
  ])('answers %p with exit %d and one line about %s', (args, code, text) => {
    const run = cli(...(args as string[]));
    expect(run.code).toBe(code as number);
    const output = run.stderr || run.stdout;
    expect(output).toContain(text as string);
    if (code !== 2 || (args as string[]).length > 0) expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('generates a well-formed key without storing it', async () => {
    const before = (await keys.list(OPEN_ACTOR, { limit: 1000, offset: 0 })).total;
    const run = cli('generate');
    expect(run.stdout.trim()).toMatch(/^hop_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect((await keys.list(OPEN_ACTOR, { limit: 1000, offset: 0 })).total).toBe(before);
  });
});

describe('the first admin key', () => {
  it('stores HOP_INITIAL_ADMIN_KEY once, whatever number of replicas start with it', async () => {
    const { key } = generateKey();
    const logged: unknown[] = [];
    const log = {
      info: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
      warn: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message, warn: true }),
    };
    await Promise.all([adoptInitialAdminKey(keys, key, log), adoptInitialAdminKey(keys, key, log)]);
    await adoptInitialAdminKey(keys, key, log);
    const stored = (await keys.list(OPEN_ACTOR, { limit: 1000, offset: 0 })).rows.filter((k) => k.public_id === key.slice(4, 12));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.role).toBe('admin');
    expect(JSON.stringify(logged)).not.toContain(key.slice(13));
    expect((await new KeyResolver(database.db).resolve(key)).ok).toBeTrue();

    // The same id with another secret: the stored key is kept, and the operator is told.
    const changed = `${key.slice(0, 13)}${'A'.repeat(43)}`;
    await adoptInitialAdminKey(keys, changed, log);
    expect(JSON.stringify(logged.at(-1))).toContain('was changed after first start');
    expect((await new KeyResolver(database.db).resolve(changed)).ok).toBeFalse();
  });

  it('warns when no admin key works, and not otherwise', async () => {
    const fresh = await freshDatabase('keys_cli_no_admin');
    try {
      const warnings: string[] = [];
      const log = { info: () => {}, warn: (_: Record<string, unknown>, message: string) => warnings.push(message) };
      const service = new KeyService(fresh.db);
      await warnWithoutAdmin(service, log);
      expect(warnings).toEqual([expect.stringContaining('bun run keys create --role admin')]);
      await service.create({ role: 'admin' }, OPEN_ACTOR);
      await warnWithoutAdmin(service, log);
      expect(warnings).toHaveLength(1);
    } finally {
      await fresh.drop();
    }
  });

  it('makes an embedded first-boot key, saved with mode 0600, announced once, and adopted again later', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hop-admin-key-'));
    try {
      const lines: string[] = [];
      const file = await ensureEmbeddedAdminKey(keys, dir, (line) => lines.push(line));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8').trim();
      expect(lines.join('\n')).toContain(key);
      expect((await new KeyResolver(database.db).resolve(key)).ok).toBeTrue();
      const again: string[] = [];
      await ensureEmbeddedAdminKey(keys, dir, (line) => again.push(line));
      expect(again).toEqual([]);
      expect(readFileSync(file, 'utf8').trim()).toBe(key);
      // A database recreated under an existing data directory gets the same key back.
      const other = await freshDatabase('keys_cli_again');
      try {
        await ensureEmbeddedAdminKey(new KeyService(other.db), dir, () => {});
        expect((await new KeyResolver(other.db).resolve(key)).ok).toBeTrue();
      } finally {
        await other.drop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to adopt something that is not a key', async () => {
    await expect(keys.adopt('not-a-key', 'x')).rejects.toThrow('must look like');
  });
});
