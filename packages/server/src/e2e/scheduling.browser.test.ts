/**
 * Booking in the web app, in headless Chromium against a real server on the demo consortium: a doctor books a free
 * slot through the calendar's dialog; a slot taken while the dialog is open answers 该号源已约满 and the grid shows it
 * booked; the patient's own appointments fit a 375 px phone. Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium):
 * under CI=true its absence fails the test.
 */
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBrowserTest, runBrowserTests, serveAndLaunch } from './chromium.js';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { DEMO_PASSWORD } from '../seed/accounts.js';
import { ensureDemoData } from '../seed/demo.js';


let handle: DbHandle, app: FastifyInstance, browser: Browser, base: string;

interface Slot { id: string; resourceId: string; startsAt: string; status: string }

async function signedIn(username: string, viewport = { width: 1366, height: 800 }, mobile = false): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const res = await ctx.request.post(`${base}/api/v1/auth/login`, { data: { username, password: DEMO_PASSWORD } });
  expect(res.ok()).toBe(true);
  return ctx;
}

async function json<T>(ctx: BrowserContext, path: string): Promise<T> {
  const res = await ctx.request.get(`${base}/api/v1/${path}`);
  expect(res.ok(), `${path}: ${res.status()}`).toBe(true);
  return (await res.json()) as T;
}

/** A public slot the doctor may book now, on the doctor's own clinic (the demo seeds one per expert). */
async function freeSlot(ctx: BrowserContext, skip: string[] = []): Promise<Slot> {
  const me = await json<{ practitionerId: string; role: { institutionId: string } }>(ctx, 'auth/me');
  const { items: resources } = await json<{ items: { id: string; practitionerId: string | null }[] }>(ctx, `scheduling/resources?institutionId=${me.role.institutionId}&kind=doctor`);
  const mine = resources.find((r) => r.practitionerId === me.practitionerId) ?? resources[0]!;
  const { items } = await json<{ items: (Slot & { pool: string })[] }>(ctx, `scheduling/slots?resourceId=${mine.id}&status=free&limit=200`);
  const slot = items.find((s) => s.pool === 'public' && !skip.includes(s.id));
  expect(slot, 'a free public slot in the demo').toBeTruthy();
  return slot!;
}

/** The calendar at the slot's day (China time), day view. */
const calendarAt = (s: Slot) =>
  `${base}/scheduling/calendar?resourceId=${s.resourceId}&view=day&date=${new Date(Date.parse(s.startsAt) + 8 * 3_600_000).toISOString().slice(0, 10)}`;

async function pickPatient(page: import('playwright-core').Page, q: string, name: string) {
  await page.locator('.ant-modal .ant-select').click();
  await page.keyboard.type(q);
  await page.locator('.ant-select-item-option', { hasText: name }).first().click();
}

describe.runIf(runBrowserTests)('booking in the browser', () => {
  beforeAll(async () => {
    prepareBrowserTest();
    handle = await openDatabase({ memory: true });
    await migrate(handle.db);
    await ensureDemoData(handle.db);
    ({ app, base, browser } = await serveAndLaunch(handle));
  }, 120_000);
  afterAll(async () => { await browser?.close(); await app?.close(); await handle?.close(); });

  it('books a free slot for a patient through the dialog, once, with an Idempotency-Key', async () => {
    const ctx = await signedIn('doctor');
    const slot = await freeSlot(ctx);
    const page = await ctx.newPage();
    const keys: string[] = [];
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/scheduling/appointments')) keys.push(r.headers()['idempotency-key'] ?? ''); });
    await page.goto(calendarAt(slot));
    await page.locator(`button[data-slot="${slot.id}"]`).click();
    await page.locator('.ant-modal').waitFor();
    await pickPatient(page, 'fjx', '费建新');
    await page.getByLabel('就诊原因').fill('复诊');
    await page.getByRole('button', { name: /确认预约/ }).click();
    await page.getByText(/预约成功/).first().waitFor();

    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    // The grid shows the place taken, and the server has exactly one live booking on it.
    await expect.poll(() => page.locator(`button[data-slot="${slot.id}"]`).getAttribute('class')).toContain('busy');
    const from = new Date(Date.parse(slot.startsAt) - 1000).toISOString(), to = new Date(Date.parse(slot.startsAt) + 1000).toISOString();
    const { items } = await json<{ items: { slotId: string; status: string; patientName: string; reason: string }[] }>(ctx,
      `scheduling/appointments?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=500`);
    const booked = items.filter((a) => a.slotId === slot.id && a.status === 'booked');
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ patientName: '费建新', reason: '复诊' });
    await ctx.close();
  });

  it('says the slot is fully booked when someone else took it while the dialog was open, and refreshes the grid', async () => {
    const ctx = await signedIn('doctor');
    const slot = await freeSlot(ctx);
    const page = await ctx.newPage();
    await page.goto(calendarAt(slot));
    await page.locator(`button[data-slot="${slot.id}"]`).click();
    await page.locator('.ant-modal').waitFor();
    await pickPatient(page, 'zhang', '张');

    // Meanwhile the medical-affairs office books the same place.
    const other = await signedIn('yiwuke');
    const { items } = await json<{ items: { id: string }[] }>(other, 'patients?q=fjx&limit=1');
    const taken = await other.request.post(`${base}/api/v1/scheduling/appointments`, { data: { slotId: slot.id, patientId: items[0]!.id } });
    expect(taken.status()).toBe(201);

    await page.getByRole('button', { name: /确认预约/ }).click();
    await page.getByText('该号源已约满').first().waitFor();
    await expect.poll(() => page.locator('.ant-modal').count()).toBe(0);
    await expect.poll(() => page.locator(`button[data-slot="${slot.id}"]`).getAttribute('class')).toContain('busy');
    await other.close();
    await ctx.close();
  });

  it("fits the patient's appointments and booking pages on a 375 px phone", async () => {
    const ctx = await signedIn('patient', { width: 375, height: 812 }, true);
    const page = await ctx.newPage();
    for (const path of ['/scheduling/mine', '/scheduling/book']) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle');
      await page.getByRole('heading', { name: '预约挂号' }).or(page.getByRole('heading', { name: '我的预约' })).first().waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(377);
    }
    await ctx.close();
  });
});
