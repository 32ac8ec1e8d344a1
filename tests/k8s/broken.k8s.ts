// Broken inputs must make the offline chart checks fail, each for its own reason: a values file
// the schema must refuse, a render the chart must refuse, and templates mutated (in a copy of the
// chart) into manifests that only the object validation can catch.

import { afterAll, describe, expect, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DIR, helm, lint, template } from './helm.ts';
import { parseRendered, validateRenders } from './validate.ts';

const FIXTURES = join(import.meta.dir, 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'hop-k8s-broken-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** lint and template with a fixture values file; both must fail, naming `reason`. */
function expectRefused(fixture: string, reason: RegExp): void {
  const values = join(FIXTURES, fixture);
  const linted = lint(CHART_DIR, values);
  expect(linted.code).not.toBe(0);
  expect(`${linted.stdout}${linted.stderr}`).toMatch(reason);
  const rendered = template(CHART_DIR, values);
  expect(rendered.code).not.toBe(0);
  expect(rendered.stderr).toMatch(reason);
}

/** A copy of the chart (symlinks resolved) with one template edited. */
function mutatedChart(name: string, file: string, from: string, to: string): string {
  const dir = join(work, name);
  cpSync(CHART_DIR, dir, { recursive: true, dereference: true });
  const path = join(dir, 'templates', file);
  const text = readFileSync(path, 'utf8');
  // The mutation must apply, or the test would pass on an unchanged chart.
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

async function problemsOf(chartDir: string, values = join(CHART_DIR, 'ci', 'default-values.yaml')): Promise<string[]> {
  const rendered = template(chartDir, values);
  expect(rendered.stderr.replace(/^level=INFO msg="found symbolic link.*$/gm, '').trim()).toBe('');
  return validateRenders([parseRendered(rendered.stdout)]);
}

describe('broken values are refused by the schema or the chart', () => {
  test('an unknown values key', () => expectRefused('unknown-values-key.yaml', /additional properties 'replicas' not allowed|replicas/));
  test('a values field of the wrong type', () => expectRefused('wrong-values-type.yaml', /drainSeconds.*(integer|type)/s));
  test('HPA and KEDA both enabled (by the schema, and by the chart itself when the schema is skipped)', () => {
    expectRefused('hpa-and-keda.yaml', /at '\/autoscaling\/keda\/enabled': value must be false/);
    const unchecked = helm(['template', 'hop', CHART_DIR, '-f', join(FIXTURES, 'hpa-and-keda.yaml'), '--skip-schema-validation']);
    expect(unchecked.code).not.toBe(0);
    expect(unchecked.stderr).toContain('enable either hpa or keda, not both');
  });
});

describe('broken manifests are caught by the object validation', () => {
  test('a PodDisruptionBudget that blocks every eviction', async () => {
    const problems = await validateRenders([parseRendered(template(CHART_DIR, join(FIXTURES, 'pdb-blocks-evictions.yaml')).stdout)]);
    expect(problems.join('\n')).toMatch(/PodDisruptionBudget\/hop allows no eviction with 2 replica\(s\)/);
  }, 240_000);

  test('a misspelled probe field', async () => {
    const chart = mutatedChart('probe-typo', 'deployment.yaml', 'periodSeconds: {{ .Values.probes.readinessPeriodSeconds }}', 'periodSecond: {{ .Values.probes.readinessPeriodSeconds }}');
    expect((await problemsOf(chart)).join('\n')).toMatch(/Deployment\/hop .*'"periodSecond"' does not exist in type 'IProbe'/);
  }, 240_000);

  test('a field of the wrong type', async () => {
    const chart = mutatedChart('wrong-type', 'deployment.yaml', 'automountServiceAccountToken: false', 'automountServiceAccountToken: "no"');
    const problems = (await problemsOf(chart)).join('\n');
    expect(problems).toMatch(/automountServiceAccountToken must be boolean/);
    expect(problems).toMatch(/Type 'string' is not assignable to type 'boolean/);
  }, 240_000);

  test('a misspelled field in a CloudNativePG Cluster (strict CRD schema)', async () => {
    const chart = mutatedChart('cnpg-typo', 'cnpg.yaml', 'primaryUpdateStrategy: unsupervised', 'primaryUpdateStrategy: unsupervised\n  enableSuperuserAcess: true');
    expect((await problemsOf(chart)).join('\n')).toMatch(/Cluster\/hop-db .*must NOT have additional properties 'enableSuperuserAcess'/);
  }, 240_000);

  test('a misspelled field in a CRD-backed object (HTTPRoute)', async () => {
    const chart = mutatedChart('route-typo', 'httproute.yaml', 'parentRefs:', 'parentRef:');
    expect((await problemsOf(chart)).join('\n')).toMatch(/HTTPRoute\/hop .*parentRef/);
  }, 240_000);

  test('the public route forwarding /metrics to hop', async () => {
    const chart = mutatedChart('route-open', 'httproute.yaml', 'replaceFullPath: /.not-public', 'replaceFullPath: /metrics');
    const edited = join(chart, 'templates', 'httproute.yaml');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace(/      filters:\n(?:        .*\n)+?      backendRefs:/, '      backendRefs:'));
    expect((await problemsOf(chart)).join('\n')).toMatch(/HTTPRoute\/hop forwards \/metrics to hop/);
  }, 240_000);

  test('a ServiceMonitor that loses the job label the rules match', async () => {
    const chart = mutatedChart('job-label', 'servicemonitor.yaml', 'replacement: hop', 'replacement: hop-web');
    expect((await problemsOf(chart)).join('\n')).toMatch(/does not set job="hop"/);
  }, 240_000);
});
