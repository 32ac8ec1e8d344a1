// Which clicks a stats view counts: a preset period or a custom from/to, the time zone buckets are
// cut in, and whether bots are left out, counted in, or shown alone.
import type { StatsRange } from '../api/types.ts';

export const PERIODS = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: '1y', label: 'Last year' },
  { value: 'all', label: 'All time' },
  { value: 'custom', label: 'Custom range' },
] as const;

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const ZONES = [...new Set(['UTC', browserZone, ...(Intl.supportedValuesOf?.('timeZone') ?? [])])];

export function defaultRange(): StatsRange {
  return { period: '7d', tz: browserZone, bots: 'exclude' };
}

export function RangePicker({ range, onChange }: { range: StatsRange; onChange(range: StatsRange): void }) {
  const set = (patch: Partial<StatsRange>) => onChange({ ...range, ...patch });
  return (
    <form class="filters range" aria-label="Range" onSubmit={(event) => event.preventDefault()}>
      <div class="field">
        <label for="range-period">Period</label>
        <select id="range-period" value={range.period} onChange={(event) => set({ period: event.currentTarget.value as StatsRange['period'] })}>
          {PERIODS.map((period) => <option key={period.value} value={period.value}>{period.label}</option>)}
        </select>
      </div>
      {range.period === 'custom' && (
        <>
          <div class="field"><label for="range-from">From</label><input id="range-from" type="date" value={range.from ?? ''} onChange={(event) => set({ from: event.currentTarget.value })} /></div>
          <div class="field"><label for="range-to">To (inclusive)</label><input id="range-to" type="date" value={range.to ?? ''} onChange={(event) => set({ to: event.currentTarget.value })} /></div>
        </>
      )}
      <div class="field">
        <label for="range-tz">Time zone</label>
        <select id="range-tz" value={range.tz} onChange={(event) => set({ tz: event.currentTarget.value })}>
          {ZONES.map((zone) => <option key={zone} value={zone}>{zone}</option>)}
        </select>
      </div>
      <div class="field">
        <label for="range-bots">Bots</label>
        <select id="range-bots" value={range.bots} onChange={(event) => set({ bots: event.currentTarget.value as StatsRange['bots'] })}>
          <option value="exclude">Left out</option>
          <option value="include">Counted in</option>
          <option value="only">Only bots</option>
        </select>
      </div>
    </form>
  );
}
