// What the click recorder reports, turned into metrics and log lines.
import type { Logger } from 'pino';
import type { ClickObserver } from '../events/click-recorder.ts';
import type { Metrics } from './metrics.ts';

/** At most one warning per window and kind; the metrics count every occurrence. */
export const CLICK_WARN_WINDOW_MS = 10_000;

/**
 * A warning that may fire on every redirect (a full buffer) or every flush (Postgres down) must not
 * flood the log, nor cost the hot path a log line per request: the first one is written at once,
 * later ones within the window are summed into one line when it closes.
 */
function throttledWarning(logger: Logger, msg: string, windowMs: number) {
  let windowEnds = 0;
  let held: { count: number; rows: number; last: string | undefined } | null = null;
  const writeHeld = () => {
    if (held) logger.warn({ occurrences: held.count, rows: held.rows, err: held.last, window_ms: windowMs }, msg);
    held = null;
  };
  return (rows: number, err?: string) => {
    const now = Date.now();
    if (now >= windowEnds) {
      windowEnds = now + windowMs;
      logger.warn({ occurrences: 1, rows, err }, msg);
      return;
    }
    if (!held) {
      held = { count: 0, rows: 0, last: undefined };
      setTimeout(writeHeld, windowEnds - now).unref?.();
    }
    held.count++;
    held.rows += rows;
    held.last = err;
  };
}

export function clickObserver(metrics: Metrics | null, logger: Logger, windowMs = CLICK_WARN_WINDOW_MS): ClickObserver {
  const droppedWarning = throttledWarning(logger, 'clicks dropped (buffer full, or a batch Postgres rejected)', windowMs);
  const failedWarning = throttledWarning(logger, 'click flush failed', windowMs);
  return {
    flushed(rows, seconds) {
      metrics?.clicksWritten(rows, seconds);
    },
    dropped(rows) {
      metrics?.clicksLost(rows);
      droppedWarning(rows);
    },
    failed(error) {
      failedWarning(0, error instanceof Error ? error.message : String(error));
    },
  };
}
