// The one question a link write asks of the ban list: is any of these hosts banned?
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** The first of these hosts (a target's suffixes, see hosts.ts) that is banned, if any. */
export async function findBannedHost(db: Database | Tx, suffixes: readonly string[]): Promise<string | undefined> {
  const rows = (await db.execute(sql`
    select host from banned_hosts where host = any(array(select jsonb_array_elements_text(${JSON.stringify(suffixes)}::text::jsonb)))
    limit 1`)) as unknown as { host: string }[];
  return rows[0]?.host;
}
