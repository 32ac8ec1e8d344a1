// JSON-line logs through pino, to stdout and (when given) the in-memory ring behind GET /logs.
// Secrets never reach a line: hop logs no headers or bodies, and the fields that could carry a
// token are redacted anyway.
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config.ts';
import type { LogRing } from './log-ring.ts';

export type { Logger };

const REDACTED = [
  'authorization',
  '*.authorization',
  '["x-chaos-token"]',
  '*["x-chaos-token"]',
  '["x-api-key"]',
  '*["x-api-key"]',
  'cookie',
  '*.cookie',
  'token',
  '*.token',
  'password',
  '*.password',
  'req.headers.authorization',
  'req.headers["x-chaos-token"]',
];

export function createLogger(level: LogLevel, destination?: DestinationStream, ring?: LogRing): Logger {
  const out = destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { service: 'hop' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    // The logger's level decides what is written; both streams take every line it writes.
    ring ? pino.multistream([{ level: 'trace', stream: out }, { level: 'trace', stream: ring }]) : out,
  );
}

interface Closable {
  end?: () => void;
  once?: (event: string, listener: () => void) => void;
  streams?: { stream: Closable }[];
}

/**
 * Resolves once every line logged so far has reached its destination (waiting at most `timeoutMs`),
 * and closes the destination: the last thing before the process exits, which would otherwise drop
 * what the asynchronous stdout writer still holds. stdout itself stays open.
 */
export async function closeLogs(logger: Logger, timeoutMs = 1_000): Promise<void> {
  const root = (logger as unknown as Record<symbol, Closable | undefined>)[pino.symbols.streamSym];
  const streams = root?.streams ? root.streams.map((entry) => entry.stream) : [root];
  const closed = Promise.all(
    streams.map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (typeof stream?.end !== 'function' || typeof stream.once !== 'function') return resolve();
          stream.once('close', resolve);
          stream.once('error', resolve);
          try {
            stream.end();
          } catch {
            resolve(); // already closed
          }
        }),
    ),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
