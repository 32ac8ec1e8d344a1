// A link's clicks: totals and a time series for the chosen range, and where they came from.
import { useState } from 'preact/hooks';
import type { HopClient } from '../api/client.ts';
import { DIMENSIONS } from '../api/stats.ts';
import { useLoad } from '../hooks.ts';
import { BreakdownTable } from './BreakdownTable.tsx';
import { ClicksChart } from './ClicksChart.tsx';
import { ErrorNote } from './ErrorNote.tsx';
import { defaultRange, RangePicker } from './RangePicker.tsx';
import { TotalsList } from './TotalsList.tsx';

export function LinkStats({ client, id }: { client: HopClient; id: number }) {
  const [range, setRange] = useState(defaultRange);
  const key = JSON.stringify(range);
  const stats = useLoad(() => client.linkStats(id, range), [id, key]);
  const breakdowns = useLoad(
    () => Promise.all(DIMENSIONS.map(async (dimension) => ({ ...dimension, rows: await client.linkBreakdown(id, dimension.value, range) }))),
    [id, key],
  );
  return (
    <section aria-labelledby="clicks-heading">
      <h2 id="clicks-heading">Clicks</h2>
      <RangePicker range={range} onChange={setRange} />
      <ErrorNote error={stats.error ?? breakdowns.error} />
      {stats.data && (
        <>
          <TotalsList totals={stats.data.totals} bots={range.bots} />
          <ClicksChart series={stats.data.series} timeZone={range.tz} label="Clicks over time" />
        </>
      )}
      {breakdowns.data && (
        <div class="breakdowns">
          {breakdowns.data.map((breakdown) => <BreakdownTable key={breakdown.value} title={breakdown.label} rows={breakdown.rows} />)}
        </div>
      )}
    </section>
  );
}
