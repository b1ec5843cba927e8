/**
 * Remote consultation in the web app, in headless Chromium against a real server, each step as the user whose step it
 * is: the township doctor writes the request with the patient's consent signed on the screen's signature pad and
 * submits it → the department head agrees → the medical office approves → the centre asks for supplements → the doctor
 * resubmits from the edit page → the centre accepts and invites an expert from the expert pool at a time →
 * the expert accepts, writes the opinion and signs it with the password → the centre forwards it → the applicant
 * confirms with a rating and prints the A4 report. The database is checked at the end. Needs Chromium
 * (CHROMIUM_PATH, default /usr/bin/chromium): under CI=true its absence fails the test.
 */
import { CONSULTATION_ACTIONS, CONSULTATION_STATE_LABELS, type ConsultationState } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBrowserTest, runBrowserTests, serveAndLaunch } from './chromium.js';
import { ensureCodeData } from '../codes/codes.js';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { makeEncounter } from '../record/fixtures.js';
import { makeUser, makeWorld } from '../test/factories.js';
import { TEST_PASSWORD } from '../test/harness.js';

let handle: DbHandle, app: FastifyInstance, browser: Browser, base: string;
let w: Awaited<ReturnType<typeof makeWorld>>;

/** antd spaces out a two-character Chinese button label (退 回). */
const spaced = (text: string) => new RegExp(`^\\s*${[...text].join('\\s*')}\\s*$`);

async function as(username: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const res = await ctx.request.post(`${base}/api/v1/auth/login`, { data: { username, password: TEST_PASSWORD } });
  expect(res.ok(), `login ${username}: ${res.status()}`).toBe(true);
  ctx.setDefaultTimeout(10_000);
  return ctx.newPage();
}

/** The state tag in the detail page's header. */
async function expectState(page: Page, s: ConsultationState) {
  const header = page.locator('.yl-page-title');
  await expect.poll(() => header.locator('.ant-tag', { hasText: CONSULTATION_STATE_LABELS[s].zh }).count(), { message: `state ${s}`, timeout: 10_000 }).toBeGreaterThan(0);
}

/** On the detail page: the caller's action button, the dialog's fields, its OK button; waits for the new state. */
async function act(page: Page, id: string, button: string, to: ConsultationState, fill?: (modal: Locator) => Promise<void>) {
  if (!page.url().endsWith(`/consultations/${id}`)) await page.goto(`${base}/consultations/${id}`);
  await page.getByRole('button', { name: spaced(button) }).first().click();
  const modal = page.locator('.ant-modal');
  await modal.waitFor();
  if (fill) await fill(modal);
  if (await page.locator('.ant-picker-dropdown:visible, .ant-select-dropdown:visible').count()) await modal.locator('.ant-modal-title').click();
  await modal.locator('.ant-modal-footer').getByRole('button', { name: spaced(button) }).click();
  try { await expect.poll(() => modal.count(), { timeout: 10_000 }).toBe(0); } catch (e) {
    throw new Error(`${button}: the dialog stayed open — ${await modal.innerText().catch(() => '')}`, { cause: e });
  }
  await expectState(page, to);
}

/** A stroke across the signature pad, as a finger or pen would draw it. */
async function sign(page: Page) {
  const pad = page.getByTestId('signature-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + 30, box.y + 60);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 30 + i * 12, box.y + 60 + Math.round(Math.sin(i / 2) * 30));
  await page.mouse.up();
  await page.getByText('✓ 已签名').waitFor();
}

describe.runIf(runBrowserTests)('remote consultation in the browser', () => {
  beforeAll(async () => {
    prepareBrowserTest();
    handle = await openDatabase({ memory: true });
    await migrate(handle.db);
    await ensureCodeData(handle.db);
    const db = handle.db;
    w = await makeWorld(db);
    await makeUser(db, 'dept_head_lower', [{ role: 'dept_head', institutionId: w.lower.id }]);
    // 张明 of the city hospital is in the expert pool; the patient was seen at the township hospital.
    await db.insertInto('expert').values({ practitioner_id: w.doctorP.id, specialty: 'cardiology', services: ['consultation'] }).execute();
    await makeEncounter(db, w.patient.id, w.lower.id);
    ({ app, base, browser } = await serveAndLaunch(handle));
  }, 120_000);
  afterAll(async () => { await browser?.close(); await app?.close(); await handle?.close(); });

  it('walks a request from the township doctor through consent, both approvals, supplements, the expert pool, a signed opinion and the rating', async () => {
    // The township doctor writes the request for the patient of the link, has the consent signed on screen, submits.
    const applicant = await as('doctor_lower');
    await applicant.goto(`${base}/consultations/new?patientId=${w.patient.id}`);
    await expect.poll(() => applicant.locator('.ant-form-item', { has: applicant.locator('#patientId') }).innerText(), { timeout: 10_000 }).toContain('陈患者');
    // The signer defaults to the patient (本人).
    await expect.poll(() => applicant.locator('#signerName').inputValue(), { timeout: 10_000 }).toBe('陈患者');
    await applicant.locator('#purpose').fill('明确胸痛原因，评估冠脉介入指征');
    await applicant.locator('#summary').fill('反复胸闷胸痛3月，活动后加重；心电图ST段压低。');
    await sign(applicant);
    await applicant.locator('.yl-form-actions').getByRole('button', { name: '提交申请' }).click();
    await applicant.waitForURL(/\/consultations\/[0-9a-f-]{36}$/);
    const id = applicant.url().split('/').pop()!;
    await expectState(applicant, 'submitted');

    const head = await as('dept_head_lower');
    await act(head, id, '科主任同意', 'dept_approved');
    const office = await as('institution_admin_lower');
    await act(office, id, '医务科审批通过', 'received');

    // The centre asks for two supplements (a list that grows in the dialog).
    const centre = await as('consult_coordinator');
    await act(centre, id, '要求补充资料', 'supplementing', async (m) => {
      await m.getByPlaceholder('例如 近 3 天心电图').first().fill('近3天心电图');
      await m.getByRole('button', { name: '添加一项' }).click();
      await m.getByPlaceholder('例如 近 3 天心电图').nth(1).fill('心肌酶谱');
    });

    // The applicant sees what is missing on the edit page and resubmits from there.
    await applicant.goto(`${base}/consultations/${id}/edit`);
    await applicant.getByText('心肌酶谱').first().waitFor();
    await applicant.locator('#summary').fill('反复胸闷胸痛3月，活动后加重；心电图ST段压低。补充：肌钙蛋白阴性。');
    await applicant.locator('.yl-form-actions').getByRole('button', { name: '提交申请' }).click();
    await applicant.waitForURL(new RegExp(`/consultations/${id}$`));
    await expectState(applicant, 'received');

    // The centre accepts, then picks 张明 from the expert pool and proposes a time an hour from now.
    await act(centre, id, '预审通过', 'accepted');
    const at = new Date(Date.now() + 3_600_000).toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 16);
    await act(centre, id, '邀请专家并拟定时间', 'inviting', async (m) => {
      await m.locator('.ant-table-row', { hasText: '张明' }).locator('.ant-checkbox-input').check();
      await m.locator('#scheduledAt').click();
      await centre.keyboard.type(at);
      await centre.keyboard.press('Enter');
    });

    // The expert accepts, writes the opinion and signs it with the password.
    const expert = await as('doctor');
    await act(expert, id, '接受邀请', 'scheduled');
    await expert.locator('#findings').fill('考虑不稳定型心绞痛');
    await expert.locator('#recommendations').fill('双联抗血小板，尽快行冠脉造影');
    await expert.getByRole('button', { name: /签\s*名/ }).first().click();
    const pw = expert.locator('.ant-modal', { hasText: '电子签名确认' });
    await pw.locator('#password').fill(TEST_PASSWORD);
    await pw.locator('.ant-modal-footer').getByRole('button', { name: spaced('签名') }).click();
    await expert.getByText('签名摘要').first().waitFor();

    // The centre forwards; the applicant confirms with five stars and prints the report.
    await centre.reload();
    await act(centre, id, '转发会诊意见', 'answered');
    await applicant.reload();
    await applicant.getByText('考虑不稳定型心绞痛').first().waitFor();
    // The dialog may still be sliding in: click the fifth star until five stars show as chosen.
    await act(applicant, id, '确认收到并评价', 'closed', async (m) => {
      await expect.poll(async () => {
        await m.locator('.ant-rate-star').nth(4).click();
        return m.locator('.ant-rate-star-full').count();
      }, { timeout: 10_000 }).toBe(5);
    });
    await applicant.goto(`${base}/consultations/${id}/print`);
    const report = applicant.locator('.yl-report');
    await report.getByText('远程会诊报告单').waitFor();
    await report.getByText('双联抗血小板，尽快行冠脉造影').waitFor();
    expect(await report.innerText()).toContain('★★★★★');

    // The database: the walk, the drawn consent, the signed opinion, the rating.
    const db = handle.db;
    const c = await db.selectFrom('consultation').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ status: 'closed', rating: 5, from_institution_id: w.lower.id, centre_institution_id: w.upper.id });
    expect(c.summary).toContain('肌钙蛋白阴性');
    const events = (await db.selectFrom('consultation_event').select('action').where('consultation_id', '=', id).orderBy('id').execute()).map((e) => e.action);
    // The steps of the state machine, in order (edits, the consent and the signature are events of their own).
    expect(events.filter((a) => (CONSULTATION_ACTIONS as readonly string[]).includes(a))).toEqual([
      'submit', 'dept_approve', 'office_approve', 'request_supplements', 'resubmit', 'accept', 'invite', 'expert_accept', 'forward', 'confirm',
    ]);
    expect(events[0]).toBe('create');
    const consent = await db.selectFrom('consultation_consent as cc').innerJoin('file_object as f', 'f.sha256', 'cc.file_id')
      .select(['cc.signer_name', 'cc.relation', 'cc.method', 'f.content_type']).where('cc.consultation_id', '=', id).executeTakeFirstOrThrow();
    expect(consent).toEqual({ signer_name: '陈患者', relation: 'self', method: 'drawn', content_type: 'image/png' });
    const opinion = await db.selectFrom('consultation_opinion').selectAll().where('consultation_id', '=', id).executeTakeFirstOrThrow();
    expect(opinion).toMatchObject({ status: 'signed', practitioner_id: w.doctorP.id, findings: '考虑不稳定型心绞痛' });
    expect(opinion.signature_hash).toMatch(/^[0-9a-f]{64}$/);
    for (const p of [applicant, head, office, centre, expert]) await p.context().close();
  }, 120_000);
});
