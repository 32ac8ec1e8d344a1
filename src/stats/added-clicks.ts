// A click added through POST /events (an admin's, or anyone's in open mode) is queued for the rollups
// like the click writer's, with the facts a rebuild gives it (src/stats/rebuild.ts): the same
// classifier on its user agent, its referrer's host, its country or ZZ, no visitor. So the folded
// rollups and `bun run stats:rebuild` agree about it. A click added without a link is not queued (the
// queue is per link): a rebuild counts it in the service-wide series, the running rollups do not.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { UNKNOWN_COUNTRY } from './countries.ts';
import { AgentClassifier, referrerHost } from './user-agents.ts';

const agents = new AgentClassifier(1_000);

/** In the transaction that stored the click (queued iff stored). */
export async function queueAddedClick(tx: Pick<Database, 'execute'>, eventId: number): Promise<void> {
  // Read back as the rebuild reads it (`->>`), whatever JSON the client sent in details.
  const [click] = await tx.execute<{ ua: string | null; referrer: string | null }>(sql`
    select details->>'user_agent' as ua, details->>'referrer' as referrer
    from events where id = ${eventId} and event_type = 'click' and url_id is not null`);
  if (!click) return;
  const agent = agents.describe(click.ua);
  await tx.execute(sql`
    insert into click_rollup_queue (url_id, ts, bot, browser, os, device, referrer_host, country, visitor)
    select url_id, timestamp, ${agent.bot}, ${agent.browser}, ${agent.os}, ${agent.device}, ${referrerHost(click.referrer)},
      coalesce(country, ${UNKNOWN_COUNTRY}), null
    from events where id = ${eventId}`);
}
