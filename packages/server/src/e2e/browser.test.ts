/**
 * The web app in headless Chromium against a real server on the demo consortium: sign in, the workbench shell,
 * patient search with masked identifiers, the detail page, the English switch, and the phone-width layout.
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium): under CI=true its absence fails the test.
 */
import type { FastifyInstance } from 'fastify';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBrowserTest, runBrowserTests, serveAndLaunch } from './chromium.js';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { DEMO_PASSWORD } from '../seed/accounts.js';
import { ensureDemoData } from '../seed/demo.js';


let handle: DbHandle, app: FastifyInstance, browser: Browser, base: string;

describe.runIf(runBrowserTests)('web app in a browser', () => {
  beforeAll(async () => {
    prepareBrowserTest();
    handle = await openDatabase({ memory: true });
    await migrate(handle.db);
    await ensureDemoData(handle.db);
    ({ app, base, browser } = await serveAndLaunch(handle));
  });
  afterAll(async () => { await browser?.close(); await app?.close(); await handle?.close(); });

  it('signs a doctor in, searches a patient by pinyin initials and opens the record', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    await page.goto(`${base}/login`);
    await expect.poll(() => page.getByText('zhuanzhen').count()).toBeGreaterThan(0);
    await page.getByLabel('用户名').fill('doctor');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await expect.poll(() => page.getByText('陆志远').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('湖州市人民医院').count()).toBeGreaterThan(0);

    await page.goto(`${base}/patients?q=fjx`);
    const row = page.getByText('费建新').first();
    await row.waitFor();
    const listText = await page.locator('body').innerText();
    expect(listText).toMatch(/\d{3}\*{11}[\dX]{4}/); // masked resident IDs in the list
    expect(listText).not.toMatch(/\b\d{17}[\dX]\b/);
    await row.click();
    await page.waitForURL(/\/patients\/[0-9a-f-]{36}/);
    await expect.poll(async () => /\b33052119580416\d{3}[\dX]\b/.test(await page.locator('body').innerText())).toBe(true);
    await page.close();
  });

  it('switches the interface to English', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await expect.poll(() => page.getByLabel('Username').count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
    await page.close();
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('用户名').fill('xiangyi');
    await page.getByLabel('密码').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    for (const path of ['/', '/patients?q=zhang', '/directory/institutions']) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(392);
    }
    await context.close();
  });
});
