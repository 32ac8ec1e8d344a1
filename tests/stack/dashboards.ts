// Dashboard checks for the stack drill: every panel query of a Grafana dashboard, with the
// template variables filled in, must return data from the drill's Prometheus.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flattenPanels, isExporterMetric, metricNames, type Panel } from '../ops/metrics-contract.ts';
import { OPS } from './render.ts';
import { note } from './report.ts';
import { promUrl, type Stack } from './stack.ts';
import { request } from './traffic.ts';

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

interface PromResult {
  resultType: string;
  result: unknown;
}

export async function promQuery(stack: Stack, expr: string): Promise<PromResult> {
  const res = await request(`${promUrl(stack)}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = res.json as { status?: string; error?: string; data?: PromResult };
  if (body?.status !== 'success' || !body.data) throw new Error(body?.error ?? `HTTP ${res.status}`);
  return body.data;
}

/** True when the query has at least one sample that is a number (Grafana draws nothing for NaN). */
function hasData(r: PromResult): boolean {
  const finite = (v: string) => !Number.isNaN(Number(v));
  if (r.resultType === 'scalar') return finite((r.result as [number, string])[1]);
  if (r.resultType === 'vector') return (r.result as { value: [number, string] }[]).some((s) => finite(s.value[1]));
  if (r.resultType === 'matrix') return (r.result as unknown[]).length > 0;
  return false;
}

/** Grafana variables as the drill substitutes them: all replicas, all routes, a 30s rate window. */
function substituteVariables(expr: string): string {
  const values: Record<string, string> = { __rate_interval: '30s', __interval: '15s', __range: '1h', instance: '.*', route: '.*' };
  return expr.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => values[name] ?? '.*');
}

export async function checkDashboard(stack: Stack, file: string, exporterPanelsMaySkip: boolean): Promise<string> {
  const dashboard = JSON.parse(await readFile(join(OPS, 'grafana', 'dashboards', file), 'utf8'));
  const panels = flattenPanels(dashboard.panels as Panel[]).filter((p) => p.type !== 'row');
  const pending = new Map<string, string>(); // "panel / refId" -> expr
  let skipped = 0;
  for (const panel of panels) {
    const exprs = (panel.targets ?? []).map((t) => ({ ref: `${panel.title} / ${t.refId}`, expr: t.expr ?? '' }));
    const exporterOnly = exprs.every(({ expr }) => [...metricNames(expr)].every(isExporterMetric));
    if (exporterOnly && exporterPanelsMaySkip) {
      note(`skipped "${panel.title}": exporter metrics only (no exporters in the native drill)`);
      skipped++;
      continue;
    }
    for (const { ref, expr } of exprs) pending.set(ref, substituteVariables(expr));
  }
  const total = pending.size;
  const errors = new Map<string, string>();
  // Rates need a few scrapes; give every query up to 30 seconds to return data.
  const deadline = Date.now() + 30_000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const [ref, expr] of pending) {
      try {
        if (hasData(await promQuery(stack, expr))) {
          pending.delete(ref);
          errors.delete(ref);
        }
      } catch (error) {
        errors.set(ref, (error as Error).message);
      }
    }
    if (pending.size > 0) await sleep(2_000);
  }
  if (pending.size > 0) {
    const lines = [...pending].map(([ref, expr]) => `no data: ${ref}${errors.has(ref) ? ` (${errors.get(ref)})` : ''}\n  ${expr}`);
    throw new Error(`${pending.size} of ${total} queries returned no data:\n${lines.join('\n')}`);
  }
  return `${total} queries on ${panels.length - skipped} panels${skipped ? `, ${skipped} exporter-only panels skipped` : ''}`;
}
