// Every link's clicks together: totals, clicks over time and the most clicked links.
import { useState } from 'preact/hooks';
import type { HopClient } from '../api/client.ts';
import { ClicksChart } from '../components/ClicksChart.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { defaultRange, RangePicker } from '../components/RangePicker.tsx';
import { TotalsList } from '../components/TotalsList.tsx';
import { useLoad } from '../hooks.ts';
import { RouteLink } from '../router.tsx';

export function OverviewPage({ client }: { client: HopClient }) {
  const [range, setRange] = useState(defaultRange);
  const key = JSON.stringify(range);
  const stats = useLoad(() => client.overview(range), [key]);
  const top = useLoad(() => client.topLinks(range), [key]);
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <RangePicker range={range} onChange={setRange} />
      <ErrorNote error={stats.error ?? top.error} />
      {stats.data && (
        <>
          <TotalsList totals={stats.data.totals} bots={range.bots} />
          <ClicksChart series={stats.data.series} timeZone={range.tz} label="Clicks on all links over time" />
        </>
      )}
      <h2>Top links</h2>
      {top.data && (top.data.length === 0 ? <p class="empty">No clicks in this range.</p> : (
        <table class="links">
          <caption class="visually-hidden">Top links</caption>
          <thead><tr><th scope="col">Link</th><th scope="col">Target</th><th scope="col">Clicks</th></tr></thead>
          <tbody>
            {top.data.map((row) => (
              <tr key={row.url_id}>
                <td data-label="Link"><RouteLink href={`/app/links/${row.url_id}`}>/{row.short_code}</RouteLink>{row.title && <div class="muted">{row.title}</div>}</td>
                <td data-label="Target" class="target"><span title={row.original_url}>{row.original_url}</span></td>
                <td data-label="Clicks">{row.clicks.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}
