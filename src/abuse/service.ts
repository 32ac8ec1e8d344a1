// Abuse control, an operator's tools: banning one link, banning target hosts (their subdomains
// included) from the API or the blocklist file. A ban is apart from the owner's is_active switch,
// so the owner cannot undo it. Each ban and unban writes its audit event in the same transaction,
// then every affected link is invalidated on every replica (the redirect answers 410 `link_banned`).
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { bannedHosts, events, urls } from '../../db/schema.ts';
import { toIso } from '../../db/timestamps.ts';
import { requireAdmin, type Actor } from '../auth/actor.ts';
import { notFound } from '../http/errors.ts';
import { checkStorable } from '../http/text.ts';
import { toUrl, type LinkChanges, type Url } from '../urls/service.ts';
import { checkHost } from './hosts.ts';

export interface BannedHost {
  host: string;
  reason: string | null;
  /** 'api' or 'file' (BLOCKLIST_FILE): a reload of the file adds and lifts only its own rows. */
  source: string;
  created_at: string;
}

export interface HostBanResult extends BannedHost {
  /** Links this ban switched off now. */
  links_banned: number;
}

export interface BlocklistSync {
  added: number;
  removed: number;
  links_banned: number;
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

// Actors as audit details name them: an admin key's id, or null in AUTH_MODE=open / for the file.
const byWhom = (actor: Actor | null) => (actor && actor.kind !== 'anonymous' ? actor.keyId : null);

function toBannedHost(row: typeof bannedHosts.$inferSelect): BannedHost {
  return { host: row.host, reason: row.reason, source: row.source, created_at: toIso(row.createdAt) };
}

// Bans every not-yet-banned link whose target is one of `hosts` or under it. The host list travels
// as JSON text (one parameter, any length), like the create batches.
async function banLinksOf(tx: Tx, hosts: readonly string[], reason: string | null) {
  return (await tx.execute(sql`
    with banned as (select jsonb_array_elements_text(${JSON.stringify(hosts)}::text::jsonb) as host)
    update urls u set banned_at = now(), ban_reason = coalesce(${reason}, 'host banned: ' || b.host), banned_host = b.host
    from banned b
    where u.banned_at is null
      and (u.target_host = b.host or right(u.target_host, length(b.host) + 1) = '.' || b.host)
    returning u.id, u.short_code`)) as unknown as { id: number; short_code: string }[];
}

/** Lifts the bans that these host bans caused; a link still under another banned host is banned again by it. */
async function liftLinksOf(tx: Tx, hosts: readonly string[]) {
  const lifted = (await tx.execute(sql`
    update urls set banned_at = null, ban_reason = null, banned_host = null
    where banned_host = any(array(select jsonb_array_elements_text(${JSON.stringify(hosts)}::text::jsonb)))
    returning id, short_code`)) as unknown as { id: number; short_code: string }[];
  if (lifted.length === 0) return lifted;
  const remaining = (await tx.select({ host: bannedHosts.host }).from(bannedHosts)).map((row) => row.host);
  if (remaining.length) await banLinksOf(tx, remaining, null);
  return lifted;
}

export class AbuseService {
  constructor(
    private readonly db: Database,
    private readonly cache: LinkChanges,
  ) {}

  /** Switches one link off for abuse: 410 on redirect until an admin lifts it. */
  async banLink(actor: Actor, id: number, reason: string): Promise<Url> {
    requireAdmin(actor);
    const text = checkStorable(reason, 'reason');
    return this.changeLinkBan(actor, id, 'banned', { bannedAt: sql`now()`, banReason: text, bannedHost: null }, { reason: text });
  }

  async unbanLink(actor: Actor, id: number): Promise<Url> {
    requireAdmin(actor);
    return this.changeLinkBan(actor, id, 'unbanned', { bannedAt: null, banReason: null, bannedHost: null }, {});
  }

  async listHosts(actor: Actor): Promise<BannedHost[]> {
    requireAdmin(actor);
    return (await this.db.select().from(bannedHosts).orderBy(bannedHosts.host)).map(toBannedHost);
  }

  async getHost(actor: Actor, host: string): Promise<BannedHost> {
    requireAdmin(actor);
    const [row] = await this.db.select().from(bannedHosts).where(eq(bannedHosts.host, checkHost(host)));
    if (!row) throw notFound('banned host');
    return toBannedHost(row);
  }

  /** Bans a host and its subdomains (again: updates the reason) and switches off every link to them. */
  async banHost(actor: Actor, input: { host: string; reason?: string | null }): Promise<HostBanResult> {
    requireAdmin(actor);
    const host = checkHost(input.host);
    const reason = input.reason == null ? null : checkStorable(input.reason, 'reason');
    const { row, links } = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(bannedHosts)
        .values({ host, reason, source: 'api' })
        // Banned through the API, a host the file also lists stays banned when the file drops it.
        .onConflictDoUpdate({ target: bannedHosts.host, set: { reason, source: 'api' } })
        .returning();
      const links = await banLinksOf(tx, [host], reason === null ? null : `host banned: ${host} (${reason})`);
      await tx.insert(events).values({
        eventType: 'host_banned',
        details: { host, reason, source: 'api', by_key: byWhom(actor), links_banned: links.length },
      });
      return { row: row!, links };
    });
    await this.invalidate(links);
    return { ...toBannedHost(row), links_banned: links.length };
  }

  /** Lifts a host ban and the link bans it caused. */
  async unbanHost(actor: Actor, hostText: string): Promise<void> {
    requireAdmin(actor);
    const host = checkHost(hostText);
    const links = await this.db.transaction(async (tx) => {
      const [removed] = await tx.delete(bannedHosts).where(eq(bannedHosts.host, host)).returning();
      if (!removed) throw notFound('banned host');
      const links = await liftLinksOf(tx, [host]);
      await tx.insert(events).values({
        eventType: 'host_unbanned',
        details: { host, source: removed.source, by_key: byWhom(actor), links_unbanned: links.length },
      });
      return links;
    });
    await this.invalidate(links);
  }

  /**
   * Makes the file's bans exactly `hosts`: adds the new ones, lifts the ones the file no longer
   * lists (never a ban made through the API). Replicas loading the same file at once take turns.
   */
  async syncBlocklist(hosts: readonly string[]): Promise<BlocklistSync> {
    const wanted = new Set(hosts);
    const { added, removed, affected, banned } = await this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(7340212)`);
      const current = (await tx.select({ host: bannedHosts.host }).from(bannedHosts).where(eq(bannedHosts.source, 'file'))).map((r) => r.host);
      const removed = current.filter((host) => !wanted.has(host));
      const added = (await tx.execute(sql`
        insert into banned_hosts (host, reason, source)
        select jsonb_array_elements_text(${JSON.stringify([...wanted])}::text::jsonb), 'blocklist file', 'file'
        on conflict (host) do nothing
        returning host`) as unknown as { host: string }[]).map((r) => r.host);
      if (removed.length) {
        await tx.execute(sql`delete from banned_hosts where source = 'file' and host = any(array(select jsonb_array_elements_text(${JSON.stringify(removed)}::text::jsonb)))`);
      }
      const lifted = removed.length ? await liftLinksOf(tx, removed) : [];
      const banned = added.length ? await banLinksOf(tx, added, null) : [];
      if (added.length || removed.length) {
        await tx.insert(events).values({
          eventType: 'blocklist_loaded',
          details: { added, removed, links_banned: banned.length, links_unbanned: lifted.length },
        });
      }
      return { added, removed, affected: [...lifted, ...banned], banned: banned.length };
    });
    await this.invalidate(affected);
    return { added: added.length, removed: removed.length, links_banned: banned };
  }

  private async changeLinkBan(
    actor: Actor,
    id: number,
    eventType: 'banned' | 'unbanned',
    values: Partial<Record<'bannedAt' | 'banReason' | 'bannedHost', unknown>>,
    details: Record<string, unknown>,
  ): Promise<Url> {
    const updated = await this.db.transaction(async (tx) => {
      const [row] = await tx.update(urls).set(values as Partial<typeof urls.$inferInsert>).where(eq(urls.id, id)).returning();
      if (!row) throw notFound('url');
      await tx.insert(events).values({
        urlId: id,
        userId: row.userId,
        eventType,
        details: { short_code: row.shortCode, ...details, by_key: byWhom(actor) },
      });
      return row;
    });
    await this.cache.linkChanged(updated.shortCode);
    return toUrl(updated);
  }

  // Every replica drops these links from its caches (published at once, repeated a second later).
  private async invalidate(links: readonly { short_code: string }[]): Promise<void> {
    await Promise.all(links.map((link) => this.cache.linkChanged(link.short_code)));
  }
}
