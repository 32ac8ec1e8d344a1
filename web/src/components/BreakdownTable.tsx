// One breakdown of a link's clicks (referrers, countries, browsers, OS, devices): the top values with
// their share, as a table with bars drawn by CSS (no canvas: readable as is).
export interface BreakdownRow {
  value: string;
  clicks: number;
}

interface Props {
  title: string;
  rows: BreakdownRow[];
}

export function BreakdownTable({ title, rows }: Props) {
  const total = rows.reduce((sum, row) => sum + row.clicks, 0);
  const id = `breakdown-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section class="breakdown" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {rows.length === 0 ? <p class="empty">No clicks in this range.</p> : (
        <table>
          <caption class="visually-hidden">{title}</caption>
          <thead><tr><th scope="col">{title}</th><th scope="col">Clicks</th><th scope="col">Share</th></tr></thead>
          <tbody>
            {rows.map((row) => {
              const share = total ? row.clicks / total : 0;
              return (
                <tr key={row.value}>
                  <td>{row.value}</td>
                  <td>{row.clicks.toLocaleString()}</td>
                  <td><meter min={0} max={1} value={share} aria-label={`${row.value} share`} /> {(share * 100).toFixed(0)} %</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
