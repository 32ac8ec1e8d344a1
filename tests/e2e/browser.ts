// What the end-to-end suites share: Debian's Chromium driven by playwright-core (no downloaded
// browser), the console built into a temp dir, axe-core checks and screenshots kept as CI artefacts.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildConsole } from '../../web/build.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Gitignored; CI keeps it as an artefact. */
export const SCREENSHOT_DIR = path.resolve(import.meta.dir, '../../test-output/screenshots');

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy refusals the page reported: a strict CSP must cost the console nothing. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile. A missing Chromium fails the suite; it never skips. */
export async function openBrowser(viewport = { width: 1280, height: 860 }): Promise<Browser> {
  if (!(await Bun.file(CHROMIUM).exists())) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'hop-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    timezoneId: 'UTC',
    // A person's browser, not "HeadlessChrome" (which hop rightly counts as a bot).
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    locale: 'en-GB',
  });
  // Within the suite's 60 s per test; wide, as the shared 2-core machine can take seconds to render
  // a page under load (Swagger UI took over 10 s at a load average of 20).
  context.setDefaultTimeout(25_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return {
    context,
    page,
    cspViolations,
    async close() {
      await context.close();
      await endProfileProcesses(profile);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Processes running with this profile: Chromium's helpers can outlive its main process briefly. */
function profileProcesses(profile: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(profile)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Waits for this browser's processes to end, then ends any that are still there (ours alone). */
async function endProfileProcesses(profile: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (profileProcesses(profile).length > 0 && Date.now() < deadline) await Bun.sleep(100);
  for (const pid of profileProcesses(profile)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The console built once per suite into a temp dir (hop serves it through CONSOLE_DIR). */
export async function builtConsole(): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'hop-e2e-console-'));
  const build = await buildConsole(path.join(root, 'dist'));
  return { dir: build.outDir, remove: () => rm(root, { recursive: true, force: true }) };
}

const axeSource = await Bun.file(path.resolve(import.meta.dir, '../../node_modules/axe-core/axe.min.js')).text();

export interface AxeProblem {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2 A and AA rules). */
export async function seriousA11yProblems(page: Page): Promise<AxeProblem[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (an injected
  // <script> would be refused, as it should be).
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(`window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`)) as AxeProblem[];
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A plain page to send links to: the browser really follows the redirect and lands here. */
export function startTarget() {
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (request) => new Response(`<!doctype html><title>landed</title><h1>landed on ${new URL(request.url).pathname}</h1>`, { headers: { 'content-type': 'text/html' } }),
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
