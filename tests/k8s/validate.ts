// Validates what `helm template` renders, object by object, with no cluster:
//   - every object has a typed model (kubernetes-models and its prometheus-operator, gateway-api
//     and keda packages); the model's own validator checks required fields, types and formats;
//   - the same objects are compiled as object literals against the models' TypeScript interfaces,
//     so a misspelled field anywhere is an excess-property error (the models' validators let
//     unknown fields through, as the API server would silently drop them);
//   - CloudNativePG objects are checked against the CRDs in ../shared/k8s-crds, made strict
//     (unknown fields rejected wherever the CRD does not say it preserves them);
//   - hop's own rules for the chart (policies below) hold across the objects of one render.

import Ajv, { type ValidateFunction } from 'ajv';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './helm.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Rendered {
  /** The template it came from (helm's "# Source:" comment). */
  source: string;
  object: K8sObject;
}

export const describe = (r: Rendered) => `${r.object.kind}/${r.object.metadata?.name} (${r.source})`;

export function parseRendered(stream: string): Rendered[] {
  const rendered: Rendered[] = [];
  for (const doc of parseAllDocuments(stream)) {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as K8sObject | null;
    if (!object) continue;
    const source = /# Source: (\S+)/.exec(doc.commentBefore ?? '')?.[1] ?? /# Source: (\S+)/.exec(doc.toString())?.[1] ?? 'unknown template';
    rendered.push({ source, object });
  }
  return rendered;
}

// ---- typed models ----------------------------------------------------------------------------

const CRD_PACKAGES: Record<string, string> = {
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};
const CNPG_GROUP = 'postgresql.cnpg.io';

/** The module holding the model of an apiVersion/kind, or null when none is known. */
export function modelModule(apiVersion: string, kind: string): string | null {
  if (!/^[A-Z][A-Za-z]+$/.test(kind)) return null;
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  if (group === CNPG_GROUP) return null;
  const pkg = CRD_PACKAGES[group] ?? (group.includes('.') && !group.endsWith('.k8s.io') ? null : 'kubernetes-models');
  return pkg ? `${pkg}/${apiVersion}/${kind}` : null;
}

type ModelClass = new (data: unknown) => { validate(): void };

async function runtimeValidate(r: Rendered): Promise<string[]> {
  const module = modelModule(r.object.apiVersion, r.object.kind);
  if (!module) return [`${describe(r)}: no typed model for ${r.object.apiVersion} ${r.object.kind}`];
  let Model: ModelClass | undefined;
  try {
    Model = (await import(module))[r.object.kind] as ModelClass | undefined;
  } catch {
    Model = undefined;
  }
  if (!Model) return [`${describe(r)}: no typed model for ${r.object.apiVersion} ${r.object.kind}`];
  try {
    new Model(r.object).validate();
    return [];
  } catch (error) {
    return [`${describe(r)}: ${(error as Error).message}`];
  }
}

/**
 * Compiles every object as a literal typed with its model's interface (CNPG objects: only their
 * metadata is typed; the CRD check covers the rest). Excess-property and type errors come back
 * as problems naming the object.
 */
function typeCheck(renders: Rendered[]): string[] {
  const dir = join(REPO_ROOT, '.cache', 'k8s-typecheck', `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  try {
    const imports: string[] = [`import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';`];
    const lines: string[] = [];
    const owners = new Map<number, Rendered>();
    renders.forEach((r, i) => {
      const module = modelModule(r.object.apiVersion, r.object.kind);
      let type: string;
      if (module) {
        imports.push(`import type { I${r.object.kind} as T${i} } from '${module}';`);
        type = `T${i}`;
      } else {
        type = '{ apiVersion: string; kind: string; metadata: IObjectMeta; spec?: unknown }';
      }
      lines.push(`export const object${i}: ${type} = ${JSON.stringify(r.object)};`);
    });
    const header = imports.length;
    lines.forEach((_, i) => owners.set(header + i + 1, renders[i]!));
    writeFileSync(join(dir, 'objects.ts'), [...imports, ...lines].join('\n') + '\n');
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, module: 'ESNext', moduleResolution: 'bundler', target: 'ESNext', types: [] },
      files: ['objects.ts'],
    }));
    const tsc = Bun.spawnSync([join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { stdout: 'pipe', stderr: 'pipe' });
    const out = `${tsc.stdout.toString()}${tsc.stderr.toString()}`;
    if (tsc.exitCode === 0) return [];
    const problems: string[] = [];
    for (const line of out.split('\n')) {
      const m = /objects\.ts\((\d+),\d+\): error (TS\d+: .*)/.exec(line);
      if (m) {
        const owner = owners.get(Number(m[1]));
        problems.push(`${owner ? describe(owner) : `line ${m[1]}`}: ${m[2]}`);
      }
    }
    return problems.length > 0 ? problems : [`tsc failed: ${out.trim().slice(0, 2_000)}`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- CloudNativePG against its CRDs, strictly ------------------------------------------------

export const CRD_DIR = join(REPO_ROOT, '..', 'shared', 'k8s-crds');

type Schema = Record<string, unknown>;

/** Unknown fields rejected wherever the CRD lists properties and does not preserve unknown ones. */
export function strictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) out[key] = key === 'enum' || key === 'default' || key === 'example' ? value : strictSchema(value);
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

let cnpgValidators: Map<string, ValidateFunction> | null = null;

function cnpgValidator(kind: string): ValidateFunction | undefined {
  if (!cnpgValidators) {
    cnpgValidators = new Map();
    // The CRDs use OpenAPI formats and x-kubernetes-* keywords that JSON Schema does not know.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    for (const file of ['postgresql.cnpg.io_clusters.yaml', 'postgresql.cnpg.io_poolers.yaml', 'postgresql.cnpg.io_scheduledbackups.yaml']) {
      const crd = parseYaml(readFileSync(join(CRD_DIR, file), 'utf8')) as { spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
      const v1 = crd.spec.versions.find((v) => v.name === 'v1')!;
      const schema = strictSchema(v1.schema.openAPIV3Schema) as Schema;
      // metadata is typed by the TypeScript check (ObjectMeta); the CRD leaves it open.
      cnpgValidators.set(crd.spec.names.kind, ajv.compile(schema));
    }
  }
  return cnpgValidators.get(kind);
}

function cnpgValidate(r: Rendered): string[] {
  if (r.object.apiVersion !== `${CNPG_GROUP}/v1`) return [`${describe(r)}: unknown CloudNativePG version ${r.object.apiVersion}`];
  const validate = cnpgValidator(r.object.kind);
  if (!validate) return [`${describe(r)}: no CloudNativePG CRD for ${r.object.kind} in ${CRD_DIR}`];
  if (validate(r.object)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
    return `${describe(r)}: ${e.instancePath || '/'} ${e.message}${extra}`;
  });
}

// ---- hop's rules for the chart -----------------------------------------------------------------

type Obj = Record<string, any>;
const find = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as Obj[];
const OPS_PATHS = ['/metrics', '/metrics/x', '/logs', '/logs?limit=5', '/chaos', '/chaos/kill'];

/** How many hop replicas there are at least: the autoscaler's floor, else the Deployment's count. */
function replicaFloor(objects: K8sObject[], deploymentName: string): number {
  const hpa = find(objects, 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === deploymentName);
  if (hpa) return hpa.spec.minReplicas ?? 1;
  const keda = find(objects, 'ScaledObject').find((s) => s.spec.scaleTargetRef.name === deploymentName);
  if (keda) return keda.spec.minReplicaCount ?? 0;
  return find(objects, 'Deployment').find((d) => d.metadata.name === deploymentName)?.spec.replicas ?? 1;
}

function allowedEvictions(value: number | string | undefined, replicas: number, kind: 'max' | 'min'): number {
  if (value === undefined) return kind === 'max' ? replicas : replicas;
  const n = typeof value === 'string' && value.endsWith('%')
    ? kind === 'max' ? Math.floor((replicas * Number(value.slice(0, -1))) / 100) : Math.ceil((replicas * Number(value.slice(0, -1))) / 100)
    : Number(value);
  return kind === 'max' ? n : replicas - n;
}

/** Gateway API precedence for path matches: the longest matching prefix wins. */
function routedRule(route: Obj, url: string): Obj | null {
  const path = url.split('?')[0]!;
  let best: { rule: Obj; length: number } | null = null;
  for (const rule of route.spec.rules ?? []) {
    for (const match of rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }]) {
      const { type = 'PathPrefix', value = '/' } = match.path ?? {};
      const hit = type === 'Exact' ? path === value : value === '/' || path === value || path.startsWith(`${value.replace(/\/$/, '')}/`);
      if (hit && (!best || value.length > best.length)) best = { rule, length: value.length };
    }
  }
  return best?.rule ?? null;
}

function hopContainer(deployment: Obj): Obj | undefined {
  return deployment.spec.template.spec.containers.find((c: Obj) => c.name === 'hop');
}

export function checkPolicies(renders: Rendered[]): string[] {
  const objects = renders.map((r) => r.object);
  const problems: string[] = [];
  const app = find(objects, 'Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'app');
  if (!app) return ['no hop Deployment was rendered'];

  // Exactly one owner of the replica count.
  const hpas = find(objects, 'HorizontalPodAutoscaler');
  const scaled = find(objects, 'ScaledObject');
  if (hpas.length > 0 && scaled.length > 0) problems.push('both an HPA and a KEDA ScaledObject scale hop: they would fight over the replica count');
  if ((hpas.length > 0 || scaled.length > 0) && app.spec.replicas !== undefined) problems.push('Deployment sets replicas while an autoscaler owns them (every upgrade would reset the count)');

  // A PodDisruptionBudget must let a node drain evict at least one pod.
  const floor = replicaFloor(objects, app.metadata.name);
  for (const pdb of find(objects, 'PodDisruptionBudget')) {
    const evictable = pdb.spec.maxUnavailable !== undefined
      ? allowedEvictions(pdb.spec.maxUnavailable, floor, 'max')
      : allowedEvictions(pdb.spec.minAvailable, floor, 'min');
    if (evictable < 1) problems.push(`PodDisruptionBudget/${pdb.metadata.name} allows no eviction with ${floor} replica(s): every node drain would block`);
  }

  // Probes, shutdown and the security context of the hop container.
  const hop = hopContainer(app);
  const pod = app.spec.template.spec;
  if (!hop) problems.push('the hop Deployment has no container named hop');
  else {
    if (hop.livenessProbe?.httpGet?.path !== '/health') problems.push('liveness must probe /health (no dependency calls)');
    if (hop.readinessProbe?.httpGet?.path !== '/ready') problems.push('readiness must probe /ready');
    if (!hop.startupProbe?.httpGet) problems.push('no startup probe: migrations run before hop listens');
    const sc = hop.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true || sc.allowPrivilegeEscalation !== false || !(sc.capabilities?.drop ?? []).includes('ALL')) problems.push('hop container: read-only root, no privilege escalation and all capabilities dropped are required');
    if (pod.securityContext?.runAsNonRoot !== true) problems.push('hop pod must run as non-root');
    if (!hop.resources?.requests?.cpu || !hop.resources?.requests?.memory || !hop.resources?.limits?.memory) problems.push('hop container: cpu/memory requests and a memory limit are required');
    const preStop = hop.lifecycle?.preStop?.sleep?.seconds ?? 0;
    if (!(pod.terminationGracePeriodSeconds > preStop)) problems.push(`terminationGracePeriodSeconds (${pod.terminationGracePeriodSeconds}) must exceed the preStop sleep (${preStop}) by hop's drain time`);
    for (const env of hop.env ?? []) {
      if (/URL|TOKEN|KEY|PASSWORD/.test(env.name) && env.value !== undefined && !/\$\([A-Z_]+\)/.test(env.value)) problems.push(`env ${env.name} is a literal: secrets come only from a Secret reference`);
    }
  }
  if (!app.spec.template.metadata.annotations?.['checksum/config']) problems.push('no checksum/config annotation: a config change would not roll the pods');
  const keys = (pod.topologySpreadConstraints ?? []).map((t: Obj) => t.topologyKey);
  for (const key of ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']) if (!keys.includes(key)) problems.push(`no topology spread over ${key}`);
  if (objects.some((o) => o.kind === 'Secret')) problems.push('the chart renders a Secret: secrets are referenced (existingSecret), never rendered');

  // The public route never forwards the operations endpoints as they are.
  for (const route of find(objects, 'HTTPRoute')) {
    for (const url of OPS_PATHS) {
      const rule = routedRule(route, url);
      const rewritten = (rule?.filters ?? []).some((f: Obj) => f.type === 'URLRewrite' && f.urlRewrite?.path?.type === 'ReplaceFullPath');
      if (rule && (rule.backendRefs ?? []).length > 0 && !rewritten) problems.push(`HTTPRoute/${route.metadata.name} forwards ${url} to hop`);
    }
  }
  for (const ingress of find(objects, 'Ingress')) {
    const services = new Map(find(objects, 'Service').map((s) => [s.metadata.name, s]));
    for (const rule of ingress.spec.rules ?? []) {
      for (const url of OPS_PATHS) {
        const path = url.split('?')[0]!;
        const hits = (rule.http?.paths ?? []).filter((p: Obj) => p.path === '/' || path === p.path || path.startsWith(`${p.path}/`));
        const best = hits.sort((a: Obj, b: Obj) => b.path.length - a.path.length)[0];
        const service = best && services.get(best.backend.service.name);
        if (service?.spec.selector) problems.push(`Ingress/${ingress.metadata.name} forwards ${url} to pods (${service.metadata.name})`);
      }
    }
  }

  // hop's alert rules and dashboards match job="hop": the ServiceMonitor must produce it.
  for (const sm of find(objects, 'ServiceMonitor')) {
    for (const endpoint of sm.spec.endpoints ?? []) {
      const setsJob = (endpoint.relabelings ?? []).some((r: Obj) => r.targetLabel === 'job' && r.replacement === 'hop' && (r.action ?? 'replace') === 'replace' && !r.sourceLabels);
      if (!setsJob) problems.push(`ServiceMonitor/${sm.metadata.name}: an endpoint does not set job="hop" (the rules would match nothing)`);
    }
  }
  return problems;
}

/** Every check over one or more renders; an empty list means valid. */
export async function validateRenders(renders: Rendered[][]): Promise<string[]> {
  const all = renders.flat();
  const problems: string[] = [];
  for (const r of all) {
    if (!r.object?.apiVersion || !r.object.kind || !r.object.metadata?.name) {
      problems.push(`${r.source}: an object without apiVersion, kind or metadata.name`);
      continue;
    }
    problems.push(...(r.object.apiVersion.startsWith(`${CNPG_GROUP}/`) ? cnpgValidate(r) : await runtimeValidate(r)));
  }
  problems.push(...typeCheck(all));
  for (const render of renders) problems.push(...checkPolicies(render));
  return problems;
}
