// What the click recorder reports, turned into metrics and log lines.
import type { Logger } from 'pino';
import type { ClickObserver } from '../events/click-recorder.ts';
import type { Metrics } from './metrics.ts';

export function clickObserver(metrics: Metrics | null, logger: Logger): ClickObserver {
  return {
    flushed(rows, seconds) {
      metrics?.clicksWritten(rows, seconds);
    },
    dropped(rows) {
      metrics?.clicksLost(rows);
      logger.warn({ rows }, 'clicks dropped (buffer full, or a batch Postgres rejected)');
    },
    failed(error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'click flush failed');
    },
  };
}
