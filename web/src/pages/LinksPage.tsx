// Links: search and filter a server-side paged list (fast at 100,000 links), and create new ones.
import { useState } from 'preact/hooks';
import type { HopClient } from '../api/client.ts';
import type { LinkQuery } from '../api/types.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { LinkForm } from '../components/LinkForm.tsx';
import { LinkTable } from '../components/LinkTable.tsx';
import { Pager } from '../components/Pager.tsx';
import { useLoad, useSettled } from '../hooks.ts';
import { navigate } from '../router.tsx';

const PER_PAGE = 25;
type Activity = 'all' | 'active' | 'inactive' | 'ended';

/** The status filter as GET /urls parameters: "active" means it redirects (on and not ended). */
const ACTIVITY_QUERY: Record<Activity, Pick<LinkQuery, 'is_active' | 'expired'>> = {
  all: {},
  active: { is_active: true, expired: false },
  inactive: { is_active: false },
  ended: { expired: true },
};

export function LinksPage({ client }: { client: HopClient }) {
  const [search, setSearch] = useState('');
  const [activity, setActivity] = useState<Activity>('all');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [tag, setTag] = useState('');
  const tags = useLoad(() => client.tags(), []);
  const settledSearch = useSettled(search.trim());
  const query: LinkQuery = {
    page,
    per_page: PER_PAGE,
    q: settledSearch || undefined,
    tag: tag || undefined,
    ...ACTIVITY_QUERY[activity],
  };
  const links = useLoad(() => client.links(query), [page, query.q, activity, tag]);
  const filter = (apply: () => void) => { apply(); setPage(1); };

  return (
    <>
      <h1 tabIndex={-1}>Links</h1>
      <button type="button" class="primary" aria-expanded={creating} aria-controls="new-link" onClick={() => setCreating(!creating)}>New link</button>
      {creating && (
        <section id="new-link" class="panel" aria-label="New link">
          <LinkForm submitLabel="Create link" onSubmit={async (body) => {
            const link = await client.createLink(body);
            navigate(`/app/links/${link.id}`);
          }} />
        </section>
      )}
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="link-search">Search</label>
          <input id="link-search" type="search" placeholder="code, target or title" value={search}
            onInput={(event) => filter(() => setSearch(event.currentTarget.value))} />
        </div>
        <div class="field">
          <label for="link-activity">Status</label>
          <select id="link-activity" value={activity} onChange={(event) => filter(() => setActivity(event.currentTarget.value as Activity))}>
            <option value="all">All</option>
            <option value="active">Active</option>
            <option value="inactive">Inactive</option>
            <option value="ended">Expired or used up</option>
          </select>
        </div>
        <div class="field">
          <label for="link-tag">Tag</label>
          <select id="link-tag" value={tag} onChange={(event) => filter(() => setTag(event.currentTarget.value))}>
            <option value="">Any</option>
            {tags.data?.map((entry) => <option key={entry.tag} value={entry.tag}>{entry.tag} ({entry.count})</option>)}
          </select>
        </div>
      </form>
      <ErrorNote error={links.error} />
      {links.data && (
        <div aria-busy={links.loading}>
          <LinkTable links={links.data.rows} />
          <Pager page={page} perPage={PER_PAGE} total={links.data.total} onPage={setPage} />
        </div>
      )}
      {!links.data && links.loading && <p>Loading…</p>}
    </>
  );
}
