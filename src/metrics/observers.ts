// What the click recorder reports, turned into metrics and log lines.
import type { Logger } from 'pino';
import type { ClickObserver } from '../events/click-recorder.ts';
import type { MaintenanceObserver } from '../stats/maintenance.ts';
import type { FoldObserver } from '../stats/rollup-folder.ts';
import type { Metrics } from './metrics.ts';

/** At most one warning per window and kind; the metrics count every occurrence. */
export const CLICK_WARN_WINDOW_MS = 10_000;

interface Held {
  occurrences: number;
  rows: number;
  err: string | undefined;
}

/**
 * A warning that may fire on every redirect (a full buffer) or every flush (Postgres down) must not
 * flood the log, nor cost the hot path a log line per request. The first occurrence is written at
 * once and opens a window; later ones are summed and written as one line when the window closes,
 * which opens the next window. So a steady stream gives one line per window. `close` writes what is
 * held (on shutdown), so the last window's count is not lost.
 */
function throttledWarning(logger: Logger, msg: string, windowMs: number, withRows: boolean) {
  let windowOpen = false;
  let held: Held | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const write = (entry: Held) =>
    logger.warn({ occurrences: entry.occurrences, ...(withRows ? { rows: entry.rows } : {}), err: entry.err, window_ms: windowMs }, msg);
  const openWindow = () => {
    windowOpen = true;
    timer = setTimeout(closeWindow, windowMs);
    timer.unref?.();
  };
  const closeWindow = () => {
    timer = null;
    windowOpen = false;
    if (!held) return;
    write(held);
    held = null;
    openWindow();
  };
  return {
    warn(rows: number, err?: string) {
      if (!windowOpen) {
        write({ occurrences: 1, rows, err });
        openWindow();
        return;
      }
      held ??= { occurrences: 0, rows: 0, err: undefined };
      held.occurrences++;
      held.rows += rows;
      held.err = err;
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (held) write(held);
      held = null;
      windowOpen = false;
    },
  };
}

export function clickObserver(metrics: Metrics | null, logger: Logger, windowMs = CLICK_WARN_WINDOW_MS): Required<ClickObserver> {
  const dropped = throttledWarning(logger, 'clicks dropped (buffer full, or a batch Postgres rejected)', windowMs, true);
  const failed = throttledWarning(logger, 'click flush failed', windowMs, false);
  return {
    flushed(rows, seconds) {
      metrics?.clicksWritten(rows, seconds);
    },
    dropped(rows) {
      metrics?.clicksLost(rows);
      dropped.warn(rows);
    },
    failed(error) {
      // `err` of a summary line is the latest cause in its window.
      failed.warn(0, error instanceof Error ? error.message : String(error));
    },
    close() {
      dropped.close();
      failed.close();
    },
  };
}

/** Storage upkeep: a line when it changed something, a warning when it failed (it runs hourly). */
export function maintenanceObserver(metrics: Metrics | null, logger: Logger): MaintenanceObserver {
  const month = (at: Date) => at.toISOString().slice(0, 7);
  return {
    finished(report) {
      metrics?.maintained(report);
      if (report.created.length || report.droppedMonths.length || report.droppedRows) {
        logger.info({ created: report.created.map(month), dropped: report.droppedMonths.map(month), dropped_rows: report.droppedRows, months_ahead: report.monthsAhead }, 'click partitions maintained');
      }
    },
    failed(error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'click partition maintenance failed; retried next round');
    },
  };
}

/** Rollup folding: metrics every round, a throttled warning when a fold fails (it retries each interval). */
export function foldObserver(metrics: Metrics | null, logger: Logger, windowMs = CLICK_WARN_WINDOW_MS): FoldObserver {
  const failed = throttledWarning(logger, 'rollup fold failed; stored clicks wait for the next round', windowMs, false);
  return {
    folded(report) {
      metrics?.rollupsFolded(report);
    },
    failed(error) {
      failed.warn(0, error instanceof Error ? error.message : String(error));
    },
  };
}
