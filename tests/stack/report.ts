// Step reporting for the stack drill: each check prints one line (✔ or ✘ with the reason) with
// the seconds since start, and the drill ends with "N passed, N failed".

import type { LoadStats } from './traffic.ts';

const results: { name: string; ok: boolean }[] = [];
const t0 = Date.now();
const clock = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s`;

export const note = (message: string) => console.log(`${clock()}      · ${message}`);
export const section = (title: string) => console.log(`\n${clock()}  ── ${title}`);

/** Runs one checked step; a thrown error fails it. Returns whether it passed. */
export async function step(name: string, check: () => Promise<string | void>): Promise<boolean> {
  try {
    const detail = await check();
    results.push({ name, ok: true });
    console.log(`${clock()}  ✔ ${name}${detail ? ` — ${detail}` : ''}`);
    return true;
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`${clock()}  ✘ ${name}\n${clock()}      ${(error as Error).message.replaceAll('\n', `\n${clock()}      `)}`);
    return false;
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export const anyFailed = () => results.some((r) => !r.ok);

export function summary(): { passed: number; failed: number } {
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed };
}

export const describeStats = (s: LoadStats) =>
  `${s.total} requests, ${s.failed} failed [${Object.entries(s.byStatus).map(([k, v]) => `${k}×${v}`).join(' ')}]`;
