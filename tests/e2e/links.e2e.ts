// The console in a real browser against a real hop: create a link, follow it, edit, deactivate
// (the redirect then 404s), find it in the list, delete it; every page passes axe-core.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { readFile } from 'node:fs/promises';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { builtConsole, openBrowser, screenshot, seriousA11yProblems, startTarget, type Browser } from './browser.ts';

let database: TestDatabase;
let hop: RunningHop;
let browser: Browser;
let consoleBuild: Awaited<ReturnType<typeof builtConsole>>;
let target: ReturnType<typeof startTarget>;

beforeAll(async () => {
  consoleBuild = await builtConsole();
  target = startTarget();
  database = await freshDatabase('e2e_links');
  hop = await startHop(database.db, { env: { CONSOLE_DIR: consoleBuild.dir, AUTH_MODE: 'open' } });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await hop?.stop();
  await database?.drop();
  target?.stop();
  await consoleBuild?.remove();
});

/** Fills the console's "New link" form with `fields` (label → value) and submits it. */
async function createThroughForm(fields: Record<string, string>, open = true) {
  const { page } = browser;
  if (open) await page.getByRole('button', { name: 'New link' }).click();
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Create link' }).click();
}

describe('links in the console', () => {
  it('creates a link with a custom code and shows it', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/`);
    await page.waitForURL(`${hop.url}/app`);
    await page.getByRole('heading', { level: 1, name: 'Links' }).waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);

    await createThroughForm({ 'Target URL': `${target.url}/landing`, 'Title (optional)': 'Spring launch', 'Custom short code (optional)': 'spring-launch' });
    await page.getByRole('heading', { level: 1, name: '/spring-launch' }).waitFor();
    expect(await page.getByTestId('short-url').textContent()).toBe(`${hop.url}/spring-launch`);
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'link');
  });

  it('copies the short URL to the clipboard', async () => {
    const { page, context } = browser;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hop.url });
    await page.getByRole('button', { name: 'Copy the short URL' }).click();
    await page.getByRole('button', { name: 'Copy the short URL' }).getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(`${hop.url}/spring-launch`);
  });

  it('downloads the link\'s QR code, which a reader decodes to the short URL', async () => {
    const { page } = browser;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'QR code (PNG)' }).click()]);
    expect(download.suggestedFilename()).toBe('hop-spring-launch.png');
    const image = PNG.sync.read(await readFile((await download.path())!));
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(`${hop.config.baseUrl}/spring-launch`);
  });

  it('shows the API\'s own words when a create is refused', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app`);
    await createThroughForm({ 'Target URL': `${target.url}/other`, 'Custom short code (optional)': 'spring-launch' });
    await expect(page.getByRole('alert').textContent()).resolves.toContain('short_code already taken');
  });

  it('follows the short link in the browser to its target, and the click shows in the link\'s chart', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/spring-launch`);
    expect(page.url()).toBe(`${target.url}/landing`);
    expect(await page.getByRole('heading').textContent()).toBe('landed on /landing');

    // Stats lag a click by the buffer flush plus one rollup fold: look again until it is counted.
    await page.goto(`${hop.url}/app`);
    await page.getByRole('link', { name: '/spring-launch' }).click();
    const total = page.getByTestId('total-clicks');
    const deadline = Date.now() + 20_000;
    while ((await total.textContent()) !== '1' && Date.now() < deadline) {
      await Bun.sleep(500);
      await page.reload();
      await total.waitFor();
    }
    expect(await total.textContent()).toBe('1');
    // A custom range in another zone: today's local day in Tokyo holds the click too.
    await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
    await page.getByLabel('Period').selectOption('custom');
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From').fill(today);
    await page.getByLabel('To (inclusive)').fill(tomorrow);
    await page.getByRole('img', { name: /Clicks over time: 1 clicks in/ }).waitFor();
    await page.getByLabel('Period').selectOption('7d');
    await page.getByLabel('Time zone').selectOption('UTC');
    // The bot toggle: this click was a person's, so bots alone count none.
    await page.getByLabel('Bots').selectOption('only');
    await page.getByRole('img', { name: /Clicks over time: 0 clicks/ }).waitFor();
    await page.getByLabel('Bots').selectOption('exclude');
    const chart = page.getByRole('img', { name: /Clicks over time: 1 clicks/ });
    await chart.locator('canvas').waitFor();
    await page.getByText('Show the numbers').click();
    expect(await page.getByRole('figure').getByRole('cell', { name: '1', exact: true }).count()).toBe(1);
    await page.getByRole('region', { name: 'Referrers' }).getByRole('cell', { name: '(direct)' }).waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'link-stats');

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('table').getByRole('link', { name: '/spring-launch' }).waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'overview');
  });

  it('edits the link, and the redirect follows the edit', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app`);
    await page.getByRole('link', { name: '/spring-launch' }).click();
    await page.getByRole('heading', { level: 1, name: '/spring-launch' }).waitFor();
    const edit = page.getByRole('region', { name: 'Edit' });
    await edit.getByLabel('Target URL').fill(`${target.url}/edited`);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await page.goto(`${hop.url}/spring-launch`);
    expect(page.url()).toBe(`${target.url}/edited`);
  });

  it('deactivates the link: the short URL then answers 404', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app`);
    await page.getByRole('link', { name: '/spring-launch' }).click();
    await page.getByRole('button', { name: 'Deactivate' }).click();
    // exact: "Deactivate" contains "activate", and the PUT must have been answered before we visit.
    await page.getByRole('button', { name: 'Activate', exact: true }).waitFor();
    const response = await page.goto(`${hop.url}/spring-launch`);
    expect(response?.status()).toBe(404);
    expect(await response?.json()).toEqual({ error: 'short link is inactive' });
  });

  it('searches and filters the list by status', async () => {
    const { page } = browser;
    await hop.json('/urls', { original_url: `${target.url}/still-on`, short_code: 'still-on' });
    await page.goto(`${hop.url}/app`);
    await page.getByRole('link', { name: '/still-on' }).waitFor();
    await page.getByLabel('Search').fill('LAUNCH');
    await page.getByRole('link', { name: '/still-on' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('link', { name: '/spring-launch' }).count()).toBe(1);
    await page.getByLabel('Search').fill('');
    await page.getByRole('link', { name: '/still-on' }).waitFor();
    await page.getByLabel('Status').selectOption('inactive');
    await page.getByRole('link', { name: '/still-on' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('link', { name: '/spring-launch' }).count()).toBe(1);
    await screenshot(page, 'links');
  });

  it('creates a link with tags and a click limit; used up, it answers 404 and lists as ended', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app`);
    await createThroughForm({ 'Target URL': `${target.url}/once`, 'Custom short code (optional)': 'one-shot', 'Tags (optional)': 'Promo, spring', 'Click limit': '1' });
    await page.getByRole('heading', { level: 1, name: '/one-shot' }).waitFor();
    expect(await page.getByText('0 of 1').count()).toBe(1);

    expect((await page.goto(`${hop.url}/one-shot`))?.url()).toBe(`${target.url}/once`);
    const spent = await page.goto(`${hop.url}/one-shot`);
    expect(spent?.status()).toBe(404);

    await page.goto(`${hop.url}/app`);
    await page.getByLabel('Status').selectOption('ended');
    await page.getByRole('link', { name: '/still-on' }).waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /one-shot/ }).getByText('used up', { exact: true }).waitFor();
    expect(await page.getByRole('link', { name: '/one-shot' }).count()).toBe(1);
    await page.getByLabel('Status').selectOption('all');
    await page.getByLabel('Tag').selectOption('promo');
    await page.getByRole('link', { name: '/still-on' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('link', { name: '/one-shot' }).count()).toBe(1);
    expect(await seriousA11yProblems(page)).toEqual([]);
  });

  it('deletes the link after a confirmation', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app`);
    await page.getByRole('link', { name: '/spring-launch' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await dialog.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete link' }).click();
    await page.getByRole('heading', { level: 1, name: 'Links' }).waitFor();
    expect((await hop.json('/urls?is_active=false')).body).toEqual([]);
    expect(browser.cspViolations).toEqual([]);
  });
});
