// Clicks over time, drawn by uPlot, in the chosen time zone. The canvas is not readable by a screen
// reader, so the same numbers are one click away as a table.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ClickSeries {
  /** Bucket starts, as epoch seconds. */
  times: number[];
  clicks: number[];
  /** Bot clicks, when the range counts them apart. */
  automated?: number[];
}

interface Props {
  series: ClickSeries;
  /** IANA zone the axis labels are shown in. */
  timeZone: string;
  label: string;
}

const HEIGHT = 260;

export function ClicksChart({ series, timeZone, label }: Props) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const lines: uPlot.Series[] = [{}, { label: 'Clicks', stroke: '#0a4fb5', fill: 'rgba(10, 79, 181, 0.12)', width: 2 }];
    const data: uPlot.AlignedData = [series.times, series.clicks];
    if (series.automated) {
      lines.push({ label: 'Bots', stroke: '#8a5a00', width: 1.5, dash: [6, 4] });
      data.push(series.automated);
    }
    const plot = new uPlot({
      width: Math.max(280, element.clientWidth),
      height: HEIGHT,
      series: lines,
      scales: { x: { time: true } },
      axes: [{}, { label: 'clicks', size: 50 }],
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), timeZone),
    }, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, timeZone]);

  const total = series.clicks.reduce((sum, value) => sum + value, 0);
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  return (
    <figure class="chart">
      <div ref={box} class="chart-canvas" role="img" aria-label={`${label}: ${total.toLocaleString()} clicks in ${series.times.length} buckets`} />
      <figcaption class="visually-hidden">{label}</figcaption>
      <details>
        <summary>Show the numbers</summary>
        <table>
          <caption class="visually-hidden">{label}</caption>
          <thead><tr><th scope="col">From ({timeZone})</th><th scope="col">Clicks</th>{series.automated && <th scope="col">Bots</th>}</tr></thead>
          <tbody>
            {series.times.map((time, index) => (
              <tr key={time}><td>{when.format(new Date(time * 1000))}</td><td>{series.clicks[index]}</td>{series.automated && <td>{series.automated[index]}</td>}</tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
