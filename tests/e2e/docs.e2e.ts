// The API reference in a real browser, offline: /docs/ renders every operation from hop's own
// files under hop's CSP, and the page asks nothing of any other origin.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { openBrowser, screenshot, type Browser } from './browser.ts';

let database: TestDatabase;
let hop: RunningHop;
let browser: Browser;

beforeAll(async () => {
  database = await freshDatabase('e2e_docs');
  hop = await startHop(database.db, { env: { AUTH_MODE: 'open' } });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await hop?.stop();
  await database?.drop();
});

describe('/docs in a browser', () => {
  it('renders every documented operation with nothing from outside hop (air-gapped)', async () => {
    const { context, page, cspViolations } = browser;
    const elsewhere: string[] = [];
    // Air-gapped: every request to another origin is refused and remembered.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(hop.url)) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const document = (await (await hop.request('/docs/json')).json()) as { paths: Record<string, object> };
    const operations = Object.values(document.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);

    for (const path of ['/docs', '/docs/']) {
      await page.goto(`${hop.url}${path}`);
      await page.locator('.opblock').first().waitFor();
      expect(await page.locator('.opblock').count()).toBe(operations);
      expect(await page.locator('.information-container .title').textContent()).toContain('hop');
    }
    await screenshot(page, 'docs');
    expect(cspViolations).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
