// The last lines this replica logged, kept in memory for GET /logs. It is fed by the same pino stream
// as stdout, so /logs shows exactly what was written, redactions included. Lines are stored as the
// JSON text pino produced and parsed only when someone asks.
import pino from 'pino';
import type { LogLevel } from '../config.ts';

export interface LogQuery {
  /** At most this many lines, the newest ones. */
  limit: number;
  /** Only lines at this level or above. */
  level?: Exclude<LogLevel, 'silent'>;
  /** Only lines containing this text (case-insensitive). */
  filter?: string;
}

export type LogLine = Record<string, unknown>;

export class LogRing {
  private readonly lines: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.lines = new Array(capacity);
  }

  /** The pino destination interface: one JSON line per call. */
  write(line: string): void {
    if (this.capacity === 0) return;
    this.lines[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Matching lines, oldest first, at most `limit` of the newest. */
  query({ limit, level, filter }: LogQuery): LogLine[] {
    const minimum = level ? pino.levels.values[level]! : 0;
    const needle = filter?.toLowerCase();
    const found: LogLine[] = [];
    for (let i = 1; i <= this.capacity && found.length < limit; i++) {
      const raw = this.lines[(this.next - i + this.capacity) % this.capacity];
      if (raw === undefined) break;
      if (needle && !raw.toLowerCase().includes(needle)) continue;
      const line = JSON.parse(raw) as LogLine;
      if (minimum && (pino.levels.values[String(line.level)] ?? 0) < minimum) continue;
      found.push(line);
    }
    return found.reverse();
  }
}
