// Dashboard checks for the stack drill: every panel query of a Grafana dashboard, with the
// template variables filled in, must return data from the drill's Prometheus.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SQL } from 'bun';
import { flattenPanels, isExporterMetric, metricNames, type Panel } from '../ops/metrics-contract.ts';
import { OPS } from './render.ts';
import { assert, note } from './report.ts';
import { databaseUrl, hex, promUrl, type Stack } from './stack.ts';
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

/** Grafana's PostgreSQL macros as the drill fills them: a range from a day ago to a day ahead. */
function substituteSqlMacros(sql: string): string {
  const day = 86_400_000;
  const from = `'${new Date(Date.now() - day).toISOString()}'`;
  const to = `'${new Date(Date.now() + day).toISOString()}'`;
  return sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, column: string) => `${column} BETWEEN ${from} AND ${to}`)
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to);
}

/** The numeric columns (outside time) that no row has a positive value in: none when the panel draws every series. */
function zeroColumns(rows: Record<string, unknown>[]): string[] {
  if (rows.length === 0) return ['(no rows)'];
  const numeric = Object.keys(rows[0]!).filter((column) => column !== 'time' && rows.every((row) => row[column] === null || !Number.isNaN(Number(row[column]))));
  return numeric.filter((column) => !rows.some((row) => Number(row[column]) > 0));
}

// A browser's user agent: isbot counts it as a human click (the drill's own requests count as bots).
const BROWSER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

/**
 * The SQL panels of a dashboard, run as a fresh SELECT-only role made by the very SQL of
 * ops/postgres/init/10-grafana-role.sh (roles are cluster-wide: a unique name, dropped after).
 */
export async function checkSqlDashboard(stack: Stack, file: string, redirectUrl: string): Promise<string> {
  // Human clicks next to the drill's automated traffic, so humans, bots and the share all show.
  for (let i = 0; i < 3; i++) assert((await request(redirectUrl, { headers: { 'user-agent': BROWSER_AGENT } })).status === 302, `GET ${redirectUrl} redirects`);
  const dashboard = JSON.parse(await readFile(join(OPS, 'grafana', 'dashboards', file), 'utf8'));
  const panels = flattenPanels(dashboard.panels as Panel[]).filter((p) => p.type !== 'row');
  const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ ref: `${p.title} / ${t.refId}`, sql: substituteSqlMacros(t.rawSql ?? '') })));
  assert(queries.length > 0 && queries.every((q) => q.sql.trim()), `${file}: every panel has rawSql`);
  const init = await readFile(join(OPS, 'postgres', 'init', '10-grafana-role.sh'), 'utf8');
  const roleSql = /<<'SQL'\n([\s\S]*?)\nSQL\n/.exec(init)?.[1];
  assert(roleSql, '10-grafana-role.sh holds its SQL in a <<\'SQL\' here-document');
  const role = `hop_grafana_${hex(6)}`;
  const password = hex(16);
  const admin = databaseUrl(stack);
  const created = Bun.spawnSync(['psql', '-v', 'ON_ERROR_STOP=1', '-v', `role=${role}`, '-v', `password=${password}`, admin], { stdin: Buffer.from(roleSql!) });
  assert(created.exitCode === 0, `creating ${role}: ${created.stderr.toString().trim()}`);
  const url = new URL(admin);
  url.username = role;
  url.password = password;
  const reader = new SQL(url.toString());
  try {
    const empty = new Map(queries.map((q) => [q.ref, q.sql]));
    const zeros = new Map<string, string[]>();
    const errors = new Map<string, string>();
    // The rollups fold queued clicks every ROLLUP_INTERVAL_MS (5 s by default): wait up to 30 s.
    const deadline = Date.now() + 30_000;
    while (empty.size > 0 && Date.now() < deadline) {
      for (const [ref, sql] of empty) {
        try {
          const missing = zeroColumns(await reader.unsafe(sql));
          if (missing.length === 0) empty.delete(ref);
          else zeros.set(ref, missing);
          errors.delete(ref);
        } catch (error) {
          errors.set(ref, (error as Error).message);
        }
      }
      if (empty.size > 0) await sleep(2_000);
    }
    const lines = [...empty].map(([ref, sql]) => `${ref}: ${errors.get(ref) ?? `nothing positive in ${zeros.get(ref)?.join(', ')}`}\n  ${sql}`);
    assert(empty.size === 0, `${empty.size} of ${queries.length} queries returned no clicks:\n${lines.join('\n')}`);
    // The session default is read-only; the grant itself must refuse writes in a read-write transaction.
    for (const write of ["INSERT INTO users (username, email) VALUES ('grafana', 'grafana@drill.example')", 'UPDATE link_clicks_daily SET clicks = clicks + 1']) {
      const refused = await reader
        .begin(async (tx) => {
          await tx.unsafe('SET TRANSACTION READ WRITE');
          await tx.unsafe(write);
        })
        .then(() => null, (error: Error) => error.message);
      assert(refused !== null && /permission denied/.test(refused), `${role} could write: ${write} (${refused ?? 'succeeded'})`);
    }
    return `${queries.length} SQL queries on ${panels.length} panels returned human and bot clicks as ${role}; INSERT/UPDATE refused (permission denied)`;
  } finally {
    await reader.close();
    const dropped = Bun.spawnSync(['psql', '-v', 'ON_ERROR_STOP=1', '-c', `DROP ROLE IF EXISTS "${role}"`, admin]);
    if (dropped.exitCode !== 0) note(`could not drop role ${role}: ${dropped.stderr.toString().trim()}`);
  }
}
