/**
 * The consultation video room in headless Chromium with fake camera and microphone: the applicant and the accepted
 * expert open the room page, and each browser decodes video frames sent by the other (WebRTC over loopback, host
 * candidates, signaling over /ws); a third doctor who is not a participant is refused with the message shown; leaving
 * tells the other side. Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium): under CI=true its absence fails.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRoomConsultation } from '../consultation/room-fixtures.js';
import type { DbHandle } from '../db/database.js';
import { prepareBrowserTest, runBrowserTests, serveAndLaunch } from './chromium.js';
import { MEDIA_FLAGS, openRoomWorld, roomStats, roomStatus, signedInPage } from './room-world.js';

const screenshots = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
let handle: DbHandle, app: FastifyInstance, browser: Browser, base: string;
let w: Awaited<ReturnType<typeof openRoomWorld>>['w'];

const as = (username: string, viewport?: { width: number; height: number }) => signedInPage(browser, base, username, viewport);
/** Inbound video frames decoded per remote peer. */
const framesDecoded = async (page: Page) => (await roomStats(page))?.map((s) => ({ name: s.name, frames: s.framesDecoded })) ?? null;

describe.runIf(runBrowserTests)('the consultation video room in the browser', () => {
  beforeAll(async () => {
    prepareBrowserTest();
    ({ handle, w } = await openRoomWorld());
    ({ app, base, browser } = await serveAndLaunch(handle, MEDIA_FLAGS));
  }, 180_000);
  afterAll(async () => { await browser?.close(); await app?.close(); await handle?.close(); });

  it('two participants see each other’s video; a non-participant is refused; leaving tells the other', async () => {
    const c = await makeRoomConsultation(handle.db, {
      patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
      experts: [{ practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id }],
    });
    await handle.db.updateTable('consultation').set({ received_at: new Date() }).where('id', '=', c.id).execute();
    const applicant = await as('doctor_lower');
    const expert = await as('doctor');
    const outsider = await as('dept_head');
    await applicant.goto(`${base}/consultations/${c.id}/room`);
    await expect.poll(() => roomStatus(applicant), { timeout: 20_000 }).toBe('joined');
    await expert.goto(`${base}/consultations/${c.id}/room`);

    // Each side decodes the other's fake camera.
    for (const [page, other] of [[applicant, '张明'], [expert, '赵乡']] as const)
      await expect.poll(async () => {
        const s = await framesDecoded(page);
        return s?.length === 1 && s[0]!.name === other && s[0]!.frames > 0;
      }, { timeout: 30_000, message: `video from ${other}` }).toBe(true);
    await expect.poll(() => applicant.locator('.yl-room-tile figcaption', { hasText: '张明' }).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => expert.locator('.yl-room-tile figcaption', { hasText: '赵乡' }).count(), { timeout: 10_000 }).toBe(1);

    // The expert mutes and turns the camera off: the applicant's tile of 张明 shows both; back on, both go.
    const expertTile = applicant.locator('.yl-room-tile', { has: applicant.locator('figcaption', { hasText: '张明' }) });
    await expert.getByRole('button', { name: '静音' }).click();
    await expertTile.locator('figcaption .anticon-audio-muted').waitFor();
    await expert.getByRole('button', { name: '关闭摄像头' }).click();
    await expertTile.getByText('未开启摄像头').waitFor();
    await expert.getByRole('button', { name: '取消静音' }).click();
    await expert.getByRole('button', { name: '开启摄像头' }).click();
    await expertTile.locator('figcaption .anticon-audio-muted').waitFor({ state: 'detached' });
    await expertTile.getByText('未开启摄像头').waitFor({ state: 'detached' });

    // The expert shares the screen: the applicant receives the screen's full width (kept: contentHint detail), then the
    // camera's again.
    const width = async () => (await roomStats(applicant))?.[0]?.frameWidth ?? 0;
    await expect.poll(width, { timeout: 15_000 }).toBeLessThanOrEqual(640);
    await expert.getByRole('button', { name: '共享屏幕' }).click();
    await expect.poll(width, { timeout: 30_000, message: 'the shared screen at the applicant' }).toBeGreaterThanOrEqual(1280);
    await expert.getByRole('button', { name: '停止共享' }).click();
    await expect.poll(width, { timeout: 30_000, message: 'the camera again at the applicant' }).toBeLessThanOrEqual(640);

    mkdirSync(screenshots, { recursive: true });
    await applicant.screenshot({ path: `${screenshots}consultation-room.png` });

    await outsider.goto(`${base}/consultations/${c.id}/room`);
    await outsider.getByText('您不是本次会诊的参与者，无法进入会诊室').waitFor();
    await outsider.screenshot({ path: join(tmpdir(), 'yl-room-refused.png') });

    // The centre's coordinator on a phone (375 px): a third peer of the mesh, the page no wider than the screen.
    const phone = await as('consult_coordinator', { width: 375, height: 740 });
    await phone.goto(`${base}/consultations/${c.id}/room`);
    await expect.poll(async () => {
      const s = await framesDecoded(phone);
      return s?.length === 2 && s.every((p) => p.frames > 0);
    }, { timeout: 30_000, message: 'video on the phone from both others' }).toBe(true);
    await expect.poll(async () => (await framesDecoded(applicant))?.length, { timeout: 10_000 }).toBe(2);
    expect(await phone.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.screenshot({ path: join(tmpdir(), 'yl-room-phone.png'), fullPage: true });
    await phone.close();

    await applicant.getByRole('button', { name: /离开会诊室/ }).click();
    await applicant.waitForURL(`${base}/consultations/${c.id}`);
    await expect.poll(() => expert.evaluate(() => (globalThis as unknown as { __yilianRoom?: { peers(): unknown[] } }).__yilianRoom?.peers().length), { timeout: 15_000 }).toBe(0);
    await expert.getByText('等待其他参与者进入').waitFor();

    const events = (await handle.db.selectFrom('consultation_event').select(['action', 'user_id']).where('consultation_id', '=', c.id).orderBy('id').execute())
      .map((e) => `${e.action} ${e.user_id === w.users.doctor_lower.id ? 'applicant' : e.user_id === w.users.doctor.id ? 'expert' : 'centre'}`);
    expect(events.slice(0, 3)).toEqual(['room_join applicant', 'room_join expert', 'room_join centre']);
    expect(events.slice(3).sort()).toEqual(['room_leave applicant', 'room_leave centre']);
  }, 120_000);

  it('a participant whose camera is refused is told so and still sees the others; a room not open yet shows its opening time', async () => {
    const c = await makeRoomConsultation(handle.db, {
      patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
      experts: [{ practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id }],
    });
    const applicant = await as('doctor_lower');
    await applicant.goto(`${base}/consultations/${c.id}/room`);
    await expect.poll(() => roomStatus(applicant), { timeout: 20_000 }).toBe('joined');
    // The browser refuses this user the camera and microphone (as when they click "Block").
    const expert = await as('doctor');
    await expert.addInitScript(`navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));`);
    await expert.goto(`${base}/consultations/${c.id}/room`);
    await expert.getByText(/无法使用摄像头/).waitFor();
    await expect.poll(async () => (await framesDecoded(expert))?.[0]?.frames ?? 0, { timeout: 30_000, message: 'video from the applicant' }).toBeGreaterThan(0);
    await expect.poll(() => applicant.locator('.yl-room-tile figcaption', { hasText: '张明' }).count(), { timeout: 10_000 }).toBe(1);
    await applicant.close(); await expert.close();

    const later = await makeRoomConsultation(handle.db, {
      patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
      experts: [], scheduledAt: new Date(Date.now() + 3 * 3_600_000),
    });
    const early = await as('doctor_lower');
    await early.goto(`${base}/consultations/${later.id}/room`);
    await early.getByText('会诊室未开放').waitFor();
    await early.getByText(/开放时间：/).waitFor();
    expect(await early.evaluate(() => (globalThis as unknown as { __yilianRoom?: unknown }).__yilianRoom)).toBeUndefined();
  }, 120_000);
});
