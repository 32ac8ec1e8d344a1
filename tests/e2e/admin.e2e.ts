// The console's admin pages in a real browser: users (add, delete after a confirmation) and banned
// hosts (ban: existing links to it are banned with it; unban).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { builtConsole, openBrowser, screenshot, seriousA11yProblems, type Browser } from './browser.ts';

let database: TestDatabase;
let hop: RunningHop;
let browser: Browser;
let consoleBuild: Awaited<ReturnType<typeof builtConsole>>;

beforeAll(async () => {
  consoleBuild = await builtConsole();
  database = await freshDatabase('e2e_admin');
  hop = await startHop(database.db, { env: { CONSOLE_DIR: consoleBuild.dir, AUTH_MODE: 'open' } });
  browser = await openBrowser({ width: 390, height: 844 }); // a phone-sized screen
});
afterAll(async () => {
  await browser?.close();
  await hop?.stop();
  await database?.drop();
  await consoleBuild?.remove();
});

describe('admin pages on a phone-sized screen', () => {
  it('adds a user, refuses a duplicate in the API\'s words, and deletes one after a confirmation', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app/users`);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    // The first Tab from the top reaches "Skip to content", which lands on the main content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(page.url()).toEndWith('#main');
    await page.getByLabel('Username', { exact: true }).fill('ada');
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').getByText('User ada added.').waitFor();
    await page.getByRole('cell', { name: 'ada@example.com' }).waitFor();

    await page.getByLabel('Username', { exact: true }).fill('ada');
    await page.getByLabel('Email', { exact: true }).fill('other@example.com');
    await page.getByRole('button', { name: 'Add user' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('username already exists');
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'users-phone');

    // By keyboard: the confirmation opens on Enter, Escape cancels it, Enter on its button confirms.
    await page.getByRole('button', { name: 'Delete ada' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete ada' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete user' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('User ada deleted.').waitFor();
    expect((await hop.json('/users')).body).toEqual([]);
  });

  it('bans a host with its existing links, shows the ban on the link, and unbans it', async () => {
    const { page } = browser;
    const link = (await hop.json('/urls', { original_url: 'https://phish.example/login', short_code: 'bait' })).body as { id: number };
    await page.goto(`${hop.url}/app/banned-hosts`);
    await page.getByRole('heading', { level: 1, name: 'Banned hosts' }).waitFor();
    await page.getByLabel('Host', { exact: true }).fill('phish.example');
    await page.getByLabel('Reason', { exact: false }).fill('phishing report #12');
    await page.getByRole('button', { name: 'Ban host' }).click();
    await page.getByRole('status').getByText('phish.example banned; 1 existing link banned with it.').waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'banned-hosts-phone');
    expect((await hop.request('/bait')).status).toBe(410);

    await page.goto(`${hop.url}/app/links/${link.id}`);
    await page.getByText('banned', { exact: true }).first().waitFor();
    await page.getByTestId('total-clicks').waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'link-phone');

    await page.goto(`${hop.url}/app/banned-hosts`);
    await page.getByRole('button', { name: 'Unban phish.example' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unban' }).click();
    await page.getByRole('status').getByText('phish.example unbanned.').waitFor();
    expect((await hop.json('/banned-hosts')).body).toEqual([]);
    expect(browser.cspViolations).toEqual([]);
  });
});
