/**
 * What the video room's browser tests share: Chromium's fake camera, microphone and screen, an in-memory database
 * with the test world (the applicant 赵乡 at the township hospital, the expert 张明 at the city hospital), a signed-in
 * page per user, and the room's stats as the page sees them (`window.__yilianRoom`).
 */
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ensureCodeData } from '../codes/codes.js';
import { openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { makeWorld } from '../test/factories.js';
import { TEST_PASSWORD } from '../test/harness.js';

// The fake screen (getDisplayMedia) is at least 1280 wide; the camera is asked for 640×360: the received width
// tells them apart.
export const MEDIA_FLAGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  '--auto-select-desktop-capture-source=Entire screen'];

export async function openRoomWorld() {
  const handle = await openDatabase({ memory: true });
  await migrate(handle.db);
  await ensureCodeData(handle.db);
  const w = await makeWorld(handle.db);
  await handle.db.updateTable('user_account').set({ display_name: '张明' }).where('id', '=', w.users.doctor.id).execute();
  await handle.db.updateTable('user_account').set({ display_name: '赵乡' }).where('id', '=', w.users.doctor_lower.id).execute();
  return { handle, w };
}

/** A new browser context signed in as `username` (Chinese, China time), and its page. */
export async function signedInPage(browser: Browser, base: string, username: string, viewport = { width: 1366, height: 860 }): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const res = await ctx.request.post(`${base}/api/v1/auth/login`, { data: { username, password: TEST_PASSWORD } });
  expect(res.ok(), `login ${username}: ${res.status()}`).toBe(true);
  ctx.setDefaultTimeout(15_000);
  return ctx.newPage();
}

export interface RemoteStats { name: string; state: string; framesDecoded: number; candidateType: string | null; frameWidth: number; frameHeight: number }

/** Per remote peer, from the page's RTCPeerConnection stats; null while the page is not in a room. */
export const roomStats = (page: Page): Promise<RemoteStats[] | null> => page.evaluate(async () => {
  const room = (globalThis as unknown as { __yilianRoom?: { stats(): Promise<RemoteStats[]> } }).__yilianRoom;
  return room ? room.stats() : null;
});

export const roomStatus = (page: Page) => page.evaluate(() => (globalThis as unknown as { __yilianRoom?: { status(): string } }).__yilianRoom?.status() ?? null);
