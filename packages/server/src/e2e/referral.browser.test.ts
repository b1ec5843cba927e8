/**
 * Two-way referral in the web app, in headless Chromium against a real server, each step as the user whose step it
 * is: the township doctor writes and submits an up-referral → the township office approves → the city hospital's
 * office forwards it up to the provincial hospital → that office approves and assigns a doctor → the doctor accepts
 * and books a green-channel slot in the dialog → confirms arrival → closes with a summary, which the sender sees.
 * Then back down: the provincial doctor writes a down-referral with a follow-up task, the offices approve and assign,
 * the township doctor accepts with a green-channel slot at home and ticks the task off on the follow-up list. The
 * database is checked at the end. Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium): under CI=true its
 * absence fails the test.
 */
import { REFERRAL_STATE_LABELS, type ReferralState } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBrowserTest, runBrowserTests, serveAndLaunch } from './chromium.js';
import { ensureCodeData } from '../codes/codes.js';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { makeEncounter } from '../record/fixtures.js';
import { makeSlots } from '../scheduling/fixtures.js';
import { makeInstitution, makePractitioner, makeUser, makeWorld } from '../test/factories.js';
import { TEST_PASSWORD } from '../test/harness.js';


let handle: DbHandle, app: FastifyInstance, browser: Browser, base: string;
let w: Awaited<ReturnType<typeof makeWorld>>;
let prov: Awaited<ReturnType<typeof makeInstitution>>;
let provDoctor: { id: string };
let provSlots: Awaited<ReturnType<typeof makeSlots>>, lowerSlots: Awaited<ReturnType<typeof makeSlots>>;

const label = (s: ReferralState) => REFERRAL_STATE_LABELS[s].zh;
/** antd spaces out a two-character Chinese button label (提 交). */
const spaced = (text: string) => new RegExp(`^\\s*${[...text].join('\\s*')}\\s*$`);

async function signedIn(username: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const res = await ctx.request.post(`${base}/api/v1/auth/login`, { data: { username, password: TEST_PASSWORD } });
  expect(res.ok(), `login ${username}: ${res.status()}`).toBe(true);
  ctx.setDefaultTimeout(10_000);
  return ctx;
}

/** A user's page, signed in. */
async function as(username: string): Promise<Page> {
  return (await signedIn(username)).newPage();
}

/**
 * Picks the option showing `option` in an antd Select (typing `q` first, for a remote search), and checks the Select
 * then shows it — an option clicked while the list is still re-rendering can be missed, so it tries again.
 */
async function pick(page: Page, select: Locator, option: string, q?: string) {
  for (let attempt = 0; ; attempt++) {
    await select.click();
    if (q) await page.keyboard.type(q);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click();
    try { await expect.poll(() => select.innerText(), { timeout: 3_000 }).toContain(option); return; } catch (e) {
      if (attempt === 2) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/** A form field's Select by the field id. */
const choose = (page: Page, fieldId: string, option: string, q?: string) =>
  pick(page, page.locator('.ant-select', { has: page.locator(`#${fieldId}`) }), option, q);

/** The state tag in the detail page's header. */
async function expectState(page: Page, s: ReferralState) {
  await expect.poll(() => page.locator('.ant-tag', { hasText: label(s) }).count(), { message: `state ${s}`, timeout: 10_000 }).toBeGreaterThan(0);
}

/** On the detail page: the caller's action button, then the dialog's fields, then its OK button; waits for the new state. */
async function act(page: Page, id: string, button: string, to: ReferralState, fill?: (modal: Locator) => Promise<void>) {
  if (!page.url().endsWith(`/referrals/${id}`)) await page.goto(`${base}/referrals/${id}`);
  await page.getByRole('button', { name: spaced(button) }).first().click();
  const modal = page.locator('.ant-modal');
  await modal.waitFor();
  if (fill) await fill(modal);
  // A Select's dropdown may still be open over the footer: a click on the dialog's title closes it.
  if (await page.locator('.ant-select-dropdown:visible').count()) {
    await modal.locator('.ant-modal-title').click();
    await expect.poll(() => page.locator('.ant-select-dropdown:visible').count(), { timeout: 5_000 }).toBe(0);
  }
  await modal.locator('.ant-modal-footer').getByRole('button', { name: spaced(button) }).click();
  try { await expect.poll(() => modal.count(), { timeout: 10_000 }).toBe(0); } catch (e) {
    throw new Error(`${button}: the dialog stayed open — ${await modal.innerText().catch(() => '')}`, { cause: e });
  }
  await expectState(page, to);
}

/** Books the first free green-channel slot of `resourceName` in the accept dialog. */
async function pickGreenSlot(page: Page, modal: Locator, resourceName: string, slotId: string) {
  const slotReplies: string[] = [];
  page.on('response', (r) => { if (r.url().includes('/scheduling/slots')) void r.text().then((t) => slotReplies.push(`${r.status()} ${t.slice(0, 300)}`), () => undefined); });
  await pick(page, modal.locator('.ant-select').first(), resourceName);
  try { await modal.locator(`button[data-slot="${slotId}"]`).click(); } catch (e) {
    throw new Error(`no slot ${slotId}: ${await modal.innerText()}\n${slotReplies.join('\n')}`, { cause: e });
  }
  await modal.locator('.ant-alert-success').waitFor();
}

describe.runIf(runBrowserTests)('two-way referral in the browser', () => {
  beforeAll(async () => {
    prepareBrowserTest();
    handle = await openDatabase({ memory: true });
    await migrate(handle.db);
    await ensureCodeData(handle.db);
    const db = handle.db;
    w = await makeWorld(db);
    prov = await makeInstitution(db, { code: 'PROV', name: '省立医院', level: '3' });
    const p = await makePractitioner(db, prov.id, { name: '钱省' });
    await makeUser(db, 'office_prov', [{ role: 'institution_admin', institutionId: prov.id }]);
    provDoctor = await makeUser(db, 'prov_doctor', [{ role: 'doctor', institutionId: prov.id }], { practitionerId: p.id });
    // The patient is known at the township hospital (a visit there), where the story starts.
    await makeEncounter(db, w.patient.id, w.lower.id);
    provSlots = await makeSlots(db, prov.id, 3, { pool: 'referral' });
    lowerSlots = await makeSlots(db, w.lower.id, 3, { pool: 'referral' });
    ({ app, base, browser } = await serveAndLaunch(handle));
  }, 120_000);
  afterAll(async () => { await browser?.close(); await app?.close(); await handle?.close(); });

  let upId = '';

  it('walks an up-referral from the township doctor through both offices, a forward, acceptance with a green-channel slot, arrival and closing', async () => {
    // The township doctor writes and submits it.
    const lowerDoc = await as('doctor_lower');
    await lowerDoc.goto(`${base}/referrals/new`);
    await expect.poll(() => lowerDoc.locator('.ant-radio-button-wrapper-checked', { hasText: '上转' }).count(), { timeout: 10_000 }).toBe(1);
    await choose(lowerDoc, 'patientId', '陈患者', '陈患者');
    await choose(lowerDoc, 'toInstitutionId', '市人民医院');
    await choose(lowerDoc, 'diagnoses', 'I20.000', 'I20');
    await lowerDoc.keyboard.press('Escape');
    await lowerDoc.locator('#reason').fill('胸痛待查，需冠脉造影');
    await lowerDoc.locator('.yl-form-actions').getByRole('button', { name: spaced('提交') }).click();
    await lowerDoc.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
    upId = lowerDoc.url().split('/').pop()!;
    await expectState(lowerDoc, 'submitted');
    await lowerDoc.getByText('I20.000').first().waitFor();

    // The township office approves.
    const lowerOffice = await as('institution_admin_lower');
    await act(lowerOffice, upId, '审核通过', 'sender_approved');

    // The city hospital's office forwards it further up.
    const upperOffice = await as('institution_admin');
    await act(upperOffice, upId, '继续上转', 'sender_approved', async (m) => {
      await choose(upperOffice, 'toInstitutionId', '省立医院');
      await m.locator('#reason').fill('本院无该专科');
    });
    await expect.poll(() => upperOffice.locator('.ant-steps-horizontal .ant-steps-item', { hasText: '省立医院' }).count(), { timeout: 10_000 }).toBe(1);
    // It is no longer theirs to act on.
    await upperOffice.reload();
    await expectState(upperOffice, 'sender_approved');
    expect(await upperOffice.getByRole('button', { name: '同意接收并指派' }).count()).toBe(0);

    // The provincial office accepts it and assigns the doctor.
    const provOffice = await as('office_prov');
    await act(provOffice, upId, '同意接收并指派', 'receiver_approved', async () => {
      await choose(provOffice, 'assigneeUserId', '钱省');
    });

    // The doctor accepts and books a green-channel slot in the dialog, then confirms arrival and closes with a summary.
    const doc = await as('prov_doctor');
    await act(doc, upId, '接诊并预约', 'accepted', (m) => pickGreenSlot(doc, m, provSlots.resource.name, provSlots.slots[0]!.id));
    await act(doc, upId, '确认到诊', 'arrived');
    await act(doc, upId, '结束转诊并回复', 'closed', async (m) => {
      await m.locator('#summary').fill('冠脉造影示前降支狭窄70%，已植入支架1枚；建议回当地随访。');
    });

    // The sender sees it closed, with the summary, the whole chain and no buttons left.
    await lowerDoc.goto(`${base}/referrals/${upId}`);
    await expectState(lowerDoc, 'closed');
    await lowerDoc.getByText('已植入支架1枚').first().waitFor();
    expect(await lowerDoc.locator('.ant-steps-horizontal .ant-steps-item').allInnerTexts()).toEqual([
      expect.stringContaining('城关镇卫生院'), expect.stringContaining('市人民医院'), expect.stringContaining('省立医院'),
    ]);
    for (const p of [lowerDoc, lowerOffice, upperOffice, provOffice, doc]) await p.context().close();
  }, 60_000);

  it('walks a down-referral with a follow-up task: written above, accepted at home with a green-channel slot, the task done', async () => {
    expect(upId).not.toBe('');
    const doc = await as('prov_doctor');
    await doc.goto(`${base}/referrals/new?direction=down&patientId=${w.patient.id}`);
    await expect.poll(() => doc.locator('.ant-radio-button-wrapper-checked', { hasText: '下转' }).count(), { timeout: 10_000 }).toBe(1);
    // The patient comes prefilled from the link (as from the patient page or 下转候选).
    await expect.poll(() => doc.locator('.ant-form-item', { has: doc.locator('#patientId') }).innerText(), { timeout: 10_000 }).toContain('陈患者');
    await choose(doc, 'toInstitutionId', '城关镇卫生院');
    await choose(doc, 'diagnoses', 'I20.000', 'I20');
    await doc.keyboard.press('Escape');
    await doc.locator('#reason').fill('术后稳定，转回社区康复');
    await doc.getByRole('button', { name: '添加任务' }).click();
    await doc.locator('#tasks_0_title').fill('测血压');
    await doc.locator('.yl-form-actions').getByRole('button', { name: spaced('提交') }).click();
    await doc.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
    const downId = doc.url().split('/').pop()!;
    await expectState(doc, 'submitted');

    const provOffice = await as('office_prov');
    await act(provOffice, downId, '审核通过', 'sender_approved');
    const lowerOffice = await as('institution_admin_lower');
    await act(lowerOffice, downId, '同意接收并指派', 'receiver_approved', async () => {
      await choose(lowerOffice, 'assigneeUserId', '赵乡');
    });
    const lowerDoc = await as('doctor_lower');
    await act(lowerDoc, downId, '接诊并预约', 'accepted', (m) => pickGreenSlot(lowerDoc, m, lowerSlots.resource.name, lowerSlots.slots[0]!.id));
    await lowerDoc.getByText('测血压').first().waitFor();

    // The township doctor ticks the task off on the follow-up list.
    await lowerDoc.goto(`${base}/referrals/tasks`);
    const row = lowerDoc.locator('tr', { hasText: '测血压' });
    await row.getByRole('button', { name: spaced('完成') }).click();
    const modal = lowerDoc.locator('.ant-modal');
    await modal.locator('#result').fill('血压 128/80，继续原方案');
    // Under load the first click can land while the dialog is still opening: click until it closes (the task is
    // done once, whatever the number of clicks — the dialog closes on the first success).
    await expect.poll(async () => {
      if (await modal.isVisible()) await modal.locator('.ant-modal-footer .ant-btn-primary').click({ timeout: 2_000 }).catch(() => {});
      return modal.isVisible();
    }, { timeout: 30_000, intervals: [1_000] }).toBe(false);
    // Done tasks leave the list of open ones.
    await expect.poll(() => lowerDoc.locator('tr', { hasText: '测血压' }).count(), { timeout: 15_000 }).toBe(0);
    // The upper doctor sees the progress on the referral.
    await doc.goto(`${base}/referrals/${downId}`);
    await doc.getByText('血压 128/80').first().waitFor();
    const progress = doc.locator('.ant-card', { hasText: '随访进度' });
    await expect.poll(() => progress.locator('.ant-tag', { hasText: '已完成' }).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => progress.locator('.ant-progress-status-success').count(), { timeout: 10_000 }).toBe(1); // 1 of 1 done

    // The database: both referrals, their events, the bookings, the task.
    const db = handle.db;
    const refs = await db.selectFrom('referral').selectAll().where('id', 'in', [upId, downId]).execute();
    const up = refs.find((r) => r.id === upId)!, down = refs.find((r) => r.id === downId)!;
    expect(up).toMatchObject({ direction: 'up', status: 'closed', from_institution_id: w.lower.id, to_institution_id: prov.id, assigned_user_id: provDoctor.id });
    expect(up.summary).toContain('支架');
    expect(down).toMatchObject({ direction: 'down', status: 'accepted', from_institution_id: prov.id, to_institution_id: w.lower.id, assigned_user_id: w.users.doctor_lower.id });
    const events = async (id: string) => (await db.selectFrom('referral_event').select('action').where('referral_id', '=', id).orderBy('at').orderBy('id').execute()).map((e) => e.action);
    expect(await events(upId)).toEqual(['create', 'submit', 'sender_approve', 'forward', 'receiver_approve', 'accept', 'arrive', 'close']);
    expect(await events(downId)).toEqual(['create', 'submit', 'sender_approve', 'receiver_approve', 'accept']);
    const appts = await db.selectFrom('appointment').selectAll().where('id', 'in', [up.appointment_id!, down.appointment_id!]).execute();
    expect(appts.find((a) => a.id === up.appointment_id)).toMatchObject({ slot_id: provSlots.slots[0]!.id, channel: 'referral', status: 'checked_in', patient_id: w.patient.id });
    expect(appts.find((a) => a.id === down.appointment_id)).toMatchObject({ slot_id: lowerSlots.slots[0]!.id, channel: 'referral', status: 'booked', patient_id: w.patient.id });
    const tasks = await db.selectFrom('referral_task').selectAll().where('referral_id', '=', downId).execute();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: '测血压', status: 'done', result: '血压 128/80，继续原方案' });
    for (const p of [doc, provOffice, lowerOffice, lowerDoc]) await p.context().close();
  }, 60_000);
});
