// Signing in to the console with API keys (AUTH_MODE=keys) in a real browser: the API decides what a
// key may do; a wrong key is refused in the API's words; a revoked key signs the console out.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { OPEN_ACTOR } from '../../src/auth/actor.ts';
import { KeyService } from '../../src/auth/service.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';
import { startHop, type RunningHop } from '../support/hop.ts';
import { builtConsole, openBrowser, screenshot, seriousA11yProblems, type Browser } from './browser.ts';

let database: TestDatabase;
let hop: RunningHop;
let browser: Browser;
let consoleBuild: Awaited<ReturnType<typeof builtConsole>>;
let adminKey: string;

beforeAll(async () => {
  consoleBuild = await builtConsole();
  database = await freshDatabase('e2e_auth');
  adminKey = (await new KeyService(database.db).create({ role: 'admin', name: 'e2e admin' }, OPEN_ACTOR)).key;
  hop = await startHop(database.db, { env: { CONSOLE_DIR: consoleBuild.dir, AUTH_MODE: 'keys' }, apiKey: adminKey });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await hop?.stop();
  await database?.drop();
  await consoleBuild?.remove();
});

async function signIn(key: string, remember: boolean) {
  const { page } = browser;
  await page.getByRole('heading', { level: 1, name: 'Sign in to hop' }).waitFor();
  await page.getByLabel('API key').fill(key);
  if (remember) await page.getByLabel('Remember me on this device').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const stored = () => browser.page.evaluate(() => ({ session: sessionStorage.getItem('hop.apiKey'), local: localStorage.getItem('hop.apiKey') }));

describe('signing in with API keys', () => {
  it('asks for a key, and shows the API\'s words for a wrong one', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app`);
    await page.getByRole('heading', { level: 1, name: 'Sign in to hop' }).waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    await signIn('hop_nothere_notasecret', false);
    expect(await page.getByRole('alert').textContent()).toContain('unknown or malformed API key');
    expect(await stored()).toEqual({ session: null, local: null });
  });

  it('signs an admin in and remembers the key on this device when asked', async () => {
    const { page } = browser;
    await signIn(adminKey, true);
    await page.getByRole('heading', { level: 1, name: 'Links' }).waitFor();
    expect(await stored()).toEqual({ session: null, local: adminKey });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Links' }).waitFor();
  });

  it('creates a user key shown once; that user sees only their own links', async () => {
    const { page } = browser;
    const ann = (await hop.json('/users', { username: 'ann', email: 'ann@example.com' })).body as { id: number };
    await hop.json('/urls', { original_url: 'https://example.com/admins', short_code: 'admins-link' });
    await page.goto(`${hop.url}/app/keys`);
    await page.getByLabel('Name').fill('ann laptop');
    await page.getByLabel('User id').fill(String(ann.id));
    await page.getByRole('button', { name: 'Create key' }).click();
    const userKey = (await page.getByTestId('new-key').textContent())!;
    expect(userKey).toStartWith('hop_');
    expect(await seriousA11yProblems(page)).toEqual([]);
    await screenshot(page, 'keys');

    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await stored()).toEqual({ session: null, local: null });
    await signIn(userKey, false);
    // Signed in again where they were; a user key lists its own user's keys.
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByRole('cell', { name: 'ann laptop this session' }).waitFor();
    expect(await page.getByRole('cell', { name: /^e2e admin/ }).count()).toBe(0);
    expect(await stored()).toEqual({ session: userKey, local: null });
    await page.getByRole('link', { name: 'Links', exact: true }).click();
    await page.getByRole('button', { name: 'New link' }).click();
    await page.getByLabel('Target URL').fill('https://example.com/anns');
    await page.getByLabel('Custom short code (optional)').fill('anns-link');
    await page.getByRole('button', { name: 'Create link' }).click();
    await page.getByRole('heading', { level: 1, name: '/anns-link' }).waitFor();
    await page.goto(`${hop.url}/app`);
    await page.getByRole('link', { name: '/anns-link' }).waitFor();
    expect(await page.getByRole('link', { name: '/admins-link' }).count()).toBe(0);
    // The users page shows what the API gives a user key (its own record) and its own refusals.
    await page.goto(`${hop.url}/app/users`);
    await page.getByRole('cell', { name: 'ann@example.com' }).waitFor();
    expect(await page.getByRole('row').count()).toBe(2);
    await page.getByLabel('Username', { exact: true }).fill('mallory');
    await page.getByLabel('Email', { exact: true }).fill('mallory@example.com');
    await page.getByRole('button', { name: 'Add user' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('this action needs an admin key');
  });

  it('revoking the key in use signs the console out, showing why', async () => {
    const { page } = browser;
    await page.goto(`${hop.url}/app/keys`);
    await page.getByRole('button', { name: 'Revoke ann laptop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to hop' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('this API key has been revoked');
    expect(await stored()).toEqual({ session: null, local: null });
    expect(browser.cspViolations).toEqual([]);
  });
});
