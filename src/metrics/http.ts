// RED metrics per request: http_requests_total and http_request_duration_seconds by method, route
// template and status. Each (method, route, status) gets its cells on first sight; every later request
// finds them with three map lookups and allocates nothing.
import type { Registry } from 'prom-client';
import { CellCounter, CellHistogram, type CounterCell, type HistogramCell } from './series.ts';

/** From a sub-millisecond cached redirect to a request stuck behind a 10 s dependency timeout. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The route label of a request no route matched (404, 405): never the raw path, which is unbounded. */
export const UNMATCHED = 'unmatched';

type HttpLabel = 'method' | 'route' | 'status';

// Anything else a client invents is folded into one series so the label set stays bounded.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface RequestCells {
  total: CounterCell<HttpLabel>;
  duration: HistogramCell<HttpLabel>;
}

export class HttpMetrics {
  private readonly total: CellCounter<HttpLabel>;
  private readonly duration: CellHistogram<HttpLabel>;
  private readonly byRoute = new Map<string, Map<string, Map<number, RequestCells>>>();

  constructor(registry: Registry) {
    const labelNames = ['method', 'route', 'status'] as const;
    this.total = new CellCounter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route template and status.', labelNames, registry });
    this.duration = new CellHistogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to handing its response to the server, by method, route template and status.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registry,
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const cells = this.cellsFor(KNOWN_METHODS.has(method) ? method : 'OTHER', route, status);
    cells.total.value++;
    cells.duration.observe(seconds);
  }

  private cellsFor(method: string, route: string, status: number): RequestCells {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let cells = byStatus.get(status);
    if (!cells) {
      const labels = { method, route, status: String(status) };
      byStatus.set(status, (cells = { total: this.total.cell(labels), duration: this.duration.cell(labels) }));
    }
    return cells;
  }
}
