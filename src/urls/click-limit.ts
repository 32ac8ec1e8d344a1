// max_clicks, exact across replicas: every admitted redirect is one conditional increment of
// urls.clicks_used in Postgres, so the database's row lock orders racing replicas and the limit can
// never be passed, whatever Redis is doing. There is one counter and nothing to reconcile
// (docs/decisions.md explains why not a Redis counter).
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { urls } from '../../db/schema.ts';

export type Admission = 'admitted' | 'last' | 'refused';

export class ClickLimits {
  private readonly increment;

  constructor(db: Database) {
    this.increment = db
      .update(urls)
      .set({ clicksUsed: sql`${urls.clicksUsed} + 1` })
      .where(and(eq(urls.id, sql.placeholder('id')), sql`${urls.clicksUsed} < ${urls.maxClicks}`))
      .returning({ used: urls.clicksUsed, max: urls.maxClicks })
      .prepare('admit_click');
  }

  /** Takes one click from the link's budget: 'last' when it took the final one, 'refused' when none was left. */
  async admit(urlId: number): Promise<Admission> {
    const [row] = await this.increment.execute({ id: urlId });
    if (!row) return 'refused';
    return row.max !== null && row.used >= row.max ? 'last' : 'admitted';
  }
}
