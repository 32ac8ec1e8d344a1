// The headline numbers of a stats range.
import type { Totals } from '../api/stats.ts';

export function TotalsList({ totals, bots }: { totals: Totals; bots: string }) {
  return (
    <ul class="totals" aria-label="Totals">
      <li><span class="muted">Clicks</span><strong data-testid="total-clicks">{totals.clicks.toLocaleString()}</strong></li>
      <li><span class="muted">Visitors</span><strong>{totals.visitors.toLocaleString()}</strong></li>
      {bots !== 'exclude' && <li><span class="muted">Bot clicks</span><strong>{totals.botClicks.toLocaleString()}</strong></li>}
      <li><span class="muted">Last click</span><strong>{totals.lastClickAt ? new Date(totals.lastClickAt).toLocaleString() : '—'}</strong></li>
    </ul>
  );
}
