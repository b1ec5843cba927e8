/**
 * Live check of messaging in two headless Chromium contexts against a running server with the demo consortium:
 * doctor writes to xiangyi, who sees it at once (menu badge, bell, toast), reads it (doctor sees 已读), replies; an
 * image, a file and a voice note (fake microphone) go through the file store; a dropped socket reconnects and resumes
 * without losing or repeating a message; the patient record refetches when someone else edits it.
 *
 *   BASE_URL=http://localhost:8080 node --import tsx packages/web/scripts/messaging-check.ts
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page, type WebSocketRoute } from 'playwright-core';

const BASE = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const PASSWORD = process.env.DEMO_PASSWORD ?? 'Yilian@2026';
const failures: string[] = [];
const ok = (cond: unknown, what: string) => { console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`); if (!cond) failures.push(what); };
const errors: string[] = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
});

async function user(username: string, width = 1366) {
  const ctx = await browser.newContext({ viewport: { width, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', permissions: ['microphone'] });
  await ctx.addInitScript(() => localStorage.setItem('yilian.lang', 'zh-CN'));
  const r = await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username, password: PASSWORD } });
  if (!r.ok()) throw new Error(`sign-in ${username}: ${r.status()}`);
  const me = (await (await ctx.request.get(`${BASE}/api/v1/auth/me`)).json()) as { userId: string; displayName: string };
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`${username}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${username}: ${m.text().slice(0, 200)}`); });
  // Every socket goes through a route we can cut, and whose client frames we can read.
  const sockets: WebSocketRoute[] = [];
  const sent: string[] = [];
  await page.routeWebSocket(/\/ws$/, (ws) => {
    sockets.push(ws);
    const server = ws.connectToServer();
    ws.onMessage((m) => { sent.push(String(m)); server.send(m); });
  });
  return { ctx, page, me, sockets, sent };
}

const connected = (page: Page) => page.waitForSelector('[data-state="open"]', { timeout: 15_000 });
const menuBadge = (page: Page) => page.locator('.yl-menu-badge .ant-badge-count').first();
const bellBadge = (page: Page) => page.locator('.yl-bell .ant-badge-count').first();

try {
  const doctor = await user('doctor');
  const xiangyi = await user('xiangyi');

  // A direct thread between the two (the doctor cannot list accounts: the API opens it with xiangyi's user id).
  const t = await doctor.ctx.request.post(`${BASE}/api/v1/threads`, { data: { kind: 'direct', userIds: [xiangyi.me.userId] } });
  ok(t.status() === 201 || t.status() === 200, `direct thread opened (${t.status()})`);
  const thread = (await t.json()) as { id: string; lastMessage: { id: number } | null };
  // Start from nothing unread for xiangyi (a thread reused from an earlier run).
  if (thread.lastMessage) await xiangyi.ctx.request.post(`${BASE}/api/v1/threads/${thread.id}/read`, { data: { messageId: thread.lastMessage.id } });
  await xiangyi.ctx.request.post(`${BASE}/api/v1/notifications/read-all`);
  // Other threads may hold unread messages (the screenshot script's sample): count from there.
  const base = ((await (await xiangyi.ctx.request.get(`${BASE}/api/v1/threads?limit=1`)).json()) as { unreadTotal: number }).unreadTotal;
  const badgeText = (n: number) => (n ? String(n) : null);
  const badgeIs = (page: Page, n: number) => page.waitForFunction((want) => (document.querySelector('.yl-menu-badge .ant-badge-count')?.textContent ?? null) === want,
    badgeText(n), { timeout: 10_000 }).then(() => true, () => false);

  await xiangyi.page.goto(`${BASE}/`);
  await connected(xiangyi.page);
  await doctor.page.goto(`${BASE}/messages/${thread.id}`);
  await connected(doctor.page);
  await doctor.page.waitForSelector('.yl-composer textarea');

  const text = `复查结果已出，请看一下 ${Date.now()}`;
  await doctor.page.locator('.yl-composer textarea').fill(text);
  await doctor.page.locator('.yl-composer textarea').press('Enter');
  await doctor.page.waitForSelector(`.yl-chat-row.mine:has-text("${text}")`);
  const t0 = Date.now();
  await xiangyi.page.waitForSelector('.ant-notification-notice', { timeout: 10_000 }).catch(() => undefined);
  ok(await xiangyi.page.locator('.ant-notification-notice').count(), `xiangyi gets a toast (${Date.now() - t0} ms)`);
  ok(await badgeIs(xiangyi.page, base + 1), `xiangyi: 消息 badge goes up by one (${base} → ${base + 1})`);
  ok((await bellBadge(xiangyi.page).textContent()) === '1', 'xiangyi: bell badge shows 1');
  await xiangyi.page.screenshot({ path: join(tmpdir(), 'yl-xiangyi-badge.png') });

  // xiangyi opens the thread from the bell: the message is there, the notification is read, the doctor sees 已读.
  await xiangyi.page.locator('.yl-bell').click();
  await xiangyi.page.locator('.ant-drawer-open .yl-notif-item.unread').first().click();
  await xiangyi.page.waitForURL(`**/messages/${thread.id}`);
  await xiangyi.page.waitForSelector(`.yl-chat-row:not(.mine):has-text("${text}")`);
  ok(true, 'xiangyi sees the message in the conversation');
  await doctor.page.waitForSelector('.yl-chat-row.mine .yl-chat-read', { timeout: 10_000 }).catch(() => undefined);
  ok(await doctor.page.locator('.yl-chat-row.mine .yl-chat-read').count(), 'doctor sees 已读');
  ok(await badgeIs(xiangyi.page, base), 'xiangyi: badge back down after reading');

  // A reply quoting the message comes back live.
  await xiangyi.page.locator('.yl-chat-row:not(.mine) .yl-chat-action').last().click();
  await xiangyi.page.locator('.yl-composer textarea').fill('收到，\n马上看');
  await xiangyi.page.locator('.yl-composer textarea').press('Enter');
  await doctor.page.waitForSelector('.yl-chat-row:not(.mine) .yl-chat-quote', { timeout: 10_000 }).catch(() => undefined);
  ok(await doctor.page.locator('.yl-chat-row:not(.mine):has-text("马上看") .yl-chat-quote').count(), 'doctor gets the quoted reply live');

  // Image and file through the file store.
  const png = join(tmpdir(), 'yl-ct.png');
  writeFileSync(png, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAHElEQVR4nGNgGAWjYBSMglEwCkbBKBgFo2AUDAAAF5ABAdEYyKsAAAAASUVORK5CYII=', 'base64'));
  await doctor.page.locator('input[type=file][accept^="image"]').setInputFiles(png);
  await xiangyi.page.waitForSelector('.yl-chat-row:not(.mine) img', { timeout: 10_000 }).catch(() => undefined);
  const natural = await xiangyi.page.locator('.yl-chat-row:not(.mine) img').last().evaluate((i: HTMLImageElement) => i.naturalWidth).catch(() => 0);
  ok(natural === 16, `xiangyi sees the image inline (naturalWidth ${natural})`);
  const pdf = join(tmpdir(), '检查报告.pdf');
  writeFileSync(pdf, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  await doctor.page.locator('input[type=file]:not([accept^="image"])').setInputFiles(pdf);
  await xiangyi.page.waitForSelector('.yl-chat-row:not(.mine) .yl-chat-file-name:has-text("检查报告.pdf")', { timeout: 10_000 }).catch(() => undefined);
  const href = await xiangyi.page.locator('.yl-chat-row:not(.mine) a:has(.yl-chat-file)').last().getAttribute('href').catch(() => null);
  ok(!!href, `xiangyi gets the file as a link (${href})`);
  if (href) ok((await xiangyi.ctx.request.get(`${BASE}${href}`)).ok(), 'the file downloads for xiangyi');

  // A voice note from the fake microphone.
  await doctor.page.getByRole('button', { name: '录制语音' }).click();
  await doctor.page.waitForSelector('.yl-rec-dot');
  await doctor.page.waitForTimeout(1500);
  await doctor.page.getByRole('button', { name: /停\s*止/ }).click();
  await doctor.page.waitForSelector('.yl-voice-bar audio');
  await doctor.page.locator('.yl-voice-bar').getByRole('button', { name: /发\s*送/ }).click();
  await xiangyi.page.waitForSelector('.yl-chat-row:not(.mine) audio', { timeout: 15_000 }).catch(() => undefined);
  ok(await xiangyi.page.locator('.yl-chat-row:not(.mine) audio').count(), 'xiangyi gets the voice note');
  const dur = await xiangyi.page.locator('.yl-chat-row:not(.mine) audio').last().evaluate(async (a: HTMLAudioElement) => {
    if (a.readyState < 1) await new Promise((r) => { a.onloadedmetadata = r; setTimeout(r, 3000); });
    return a.duration;
  }).catch(() => NaN);
  ok(dur > 0, `the voice note plays (duration ${dur})`);

  // Drop xiangyi's socket; while it is down the doctor writes twice; after the reconnect both appear once.
  const before = xiangyi.sockets.length;
  await xiangyi.page.waitForTimeout(500); // the open conversation marks the voice note read
  await xiangyi.page.goto(`${BASE}/`);
  await connected(xiangyi.page);
  await xiangyi.sockets.at(-1)!.close({ code: 4000, reason: 'test drop' });
  await xiangyi.page.waitForSelector('[data-state="reconnecting"]', { timeout: 5000 }).catch(() => undefined);
  const offline = [`离线时的消息一 ${Date.now()}`, `离线时的消息二 ${Date.now()}`];
  for (const body of offline)
    await doctor.ctx.request.post(`${BASE}/api/v1/threads/${thread.id}/messages`, { data: { kind: 'text', body, clientId: crypto.randomUUID() } });
  await connected(xiangyi.page);
  ok(xiangyi.sockets.length > before, 'xiangyi reconnected');
  ok(xiangyi.sent.some((f) => f.includes('"resume"')), 'the client sent resume after reconnecting');
  const counted = await badgeIs(xiangyi.page, base + 2);
  const badge = await menuBadge(xiangyi.page).textContent().catch(() => null);
  if (!counted) {
    const th = (await (await xiangyi.ctx.request.get(`${BASE}/api/v1/threads/${thread.id}`)).json()) as { participants: { userId: string; lastReadMessageId: number }[]; unread: number };
    const msgs = (await (await xiangyi.ctx.request.get(`${BASE}/api/v1/threads/${thread.id}/messages?limit=8`)).json()) as { items: { id: number; kind: string; body: string; senderName: string }[] };
    console.log('debug', JSON.stringify(th.participants), th.unread, msgs.items.map((m) => `${m.id}:${m.kind}:${m.senderName.slice(0, 2)}:${(m.body ?? '').slice(0, 8)}`).join(' | '));
  }
  ok(counted, `missed messages counted after the reconnect (badge ${badge}, expected ${base + 2})`);
  await xiangyi.page.goto(`${BASE}/messages/${thread.id}`);
  await xiangyi.page.waitForSelector(`.yl-chat-text:has-text("${offline[1]}")`, { timeout: 10_000 }).catch(() => undefined);
  for (const body of offline) ok((await xiangyi.page.locator(`.yl-chat-text:has-text("${body}")`).count()) === 1, `“${body.slice(0, 7)}” shown exactly once`);

  // Idempotent send: the same clientId twice posts once.
  const clientId = crypto.randomUUID();
  const retried = `重试不会重复 ${Date.now()}`;
  const a = await doctor.ctx.request.post(`${BASE}/api/v1/threads/${thread.id}/messages`, { data: { kind: 'text', body: retried, clientId } });
  const b = await doctor.ctx.request.post(`${BASE}/api/v1/threads/${thread.id}/messages`, { data: { kind: 'text', body: retried, clientId } });
  ok(a.status() === 201 && b.status() === 200, `retry with the same clientId: ${a.status()} then ${b.status()}`);
  await xiangyi.page.waitForSelector(`.yl-chat-text:has-text("${retried}")`, { timeout: 10_000 }).catch(() => undefined);
  await xiangyi.page.waitForTimeout(800);
  const shown = await xiangyi.page.locator(`.yl-chat-text:has-text("${retried}")`).count();
  ok(shown === 1, `the retried message is shown once (${shown})`);

  // Live patient record: xiangyi looks at a patient, the doctor edits it, xiangyi's page refetches.
  const found = (await (await doctor.ctx.request.get(`${BASE}/api/v1/patients?q=zhang&limit=1`)).json()) as { items: { id: string }[] };
  const pid = found.items[0]!.id;
  await xiangyi.page.goto(`${BASE}/patients/${pid}`);
  await xiangyi.page.waitForSelector('text=患者讨论');
  await xiangyi.page.waitForTimeout(800);
  const address = `湖州市吴兴区测试路${Math.floor(Math.random() * 900 + 100)}号`;
  const patched = await doctor.ctx.request.patch(`${BASE}/api/v1/patients/${pid}`, { data: { address } });
  ok(patched.ok(), `doctor edits the patient (${patched.status()})`);
  await xiangyi.page.waitForSelector(`text=${address}`, { timeout: 10_000 }).catch(() => undefined);
  ok(await xiangyi.page.locator(`text=${address}`).count(), 'xiangyi’s patient record shows the edit without reloading');

  // The case thread from the record: 患者讨论 opens (creates) the patient's thread.
  await xiangyi.page.getByRole('button', { name: /患者讨论/ }).click();
  await xiangyi.page.waitForSelector('.ant-drawer-open .yl-composer textarea');
  await xiangyi.page.locator('.ant-drawer-open .yl-composer textarea').fill('这位患者下周复诊');
  await xiangyi.page.locator('.ant-drawer-open .yl-composer textarea').press('Enter');
  await xiangyi.page.waitForSelector('.ant-drawer-open .yl-chat-row.mine:not(:has-text("发送中"))');
  ok(true, 'patient discussion thread opened from the record and a message posted');

  await doctor.ctx.close();
  await xiangyi.ctx.close();
} finally {
  await browser.close();
}
const unexpected = errors.filter((e) => !/status of 40[13]/.test(e));
if (unexpected.length) { console.log('browser errors:'); for (const e of unexpected) console.log(' -', e); }
if (failures.length) { console.log(`\n${failures.length} check(s) failed`); process.exitCode = 1; } else console.log('\nall checks passed');
