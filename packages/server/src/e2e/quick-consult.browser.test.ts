/**
 * The consultation report and quick consults (移动问诊) in the web app, in headless Chromium against a real server:
 * the report draws its charts and table and regroups by expert; a township doctor asks an expert, the expert answers
 * from the list of consults asked of them, the asker sees the answer arrive and converts the consult into a draft
 * consultation. Both pages fit a 375 px phone. Writes docs/screenshots/consultation-report.png and quick-consult.png.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCodeData } from '../codes/codes.js';
import { insertConsultation } from '../consultation/report-fixtures.testutil.js';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { makePractitioner, makeUser, makeWorld } from '../test/factories.js';
import { TEST_PASSWORD } from '../test/harness.js';
import { prepareBrowserTest, runBrowserTests, serveAndLaunch } from './chromium.js';

const screenshots = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
let handle: DbHandle, app: FastifyInstance, browser: Browser, base: string;
let w: Awaited<ReturnType<typeof makeWorld>>;
const spaced = (text: string) => new RegExp(`^\\s*${[...text].join('\\s*')}\\s*$`);
const DAY = 86_400_000, MIN = 60_000;

async function as(username: string, viewport = { width: 1366, height: 860 }): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const res = await ctx.request.post(`${base}/api/v1/auth/login`, { data: { username, password: TEST_PASSWORD } });
  expect(res.ok(), `login ${username}: ${res.status()}`).toBe(true);
  ctx.setDefaultTimeout(15_000);
  return ctx.newPage();
}
/** Picks an option of an antd Select after typing `q`; tries again when the click landed while the list re-rendered. */
async function pick(page: Page, fieldId: string, option: string, q: string) {
  const select = page.locator('.ant-select', { has: page.locator(`#${fieldId}`) });
  for (let attempt = 0; ; attempt++) {
    await select.click();
    await page.keyboard.type(q);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click();
    try { await expect.poll(() => select.innerText(), { timeout: 3_000 }).toContain(option); return; } catch (e) {
      if (attempt === 2) throw e;
      await page.keyboard.press('Escape');
    }
  }
}
const pageWidth = (page: Page) => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);

describe.runIf(runBrowserTests)('consultation report and quick consults in the browser', () => {
  beforeAll(async () => {
    prepareBrowserTest();
    handle = await openDatabase({ memory: true });
    await migrate(handle.db);
    await ensureCodeData(handle.db);
    w = await makeWorld(handle.db);
    const db = handle.db;
    await db.updateTable('user_account').set({ display_name: '张明' }).where('id', '=', w.users.doctor.id).execute();
    await db.updateTable('user_account').set({ display_name: '赵乡' }).where('id', '=', w.users.doctor_lower.id).execute();
    await db.insertInto('expert').values({ practitioner_id: w.doctorP.id, specialty: 'cardiology', services: ['consultation'], availability: '周二下午' }).execute();
    const li = await makePractitioner(db, w.upper.id, { name: '李红', title: 'chief_physician', specialty: 'radiology' });
    const liUser = await makeUser(db, 'li', [{ role: 'reading_physician', institutionId: w.upper.id }], { practitionerId: li.id });
    const zhang = { practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id, signed: true };
    const liExpert = { practitionerId: li.id, userId: liUser.id, institutionId: w.upper.id, signed: true };
    const common = { patientId: w.patient.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id, createdBy: w.users.doctor_lower.id };
    const now = Date.now();
    const plan: [string, string, number, number | undefined, number | undefined, number | undefined, (typeof zhang)[]][] = [
      // kind, status, days ago, received after, answered after (minutes), rating, experts
      ['routine', 'closed', 40, 30, 700, 5, [zhang]], ['routine', 'closed', 35, 30, 1500, 4, [zhang]], ['routine', 'closed', 20, 60, 3300, 3, [zhang]],
      ['urgent', 'closed', 25, 5, 28, 5, [zhang]], ['urgent', 'closed', 12, 5, 42, 4, [zhang]], ['mdt', 'closed', 15, 60, 2000, 5, [zhang, liExpert]],
      ['material', 'closed', 10, 30, 300, 5, [liExpert]], ['material', 'answered', 3, 30, 500, undefined, [liExpert]],
      ['routine', 'scheduled', 4, 30, undefined, undefined, []], ['routine', 'received', 1, 10, undefined, undefined, []],
      ['urgent', 'cancelled', 8, 5, undefined, undefined, []], ['routine', 'expired', 60, 20, undefined, undefined, []],
    ];
    for (const [kind, status, days, rec, ans, rating, experts] of plan)
      await insertConsultation(db, { ...common, kind: kind as never, status: status as never, at: new Date(now - days * DAY - 10 * MIN), receivedAfter: rec, answeredAfter: ans, ...(rating ? { rating } : {}), experts });
    ({ app, base, browser } = await serveAndLaunch(handle));
  }, 180_000);
  afterAll(async () => { await browser?.close(); await app?.close(); await handle?.close(); });

  it('shows the report with its charts and table, regroups it by expert, and fits a phone', async () => {
    const page = await as('consortium_admin');
    await page.goto(`${base}/consultations/report`);
    const table = page.locator('.ant-table');
    await table.getByText('普通会诊').waitFor();
    await table.getByText('合计').waitFor();
    await expect.poll(() => page.locator('canvas').count()).toBeGreaterThanOrEqual(3);
    await expect.poll(() => table.locator('tbody tr.ant-table-row').count()).toBe(5);
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: `${screenshots}consultation-report.png`, fullPage: true });
    await page.getByText('专家', { exact: true }).click();
    await table.getByText('张明（市人民医院）').waitFor();
    await page.getByText(/每例会诊计入每位接受邀请的专家/).waitFor();
    const phone = await as('consortium_admin', { width: 375, height: 800 });
    await phone.goto(`${base}/consultations/report`);
    await phone.getByText('急会诊').first().waitFor();
    expect(await pageWidth(phone)).toBeLessThanOrEqual(375);
    await phone.screenshot({ path: join(tmpdir(), 'yl-consultation-report-phone.png'), fullPage: true });
  });

  it('a doctor asks an expert, the expert answers, the asker sees it and converts it into a draft consultation', async () => {
    const asker = await as('doctor_lower');
    await asker.goto(`${base}/quick-consults`);
    await asker.getByRole('button', { name: /发起问诊/ }).click();
    const modal = asker.locator('.ant-modal');
    await pick(asker, 'expertPractitionerId', '张明', '张');
    await modal.locator('#subject').fill('心电图 ST 段压低如何处理');
    await modal.locator('#text').fill('患者胸闷 2 天，V4–V6 ST 段压低 0.1mV，肌钙蛋白阴性，是否需要上转？');
    await modal.getByRole('button', { name: spaced('发送') }).click();
    await expect.poll(() => asker.url(), { timeout: 15_000 }).toMatch(/\/quick-consults\/[0-9a-f-]{36}$/);
    await asker.getByText('肌钙蛋白阴性，是否需要上转').waitFor();
    await asker.locator('.ant-tag', { hasText: '待专家回复' }).first().waitFor();

    const expert = await as('doctor');
    await expert.goto(`${base}/quick-consults`);
    await expert.getByText('心电图 ST 段压低如何处理').first().click();
    await expert.getByRole('button', { name: /回复并标记已答复/ }).click();
    await expert.locator('.ant-modal textarea').fill('考虑不稳定型心绞痛可能，先予阿司匹林+他汀，尽快转我院心内科行冠脉 CTA。');
    await expert.locator('.ant-modal').getByRole('button', { name: spaced('确定') }).click();
    await expert.locator('.ant-tag', { hasText: '专家已回复' }).first().waitFor();
    await expert.getByText(/尽快转我院心内科/).first().waitFor();
    mkdirSync(screenshots, { recursive: true });
    await expert.screenshot({ path: `${screenshots}quick-consult.png` });

    // The asker's page follows live: the answer and the new state.
    await asker.getByText(/尽快转我院心内科/).first().waitFor();
    await asker.locator('.ant-tag', { hasText: '专家已回复' }).first().waitFor();
    // The workflow's line in the chat reads in the reader's language only.
    const line = asker.locator('.yl-chat-day', { hasText: '已答复' }).first();
    await line.waitFor();
    expect(await line.textContent()).not.toMatch(/answered/);
    await asker.getByRole('button', { name: /转会诊\/转诊/ }).click();
    const convert = asker.locator('.ant-modal', { hasText: '转为' });
    await pick(asker, 'patientId', '陈患者', '陈');
    await convert.getByRole('button', { name: spaced('确定') }).click();
    await asker.locator('.ant-tag', { hasText: '已转正式会诊/转诊' }).first().waitFor();
    const q = await handle.db.selectFrom('quick_consult').selectAll().executeTakeFirstOrThrow();
    expect(q).toMatchObject({ status: 'converted', converted_to_type: 'consultation' });
    const draft = await handle.db.selectFrom('consultation').select(['status', 'created_by', 'quick_consult_id']).where('id', '=', q.converted_to_id!).executeTakeFirstOrThrow();
    expect(draft).toEqual({ status: 'draft', created_by: w.users.doctor_lower.id, quick_consult_id: q.id });

    const phone = await as('doctor_lower', { width: 375, height: 740 });
    await phone.goto(`${base}/quick-consults`);
    await phone.getByRole('tab', { name: '我发起的' }).or(phone.getByText('我发起的')).first().click();
    await phone.getByText('心电图 ST 段压低如何处理').first().click();
    await phone.getByText(/尽快转我院心内科/).first().waitFor();
    expect(await pageWidth(phone)).toBeLessThanOrEqual(375);
    await phone.screenshot({ path: join(tmpdir(), 'yl-quick-consult-phone.png') });
  });
});
