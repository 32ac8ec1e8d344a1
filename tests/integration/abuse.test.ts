// Abuse control through running hops on real Postgres and Redis: link bans (410, apart from the
// owner's switch), host bans (subdomains, every replica within a second), the blocklist file
// (start, SIGHUP, bad lines, unreadable file) and admin-only access.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyBlocklistFile, BlocklistError, parseBlocklist } from '../../src/abuse/blocklist.ts';
import { AbuseService } from '../../src/abuse/service.ts';
import type { Actor } from '../../src/auth/actor.ts';
import { AppError } from '../../src/http/errors.ts';
import { UrlService } from '../../src/urls/service.ts';
import type { TestDatabase } from '../support/env.ts';
import type { RunningHop } from '../support/hop.ts';
import { twoReplicas, type Replicas } from '../support/replicas.ts';
import { HOOK_TIMEOUT_MS, waitFor } from '../support/wait.ts';
import { spawnHop } from '../support/process.ts';

let database: TestDatabase;
let hop: RunningHop;
let other: RunningHop;
const dir = mkdtempSync(path.join(tmpdir(), 'hop-abuse-'));

let replicas: Replicas;

beforeAll(async () => {
  replicas = await twoReplicas('abuse');
  ({ database, hop, other } = replicas);
}, HOOK_TIMEOUT_MS);
afterAll(async () => {
  await replicas.stop();
  rmSync(dir, { recursive: true, force: true });
}, HOOK_TIMEOUT_MS);

async function link(url: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await hop.json('/urls', { original_url: url, ...extra });
  expect(status).toBe(201);
  return body as { id: number; short_code: string; user_id: number | null };
}

async function statusOn(target: RunningHop, code: string) {
  return (await target.request(`/${code}`, { method: 'HEAD' })).status;
}

async function eventTypes(query: string) {
  return ((await hop.json(`/events?${query}`)).body as { event_type: string; details: any }[]);
}


describe('link bans', () => {
  it('answers 410 link_banned with no click, which the owner cannot undo, until an admin lifts it', async () => {
    const target = await link('https://phish.example/login');
    expect(await statusOn(hop, target.short_code)).toBe(302);
    const banned = await hop.json(`/urls/${target.id}/ban`, { reason: 'phishing report #41' });
    expect(banned.status).toBe(200);
    expect(banned.body).toMatchObject({ banned: true, ban_reason: 'phishing report #41', is_active: true });
    const response = await hop.request(`/${target.short_code}`);
    expect(response.status).toBe(410);
    expect(await response.json()).toEqual({ error: 'short link has been disabled for abuse', code: 'link_banned' });
    // The owner's switch is not the ban.
    await hop.json(`/urls/${target.id}`, { is_active: false }, 'PUT');
    await hop.json(`/urls/${target.id}`, { is_active: true }, 'PUT');
    expect(await statusOn(hop, target.short_code)).toBe(410);
    const lifted = await hop.request(`/urls/${target.id}/ban`, { method: 'DELETE' });
    expect(lifted.status).toBe(200);
    expect(((await lifted.json()) as { banned: boolean }).banned).toBe(false);
    expect(await statusOn(hop, target.short_code)).toBe(302);
    await hop.clicks.flush();
    const history = await eventTypes(`url_id=${target.id}`);
    expect(history.filter((e) => e.event_type === 'click')).toHaveLength(0);
    expect(history.find((e) => e.event_type === 'banned')!.details).toMatchObject({ reason: 'phishing report #41', short_code: target.short_code });
    expect(history.some((e) => e.event_type === 'unbanned')).toBe(true);
    expect(await hop.metrics!.registry.metrics()).toMatch(/hop_redirects_total\{result="banned"\} [1-9]/);
  });

  it('answers 404 for an unknown link and 400 without a reason', async () => {
    expect((await hop.json('/urls/999999/ban', { reason: 'x' })).status).toBe(404);
    const target = await link('https://example.com/x');
    expect((await hop.json(`/urls/${target.id}/ban`, {})).status).toBe(400);
  });
});

describe('host bans', () => {
  it('bans the host and its subdomains on every replica within a second, refuses new links to it, and lifts cleanly', async () => {
    const apex = await link('https://evil.example/a');
    const sub = await link('https://login.evil.example/b?c=d');
    const lookalike = await link('https://notevil.example/c');
    for (const code of [apex.short_code, sub.short_code, lookalike.short_code]) {
      expect(await statusOn(hop, code)).toBe(302);
      expect(await statusOn(other, code)).toBe(302);
    }
    const started = Date.now();
    const { status, body } = await hop.json('/banned-hosts', { host: 'Evil.Example.', reason: 'phishing kit' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ host: 'evil.example', reason: 'phishing kit', source: 'api', links_banned: 2 });
    await waitFor(async () => (await statusOn(other, apex.short_code)) === 410 && (await statusOn(other, sub.short_code)) === 410, 'the other replica', 1_000);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await statusOn(hop, sub.short_code)).toBe(410);
    expect(await statusOn(other, lookalike.short_code)).toBe(302);

    const refused = await hop.json('/urls', { original_url: 'https://deep.login.evil.example/' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'banned_host', details: [{ field: 'original_url' }] });
    expect((await hop.json('/shorten', { url: 'https://example.com/ok', expired_url: 'http://evil.example/' })).body.code).toBe('banned_host');
    expect((await hop.json(`/urls/${lookalike.id}`, { original_url: 'https://EVIL.example/x' }, 'PUT')).body.code).toBe('banned_host');
    expect((await hop.json(`/urls/${lookalike.id}`, { expired_url: 'https://a.evil.example/' }, 'PUT')).status).toBe(400);

    expect((await hop.json('/banned-hosts')).body).toContainEqual(expect.objectContaining({ host: 'evil.example' }));
    expect((await hop.json('/banned-hosts/evil.example')).body.reason).toBe('phishing kit');
    expect((await hop.json('/urls/' + sub.id)).body).toMatchObject({ banned: true, ban_reason: 'host banned: evil.example (phishing kit)' });

    expect((await hop.request('/banned-hosts/evil.example', { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => (await statusOn(other, apex.short_code)) === 302, 'the lift on the other replica', 2_000);
    expect(await statusOn(hop, sub.short_code)).toBe(302);
    expect((await hop.request('/banned-hosts/evil.example', { method: 'DELETE' })).status).toBe(404);
    expect((await hop.json('/banned-hosts/evil.example')).status).toBe(404);
    const audit = (await eventTypes('event_type=host_banned')).concat(await eventTypes('event_type=host_unbanned'));
    expect(audit.map((e) => e.event_type).sort()).toEqual(['host_banned', 'host_unbanned']);
    expect(audit.find((e) => e.event_type === 'host_banned')!.details).toMatchObject({ host: 'evil.example', links_banned: 2 });
  });

  it('keeps a link banned by its own ban when a host ban over it is lifted, and by a parent ban still in force', async () => {
    const own = await link('https://spam.example/own');
    const nested = await link('https://a.b.spam.example/n');
    await hop.json(`/urls/${own.id}/ban`, { reason: 'own ban' });
    await hop.json('/banned-hosts', { host: 'b.spam.example' });
    await hop.json('/banned-hosts', { host: 'spam.example' });
    expect((await hop.json(`/urls/${nested.id}`)).body.ban_reason).toBe('host banned: b.spam.example');
    await hop.request('/banned-hosts/b.spam.example', { method: 'DELETE' });
    expect((await hop.json(`/urls/${nested.id}`)).body).toMatchObject({ banned: true, ban_reason: 'host banned: spam.example' });
    await hop.request('/banned-hosts/spam.example', { method: 'DELETE' });
    expect((await hop.json(`/urls/${nested.id}`)).body.banned).toBe(false);
    expect((await hop.json(`/urls/${own.id}`)).body).toMatchObject({ banned: true, ban_reason: 'own ban' });
  });

  it.each([['not a host'], ['http://x.example/'], [''], ['a..b'], ['-x.example']])('rejects the host %p with 400', async (host) => {
    expect((await hop.json('/banned-hosts', { host })).status).toBe(400);
  });
});

describe('admin only', () => {
  it('refuses every ban operation to a user key and to an anonymous caller (403)', async () => {
    const abuse = new AbuseService(database.db, { linkChanged: async () => {} });
    const target = await link('https://example.com/admin-only');
    for (const actor of [{ kind: 'user', userId: 1, keyId: 1 }, { kind: 'anonymous' }] as Actor[]) {
      for (const attempt of [
        () => abuse.banLink(actor, target.id, 'x'),
        () => abuse.unbanLink(actor, target.id),
        () => abuse.banHost(actor, { host: 'x.example' }),
        () => abuse.unbanHost(actor, 'x.example'),
        () => abuse.listHosts(actor),
        () => abuse.getHost(actor, 'x.example'),
      ]) {
        const error = await attempt().then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('forbidden');
      }
    }
  });
});

describe('ownership', () => {
  it('lets a user key see, tag, limit and list only its own links; another user\'s link is a 404', async () => {
    const urls = new UrlService(database.db);
    const alice = (await hop.json('/users', { username: 'alice', email: 'alice@example.com' })).body.id as number;
    const bob = (await hop.json('/users', { username: 'bob', email: 'bob@example.com' })).body.id as number;
    const asAlice: Actor = { kind: 'user', userId: alice, keyId: 1 };
    const asBob: Actor = { kind: 'user', userId: bob, keyId: 2 };
    const mine = await urls.create(asAlice, { original_url: 'https://example.com/alice', tags: ['own'], max_clicks: 3 });
    expect(mine.user_id).toBe(alice);
    await urls.create(asBob, { original_url: 'https://example.com/bob', tags: ['own', 'bob-only'] });
    await expect(urls.create(asAlice, { original_url: 'https://example.com/x', user_id: bob })).rejects.toMatchObject({ code: 'not_found' });
    await expect(urls.get(asBob, mine.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(urls.update(asBob, mine.id, { tags: ['stolen'], max_clicks: 1 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(urls.remove(asBob, mine.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await urls.update(asAlice, mine.id, { tags: ['own', 'second'] })).tags).toEqual(['own', 'second']);
    const listed = await urls.list(asAlice, { tags: ['own'] }, { limit: 100, offset: 0 });
    expect(listed.rows.map((row) => row.id)).toEqual([mine.id]);
    expect(await urls.tagCounts(asAlice)).toEqual([{ tag: 'own', count: 1 }, { tag: 'second', count: 1 }]);
    const anonymous = await urls.create({ kind: 'anonymous' }, { original_url: 'https://example.com/anon', user_id: alice });
    expect(anonymous.user_id).toBeNull();
  });
});

describe('blocklist file', () => {
  it('reads one host per line, skipping comments, blanks and lines that are not hosts', () => {
    const parsed = parseBlocklist('# phishing\nBad.Example\n\n  worse.example  # inline\nnot a host\nbad.example\r\n');
    expect(parsed.hosts).toEqual(['bad.example', 'worse.example']);
    expect(parsed.problems).toEqual([{ line: 5, text: 'not a host' }]);
  });

  it('applies the file as the file\'s own bans: adds, lifts what it drops, never an API ban', async () => {
    const file = path.join(dir, 'list.txt');
    const warnings: unknown[] = [];
    const log = { warn: (fields: unknown) => void warnings.push(fields), info() {} };
    const victim = await link('https://www.file-listed.example/');
    await hop.json('/banned-hosts', { host: 'api-and-file.example' });
    writeFileSync(file, 'file-listed.example\napi-and-file.example\n???\n');
    expect(await applyBlocklistFile(file, hop.app.abuse, log)).toMatchObject({ hosts: 2, added: 1, removed: 0, links_banned: 1 });
    expect(warnings).toHaveLength(1);
    await waitFor(async () => (await statusOn(other, victim.short_code)) === 410, 'the file ban on the other replica', 1_000);
    writeFileSync(file, '# emptied\n');
    expect(await applyBlocklistFile(file, hop.app.abuse, log)).toMatchObject({ added: 0, removed: 1 });
    expect(await statusOn(hop, victim.short_code)).toBe(302);
    expect((await hop.json('/banned-hosts/api-and-file.example')).status).toBe(200);
    expect((await eventTypes('event_type=blocklist_loaded')).length).toBe(2);
    await expect(applyBlocklistFile(path.join(dir, 'missing.txt'), hop.app.abuse, log)).rejects.toBeInstanceOf(BlocklistError);
  });

  it('is loaded at start and again on SIGHUP; an unreadable file stops start-up with one line', async () => {
    const file = path.join(dir, 'process-list.txt');
    writeFileSync(file, 'sighup-a.example\n');
    const child = await spawnHop(database.url, { BLOCKLIST_FILE: file, DB_POOL_MAX: '3' });
    const create = (url: string) => fetch(`${child.base}/urls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ original_url: url }) }).then((r) => r.status);
    try {
      expect(await create('https://sighup-a.example/')).toBe(400);
      expect(await create('https://sighup-b.example/')).toBe(201);
      writeFileSync(file, 'sighup-b.example\n');
      child.child.kill('SIGHUP');
      await waitFor(async () => (await create('https://sighup-a.example/')) === 201, 'the reload', 10_000);
      expect(await create('https://sighup-b.example/')).toBe(400);
    } finally {
      child.child.kill('SIGTERM');
      await child.child.exited;
    }
    const broken = Bun.spawn(['bun', 'run', 'src/main.ts'], {
      cwd: path.resolve(import.meta.dir, '../..'),
      env: { ...process.env, PORT: '0', DATABASE_URL: database.url, DB_POOL_MAX: '2', BLOCKLIST_FILE: path.join(dir, 'nope.txt'), SEED: 'false', LOG_LEVEL: 'silent' },
      stdout: 'ignore',
      stderr: 'pipe',
    });
    expect(await broken.exited).toBe(2);
    const stderr = (await new Response(broken.stderr).text()).trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain('BLOCKLIST_FILE');
  });
});
