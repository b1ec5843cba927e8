/**
 * Screenshots of every page at desktop (1366x800) and phone (390x844) width, signed in as the demo users, against a
 * running server with the demo consortium. Writes docs/screenshots/<page>.png and <page>-phone.png.
 *
 *   BASE_URL=http://localhost:8080 node --import tsx packages/web/scripts/screenshots.ts [only-these-names…]
 *
 * CHROMIUM_PATH overrides /usr/bin/chromium; SCREENSHOT_DIR writes elsewhere; PHONE_WIDTH=375 for the narrowest phones. Read-only except: a TOTP secret is generated (not enabled) for the
 * admin account to show the QR code, an import is checked with dryRun only, and (once, when doctor and xiangyi have
 * not talked yet) a sample conversation is posted: a direct thread, a patient discussion, a few messages to xiangyi.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeResidentId } from '@yilian/core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const BASE = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const OUT = process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR.replace(/\/$/, '')}/` : fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const PASSWORD = process.env.DEMO_PASSWORD ?? 'Yilian@2026';
const only = new Set(process.argv.slice(2));

interface Viewport { suffix: string; width: number; height: number; scale: number; mobile: boolean }
const VIEWPORTS: Viewport[] = [
  { suffix: '', width: 1366, height: 800, scale: 1, mobile: false },
  { suffix: '-phone', width: Number(process.env.PHONE_WIDTH ?? 390), height: 844, scale: 2, mobile: true },
];

const problems: string[] = [];
/** Answers the flows ask for: the login page's session probe, and the likely-duplicate warning. */
const EXPECTED = [/401 GET \/api\/v1\/auth\/me/, /409 POST \/api\/v1\/patients$/, /status of (401|409)/];

async function newContext(browser: Browser, vp: Viewport, lang = 'zh-CN'): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport: { width: vp.width, height: vp.height }, deviceScaleFactor: vp.scale, isMobile: vp.mobile, hasTouch: vp.mobile,
    locale: lang, timezoneId: 'Asia/Shanghai',
  });
  await ctx.addInitScript((l) => localStorage.setItem('yilian.lang', l), lang);
  return ctx;
}

async function signIn(ctx: BrowserContext, username: string) {
  const res = await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username, password: PASSWORD } });
  if (!res.ok()) throw new Error(`sign-in as ${username} failed: ${res.status()} ${await res.text()}`);
}

function watch(page: Page, label: string) {
  page.on('pageerror', (e) => problems.push(`${label}: page error ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${label}: console ${m.text().slice(0, 300)}`); });
  page.on('response', (r) => { if (r.status() >= 400 && r.url().includes('/api/')) problems.push(`${label}: ${r.status()} ${r.request().method()} ${r.url().replace(BASE, '')}`); });
}

async function settle(page: Page) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForFunction(() => !document.querySelector('.ant-spin-spinning, .ant-skeleton'), undefined, { timeout: 10_000 }).catch(() => undefined);
  await page.waitForTimeout(400); // let antd transitions finish
}

/**
 * Desktop shots take the whole page; phone shots and open modals/drawers take the screen as one sees it
 * (`overlay`: the mask only covers the viewport). FULL_PAGE=1 takes whole pages on phones too, to check below the fold.
 */
async function shoot(page: Page, name: string, vp: Viewport, overlay = false) {
  if (only.size && !only.has(name)) return;
  await settle(page);
  const file = join(OUT, `${name}${vp.suffix}.png`);
  await page.screenshot({ path: file, fullPage: !overlay && (!vp.mobile || process.env.FULL_PAGE === '1') });
  console.log('saved', file.replace(`${OUT}`, 'docs/screenshots/'));
}

async function visit(page: Page, path: string) {
  await page.goto(`${BASE}${path}`);
  await settle(page);
}

/** The id of the first patient a search finds, preferring one with a resident ID. */
async function findPatient(ctx: BrowserContext, q: string): Promise<string> {
  const r = await ctx.request.get(`${BASE}/api/v1/patients?q=${encodeURIComponent(q)}`);
  const body = (await r.json()) as { items: { id: string; residentIdMasked: string | null }[] };
  const hit = body.items.find((p) => p.residentIdMasked) ?? body.items[0];
  if (!hit) throw new Error(`no patient for ${q}`);
  return hit.id;
}

async function asAdmin(browser: Browser, vp: Viewport) {
  const ctx = await newContext(browser, vp);
  await signIn(ctx, 'admin');
  const page = await ctx.newPage();
  watch(page, `admin${vp.suffix}`);

  await visit(page, '/');
  await shoot(page, 'workbench', vp);

  await visit(page, '/directory/consortia');
  await shoot(page, 'consortia', vp);
  const consortia = (await (await ctx.request.get(`${BASE}/api/v1/consortia`)).json()) as { items: { id: string }[] };
  if (consortia.items[0]) {
    await visit(page, `/directory/consortia/${consortia.items[0].id}`);
    await shoot(page, 'consortium-detail', vp);
  }

  await visit(page, '/directory/institutions');
  await shoot(page, 'institutions', vp);
  const institutions = (await (await ctx.request.get(`${BASE}/api/v1/institutions?limit=1`)).json()) as { items: { id: string }[] };
  if (institutions.items[0]) {
    await visit(page, `/directory/institutions/${institutions.items[0].id}`);
    await shoot(page, 'institution-detail', vp);
  }
  await visit(page, '/directory/institutions');
  await page.getByRole('button', { name: /新增机构/ }).click();
  await page.waitForSelector('.ant-drawer-open');
  await shoot(page, 'institution-form', vp, true);

  await visit(page, '/directory/departments');
  await shoot(page, 'departments', vp);
  await visit(page, '/directory/practitioners');
  await shoot(page, 'practitioners', vp);
  await page.getByRole('button', { name: /新增医生/ }).click();
  await page.waitForSelector('.ant-drawer-open');
  await shoot(page, 'practitioner-form', vp, true);
  await visit(page, '/directory/experts');
  await shoot(page, 'experts', vp);
  await page.getByRole('button', { name: /加入专家库/ }).click();
  await page.waitForSelector('.ant-modal');
  await shoot(page, 'expert-form', vp, true);

  await visit(page, '/directory/import');
  const csv = join(tmpdir(), 'yilian-import-sample.csv');
  writeFileSync(csv, [
    '机构编码,机构名称,简称,级别,等级,类型,行政区划代码,地址,电话,所属医联体',
    'SHOT01,德清县示例社区卫生服务站,示例站,一级,,社区卫生服务站,330521001,德清县武康街道示例路1号,0572-8000001,',
    'SHOT02,德清县示例卫生院,,四级,甲,乡镇卫生院,330521002,,,',
    'SHOT03,示例康复医院,,二级,乙,康复医院,33052,,,',
  ].join('\n'));
  await page.locator('input[type=file]').setInputFiles(csv);
  await page.getByRole('button', { name: /检查文件/ }).click();
  await page.waitForSelector('text=检查结果', { timeout: 10_000 }).catch(() => undefined);
  await shoot(page, 'import', vp);

  // 账号管理: accounts with their roles, and the create drawer (not submitted).
  await visit(page, '/admin/users');
  await shoot(page, 'users', vp);
  await page.getByRole('button', { name: /新建账号/ }).click();
  await page.waitForSelector('.ant-drawer-open');
  await shoot(page, 'users-new', vp, true);

  await visit(page, '/audit');
  await shoot(page, 'audit', vp);
  await page.getByRole('button', { name: /校验哈希链/ }).click();
  await page.waitForSelector('.ant-modal-confirm', { timeout: 10_000 }).catch(() => undefined);
  await shoot(page, 'audit-verify', vp, true);

  await visit(page, '/account');
  await page.getByRole('button', { name: /启用动态验证码|重新绑定/ }).click();
  await page.waitForSelector('img[alt="动态验证码二维码"]', { timeout: 10_000 }).catch(() => undefined);
  await shoot(page, 'account', vp);
  await ctx.close();
}

async function asMedicalAffairs(browser: Browser, vp: Viewport) {
  const ctx = await newContext(browser, vp);
  await signIn(ctx, 'yiwuke');
  const page = await ctx.newPage();
  watch(page, `yiwuke${vp.suffix}`);

  await visit(page, '/patients?q=zhang');
  await shoot(page, 'patients', vp);

  // 徐桂英 is registered twice in the demo (a deliberate duplicate): the record shows it, with the merge action.
  const id = await findPatient(ctx, '徐桂英');
  await visit(page, `/patients/${id}`);
  await shoot(page, 'patient-detail', vp);
  const merge = page.getByRole('button', { name: /^合\s*并$/ }).first();
  if (await merge.count()) {
    await merge.click();
    await page.waitForSelector('.ant-modal', { timeout: 5_000 }).catch(() => undefined);
    await shoot(page, 'patient-merge', vp, true);
  }

  // 编辑: the demographics in a drawer, the resident ID checked as on the create page (nothing is saved).
  await visit(page, `/patients/${id}`);
  await page.getByRole('button', { name: /编\s*辑/ }).first().click();
  await page.waitForSelector('.ant-drawer-open');
  await shoot(page, 'patient-edit', vp, true);

  await visit(page, '/patients/new');
  await page.getByLabel('身份证号').fill(makeResidentId('330521', '1980-05-12', 'female', 7).slice(0, 17) + 'X');
  await shoot(page, 'patient-new-invalid', vp);
  await page.getByLabel('身份证号').fill(makeResidentId('330521', '1980-05-12', 'female', 7));
  await page.getByLabel('姓名').fill('沈丽华');
  await shoot(page, 'patient-new', vp);

  // Same name, birth date and sex as a resident on file: the server answers likely_duplicate with the candidates.
  await visit(page, '/patients/new');
  await page.getByLabel('姓名').fill('朱金根');
  await page.getByText('男', { exact: true }).click();
  await page.getByLabel('出生日期').fill('1952-01-17');
  await page.getByLabel('出生日期').press('Enter'); // commits the date (and may submit the form)
  await page.waitForTimeout(300);
  if (!(await page.locator('.ant-modal').count())) await page.getByRole('button', { name: /建\s*档/ }).click();
  await page.waitForSelector('.ant-modal', { timeout: 10_000 }).catch(() => undefined);
  await shoot(page, 'patient-duplicate', vp, true);
  await ctx.close();
}

interface Seeded { direct: string; patientId: string }
let seeded: Seeded | null = null;

/** Posts a text (or file) message as the signed-in user of `ctx`; returns its id. */
async function say(ctx: BrowserContext, threadId: string, msg: { body?: string; kind?: string; fileId?: string; replyTo?: number }): Promise<number> {
  const r = await ctx.request.post(`${BASE}/api/v1/threads/${threadId}/messages`, { data: { kind: 'text', ...msg, clientId: crypto.randomUUID() } });
  if (!r.ok()) throw new Error(`message: ${r.status()} ${await r.text()}`);
  return ((await r.json()) as { message: { id: number } }).message.id;
}

async function upload(ctx: BrowserContext, name: string, mimeType: string, buffer: Buffer): Promise<string> {
  const r = await ctx.request.post(`${BASE}/api/v1/files`, { multipart: { file: { name, mimeType, buffer } } });
  if (!r.ok()) throw new Error(`upload: ${r.status()} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
}

/** A flow-volume loop as a spirometer prints it (the picture xiangyi sends), drawn on a canvas. */
async function spirometryPng(page: Page): Promise<Buffer> {
  const url = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 480; c.height = 320;
    const g = c.getContext('2d')!;
    g.fillStyle = '#fff'; g.fillRect(0, 0, 480, 320);
    g.strokeStyle = '#e3e8ef'; g.lineWidth = 1;
    for (let x = 50; x <= 450; x += 40) { g.beginPath(); g.moveTo(x, 30); g.lineTo(x, 280); g.stroke(); }
    for (let y = 30; y <= 280; y += 25) { g.beginPath(); g.moveTo(50, y); g.lineTo(450, y); g.stroke(); }
    g.strokeStyle = '#8c8c8c'; g.beginPath(); g.moveTo(50, 30); g.lineTo(50, 280); g.lineTo(450, 280); g.stroke();
    g.beginPath(); g.moveTo(50, 205); g.lineTo(450, 205); g.setLineDash([4, 4]); g.stroke(); g.setLineDash([]);
    // Predicted (dashed grey) and measured (blue, scooped: obstruction).
    g.strokeStyle = '#bfbfbf'; g.lineWidth = 2; g.setLineDash([6, 4]); g.beginPath(); g.moveTo(60, 205);
    g.quadraticCurveTo(80, 40, 130, 50); g.lineTo(330, 205); g.stroke(); g.setLineDash([]);
    g.strokeStyle = '#0f6fbf'; g.lineWidth = 3; g.beginPath(); g.moveTo(60, 205);
    g.quadraticCurveTo(75, 80, 105, 92); g.bezierCurveTo(150, 170, 220, 195, 290, 205);
    g.bezierCurveTo(250, 250, 120, 255, 60, 205); g.stroke();
    g.fillStyle = '#262626'; g.font = '15px sans-serif'; g.fillText('流量-容积曲线', 60, 22);
    g.fillStyle = '#8c8c8c'; g.font = '12px sans-serif';
    g.fillText('流量 L/s', 6, 40); g.fillText('容积 L', 410, 300);
    g.fillStyle = '#0f6fbf'; g.fillText('FEV1/FVC 58%', 330, 70); g.fillText('FEV1 1.42 L（预计值 61%）', 300, 90);
    return c.toDataURL('image/png');
  });
  return Buffer.from(url.split(',')[1]!, 'base64');
}

const SAMPLE_PDF = Buffer.from(`%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj
4 0 obj<</Length 60>>stream
BT /F1 18 Tf 72 760 Td (Spirometry report - FEV1/FVC 0.58) Tj ET
endstream endobj
5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj
trailer<</Root 1 0 R>>
%%EOF
`);

/**
 * A sample of messaging, posted once: doctor and xiangyi discuss a COPD patient (text, a reply, a picture, a PDF, a
 * voice note recorded from the fake microphone), a patient discussion with the department head, and two more
 * people writing to xiangyi so her notification centre has something to show.
 */
async function seedMessaging(browser: Browser): Promise<Seeded> {
  if (seeded) return seeded;
  const vp = VIEWPORTS[0]!;
  const as = async (username: string) => { const c = await newContext(browser, vp); await signIn(c, username); return c; };
  const [doctor, xiangyi, zhuren, huizhen] = [await as('doctor'), await as('xiangyi'), await as('zhuren'), await as('huizhen')];
  const idOf = async (c: BrowserContext) => ((await (await c.request.get(`${BASE}/api/v1/auth/me`)).json()) as { userId: string }).userId;
  const [xiangyiId, zhurenId] = [await idOf(xiangyi), await idOf(zhuren)];
  const open = async (c: BrowserContext, data: object) => {
    const r = await c.request.post(`${BASE}/api/v1/threads`, { data });
    if (!r.ok()) throw new Error(`thread: ${r.status()} ${await r.text()}`);
    return (await r.json()) as { id: string; lastMessage: unknown };
  };
  const direct = await open(doctor, { kind: 'direct', userIds: [xiangyiId] });
  const patientId = await findPatient(doctor, 'zhang');
  if (!direct.lastMessage) {
    const page = await doctor.newPage();
    await page.goto(`${BASE}/login`);
    const picture = await upload(xiangyi, '流量-容积曲线.png', 'image/png', await spirometryPng(page));
    const report = await upload(xiangyi, '肺功能报告.pdf', 'application/pdf', SAMPLE_PDF);
    await say(xiangyi, direct.id, { body: '陆主任您好，我这里有位慢阻肺的老病人，近一周气喘加重，活动后明显，想请您帮忙看一下。' });
    await say(xiangyi, direct.id, { kind: 'image', fileId: picture });
    await say(doctor, direct.id, { body: '收到。FEV1/FVC 多少？最近有没有发热、咳黄痰？' });
    const fev = await say(xiangyi, direct.id, { body: 'FEV1/FVC 0.58，没有发热，痰比平时多，偏黄。' });
    await say(xiangyi, direct.id, { kind: 'file', fileId: report, body: '肺功能报告.pdf' });
    await say(doctor, direct.id, { body: '考虑慢阻肺急性加重。先加用短效支气管扩张剂雾化，查血常规和 CRP，必要时加口服激素。', replyTo: fev });
    // A voice note, recorded in the browser from Chromium's fake microphone, uploaded and posted like the app does.
    await page.evaluate(async (threadId) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const rec = new MediaRecorder(stream, { mimeType: 'audio/webm;codecs=opus' });
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      const done = new Promise((r) => { rec.onstop = r; });
      rec.start(); await new Promise((r) => setTimeout(r, 3000)); rec.stop(); await done;
      stream.getTracks().forEach((t) => t.stop());
      const form = new FormData();
      form.append('file', new File(chunks, 'voice.webm', { type: 'audio/webm' }));
      const file = (await (await fetch('/api/v1/files', { method: 'POST', body: form })).json()) as { id: string };
      await fetch(`/api/v1/threads/${threadId}/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'voice', fileId: file.id, clientId: crypto.randomUUID() }) });
    }, direct.id);
    await page.close();
    const last = await say(doctor, direct.id, { body: '如果 48 小时内还不缓解，直接转到我们科，我来安排床位。' });
    await xiangyi.request.post(`${BASE}/api/v1/threads/${direct.id}/read`, { data: { messageId: last } });
    const thanks = await say(xiangyi, direct.id, { body: '好的，谢谢陆主任！有变化我随时联系您。' });
    await doctor.request.post(`${BASE}/api/v1/threads/${direct.id}/read`, { data: { messageId: thanks } });

    const name = ((await (await doctor.request.get(`${BASE}/api/v1/patients/${patientId}`)).json()) as { name: string }).name;
    // As the record page titles it: the name masked (thread titles reach e-mail/SMS notifications).
    const pt = await open(doctor, { kind: 'case', caseType: 'patient', caseId: patientId, title: `患者讨论：${name.slice(0, 1)}${'*'.repeat(name.length - 1)}`, userIds: [xiangyiId, zhurenId] });
    await say(doctor, pt.id, { body: '这位患者上周在新市镇卫生院就诊，慢阻肺急性加重，已雾化治疗，今天复诊。' });
    await say(xiangyi, pt.id, { body: '今天气喘较前缓解，静息 SpO2 95%，心率 108 次/分。' });
    const ecg = await say(zhuren, pt.id, { body: '心率偏快，心电图提示窦性心动过速。建议同时评估心功能，排除合并心衰。' });
    await say(doctor, pt.id, { body: '同意，已开 BNP 和心脏彩超，结果出来发在这里。', replyTo: ecg });
    await say(zhuren, (await open(zhuren, { kind: 'direct', userIds: [xiangyiId] })).id, { body: '钱医生，下周三下午的心内科联合门诊请准时参加。' });
    await say(huizhen, (await open(huizhen, { kind: 'direct', userIds: [xiangyiId] })).id, { body: '您提交的远程会诊资料已收到，请补充近一个月的心电图。' });
  }
  for (const c of [doctor, xiangyi, zhuren, huizhen]) await c.close();
  seeded = { direct: direct.id, patientId };
  return seeded;
}

/** 消息: the doctor's message centre, the notification drawer (xiangyi), the patient discussion beside the record. */
async function asMessaging(browser: Browser, vp: Viewport) {
  if (only.size && !['messages', 'notifications', 'chat-panel'].some((n) => only.has(n))) return;
  const { direct, patientId } = await seedMessaging(browser);
  const doctor = await newContext(browser, vp);
  await signIn(doctor, 'doctor');
  const page = await doctor.newPage();
  watch(page, `doctor-messages${vp.suffix}`);
  await visit(page, `/messages/${direct}`);
  await page.waitForSelector('.yl-chat-row audio', { timeout: 10_000 }).catch(() => problems.push('messages: the voice note is missing'));
  await page.waitForFunction(() => [...document.querySelectorAll('.yl-chat-bubble img')].every((i) => (i as HTMLImageElement).complete), undefined, { timeout: 10_000 }).catch(() => undefined);
  // On a wide screen, start the view at the picture xiangyi sent (the newest messages follow below it).
  if (!vp.mobile) await page.locator('.yl-chat-bubble.media').first().evaluate((el) => el.closest('.yl-chat-row')!.scrollIntoView({ block: 'start' })).catch(() => undefined);
  await shoot(page, 'messages', vp, vp.mobile);

  await visit(page, `/patients/${patientId}`);
  await page.getByRole('button', { name: /患者讨论/ }).click();
  await page.waitForSelector('.ant-drawer-open .yl-chat-row', { timeout: 10_000 }).catch(() => problems.push('chat-panel: no messages in the drawer'));
  await shoot(page, 'chat-panel', vp, true);
  await doctor.close();

  const xiangyi = await newContext(browser, vp);
  await signIn(xiangyi, 'xiangyi');
  const p2 = await xiangyi.newPage();
  watch(p2, `xiangyi${vp.suffix}`);
  await visit(p2, '/');
  await p2.locator('.yl-bell').click();
  await p2.waitForSelector('.ant-drawer-open .yl-notif-item', { timeout: 10_000 }).catch(() => problems.push('notifications: the drawer is empty'));
  await shoot(p2, 'notifications', vp, true);
  await xiangyi.close();
}

async function asOthers(browser: Browser, vp: Viewport) {
  const ctx = await newContext(browser, vp);
  const page = await ctx.newPage();
  watch(page, `login${vp.suffix}`);
  await visit(page, '/login');
  await shoot(page, 'login', vp);

  // Sign in through the form: pick the demo account from the list, submit, land on the workbench.
  await page.locator(vp.mobile ? '.ant-card-hoverable' : 'tr.yl-demo-row', { hasText: 'patient' }).last().click();
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.waitForURL(`${BASE}/`, { timeout: 10_000 }).catch(() => problems.push(`login${vp.suffix}: the form did not lead to the workbench`));
  await visit(page, '/me');
  await shoot(page, 'my-record', vp);
  await ctx.close();

  // A doctor who practises at two institutions: the role switcher, in English.
  const en = await newContext(browser, vp, 'en-US');
  await signIn(en, 'doctor');
  const p2 = await en.newPage();
  watch(p2, `doctor-en${vp.suffix}`);
  await visit(p2, '/');
  await shoot(p2, 'workbench-en', vp);
  if (!vp.mobile) {
    // Switch to the second practising institution; the greeting card follows.
    await p2.locator('.ant-layout-header .ant-select').click();
    await p2.locator('.ant-select-item-option', { hasText: '德清县人民医院' }).click();
    await p2.waitForFunction(() => document.querySelector('main, .ant-layout-content')?.textContent?.includes('德清县人民医院'), undefined, { timeout: 10_000 })
      .catch(() => problems.push('doctor-en: switching the role did not reach the page'));
    await shoot(p2, 'role-switched-en', vp);
  }
  if (vp.mobile) {
    await p2.getByRole('button', { name: 'Menu' }).click();
    await p2.waitForSelector('.ant-drawer-open');
    await shoot(p2, 'menu-en', vp, true);
  }
  await en.close();
}

/**
 * 预约排班: the slot calendar and its booking dialog (doctor), today's appointments with the history drawer, the
 * schedules page with a weekly template (medical affairs), the quota report, and the patient's own appointments and
 * booking flow. Read-only: the dialog is opened, never confirmed.
 */
async function asScheduling(browser: Browser, vp: Viewport) {
  const names = ['sched-calendar', 'sched-booking', 'sched-appointments', 'sched-appointment', 'sched-resources', 'sched-template', 'sched-report', 'sched-mine', 'sched-book'];
  if (only.size && !names.some((n) => only.has(n))) return;
  const doctor = await newContext(browser, vp);
  await signIn(doctor, 'doctor');
  const page = await doctor.newPage();
  watch(page, `doctor-scheduling${vp.suffix}`);
  const me = (await (await doctor.request.get(`${BASE}/api/v1/auth/me`)).json()) as { practitionerId: string; role: { institutionId: string } };
  const { items } = (await (await doctor.request.get(`${BASE}/api/v1/scheduling/resources?institutionId=${me.role.institutionId}&kind=doctor`)).json()) as { items: { id: string; practitionerId: string | null }[] };
  const own = items.find((r) => r.practitionerId === me.practitionerId) ?? items[0];
  if (own) {
    await visit(page, `/scheduling/calendar?resourceId=${own.id}${vp.mobile ? '&view=day' : ''}`);
    await shoot(page, 'sched-calendar', vp);
    const free = page.locator('button.yl-slot.bookable').first();
    if (await free.count()) {
      await free.click();
      await page.waitForSelector('.ant-modal');
      await page.locator('.ant-modal .ant-select').click();
      await page.keyboard.type('fjx');
      await page.locator('.ant-select-item-option').first().waitFor({ timeout: 5_000 }).catch(() => undefined);
      await shoot(page, 'sched-booking', vp, true);
    }
  }
  await visit(page, '/scheduling/appointments');
  await shoot(page, 'sched-appointments', vp);
  const row = page.locator(vp.mobile ? '.yl-card-list .ant-card' : '.ant-table-row').first();
  if (await row.count()) {
    await row.click();
    await page.waitForSelector('.ant-drawer-open');
    await shoot(page, 'sched-appointment', vp, true);
  }
  await doctor.close();

  const office = await newContext(browser, vp);
  await signIn(office, 'yiwuke');
  const p2 = await office.newPage();
  watch(p2, `yiwuke-scheduling${vp.suffix}`);
  await visit(p2, '/scheduling/resources');
  await shoot(p2, 'sched-resources', vp);
  await p2.getByRole('button', { name: /^模\s*板$/ }).first().click();
  await p2.waitForSelector('.ant-drawer-open');
  await shoot(p2, 'sched-template', vp, true);
  await visit(p2, '/scheduling/report');
  await shoot(p2, 'sched-report', vp);
  await office.close();

  const patient = await newContext(browser, vp);
  await signIn(patient, 'patient');
  const p3 = await patient.newPage();
  watch(p3, `patient-scheduling${vp.suffix}`);
  await visit(p3, '/scheduling/mine');
  await shoot(p3, 'sched-mine', vp);
  await visit(p3, '/scheduling/book');
  await p3.locator('.yl-card-list .ant-card').first().click().catch(() => undefined);
  await shoot(p3, 'sched-book', vp);
  await patient.close();
}

/**
 * 健康档案: the doctor's view of 费建新's record (timeline, an abnormal entry, a corrected entry's versions, labs with
 * the trend, documents, the add-diagnosis form with the ICD-10 picker, consents), a record without care relationship
 * (refusal with consent and break-glass), the patient's own record, consents and access log, and the admin pages
 * (break-glass report, API clients). Writes: one break-glass grant for the doctor, one API client (its secret shown).
 */
/** A patient whose record the signed-in doctor may not read yet (no care relationship, consent or break-glass). */
async function findUnrelated(ctx: BrowserContext, q: string): Promise<string> {
  const r = await ctx.request.get(`${BASE}/api/v1/patients?q=${encodeURIComponent(q)}&limit=50`);
  for (const p of ((await r.json()) as { items: { id: string }[] }).items) {
    const a = (await (await ctx.request.get(`${BASE}/api/v1/patients/${p.id}/record/access`)).json()) as { allowed: boolean };
    if (!a.allowed) return p.id;
  }
  throw new Error(`no patient without access for ${q}`);
}

async function asRecord(browser: Browser, vp: Viewport) {
  const names = ['record-timeline', 'record-entry', 'record-versions', 'record-labs', 'record-documents', 'record-add-diagnosis', 'record-add-lab',
    'record-consents', 'record-denied', 'record-break-glass', 'record-break-glass-banner', 'record-mine', 'record-mine-consents', 'record-mine-log',
    'break-glass-report', 'api-clients', 'api-clients-created', 'record-timeline-en'];
  if (only.size && !names.some((n) => only.has(n))) return;
  const doctor = await newContext(browser, vp);
  await signIn(doctor, 'doctor');
  const page = await doctor.newPage();
  watch(page, `doctor-record${vp.suffix}`);
  const id = await findPatient(doctor, 'fjx');
  await visit(page, `/patients/${id}/record`);
  await shoot(page, 'record-timeline', vp);
  const abnormal = page.locator('.yl-tl-entry.abnormal').first();
  if (await abnormal.count()) {
    await abnormal.click();
    await page.waitForSelector('.ant-drawer-open');
    await shoot(page, 'record-entry', vp, true);
    await page.keyboard.press('Escape');
  }
  const corrected = page.locator('.yl-tl-entry', { hasText: /已更正/ }).first();
  if (await corrected.count()) {
    await corrected.click();
    await page.waitForSelector('.ant-drawer-open .yl-version');
    await page.locator('.ant-drawer-open .yl-version').first().scrollIntoViewIfNeeded();
    await shoot(page, 'record-versions', vp, true);
    await page.keyboard.press('Escape');
  }
  await page.getByRole('tab', { name: '检验' }).click();
  await page.waitForSelector('canvas', { timeout: 10_000 }).catch(() => undefined);
  await shoot(page, 'record-labs', vp);
  await page.getByRole('tab', { name: '文书' }).click();
  await shoot(page, 'record-documents', vp);
  await page.getByRole('button', { name: /新\s*增/ }).first().click();
  await page.getByRole('menuitem', { name: '诊断' }).click();
  await page.waitForSelector('.ant-drawer-open');
  await page.locator('.ant-drawer-open .ant-select').first().click();
  await page.keyboard.type('gxy');
  await page.locator('.ant-select-item-option').first().waitFor({ timeout: 5_000 }).catch(() => undefined);
  await shoot(page, 'record-add-diagnosis', vp, true);
  await page.keyboard.press('Escape');
  await visit(page, `/patients/${id}/record`);
  await page.getByRole('button', { name: /新\s*增/ }).first().click();
  await page.getByRole('menuitem', { name: '检验结果' }).click();
  await page.waitForSelector('.ant-drawer-open');
  await page.locator('.ant-drawer-open .yl-lab-row .ant-select').first().click();
  await page.keyboard.type('GLU');
  await page.locator('.ant-select-item-option').first().click({ timeout: 5_000 }).catch(() => undefined);
  await page.locator('.ant-drawer-open .yl-lab-row input[inputmode=decimal]').first().fill('7.6');
  await shoot(page, 'record-add-lab', vp, true);
  await visit(page, `/patients/${id}/consents`);
  await shoot(page, 'record-consents', vp);
  // A resident the city hospital has never seen: refused, with the two ways in.
  const other = await findUnrelated(doctor, vp.mobile ? 'wang' : 'zhang');
  await visit(page, `/patients/${other}/record`);
  await shoot(page, 'record-denied', vp);
  await page.getByRole('button', { name: /紧急访问/ }).click();
  await page.waitForSelector('.ant-modal');
  await page.locator('.ant-modal textarea').fill('患者昏迷急诊入院，需查阅既往病史及过敏史');
  await shoot(page, 'record-break-glass', vp, true);
  await page.getByRole('button', { name: /确认紧急访问/ }).click();
  await page.waitForSelector('.ant-alert-error', { timeout: 10_000 }).catch(() => undefined);
  await shoot(page, 'record-break-glass-banner', vp);
  await doctor.close();

  const en = await newContext(browser, vp, 'en-US');
  await signIn(en, 'xiangyi');
  const pe = await en.newPage();
  watch(pe, `xiangyi-record-en${vp.suffix}`);
  await visit(pe, `/patients/${id}/record`);
  await shoot(pe, 'record-timeline-en', vp);
  await en.close();

  const patient = await newContext(browser, vp);
  await signIn(patient, 'patient');
  const p2 = await patient.newPage();
  watch(p2, `patient-record${vp.suffix}`);
  await visit(p2, '/me/record');
  await shoot(p2, 'record-mine', vp);
  await p2.getByText('我的授权').click();
  await shoot(p2, 'record-mine-consents', vp);
  await p2.getByText('谁看过我的档案').click();
  await shoot(p2, 'record-mine-log', vp);
  await patient.close();

  const office = await newContext(browser, vp);
  await signIn(office, 'yiwuke');
  const p3 = await office.newPage();
  watch(p3, `yiwuke-record${vp.suffix}`);
  await visit(p3, '/admin/break-glass');
  await shoot(p3, 'break-glass-report', vp);
  await visit(p3, '/admin/api-clients');
  await shoot(p3, 'api-clients', vp);
  await p3.getByRole('button', { name: /新建客户端/ }).click();
  await p3.waitForSelector('.ant-modal');
  await p3.locator('.ant-modal input#name').fill(`检验科 LIS 接口${vp.suffix}`);
  await p3.getByRole('button', { name: /创\s*建/ }).click();
  await p3.waitForSelector('.yl-secret', { timeout: 10_000 }).catch(() => undefined);
  await shoot(p3, 'api-clients-created', vp);
  await office.close();
}

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    // The sample voice note is recorded from Chromium's fake microphone.
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
});
try {
  for (const vp of VIEWPORTS) {
    await asMessaging(browser, vp);
    await asOthers(browser, vp);
    await asMedicalAffairs(browser, vp); // before the admin, so the audit log has patient reads to show
    await asAdmin(browser, vp);
    await asScheduling(browser, vp);
    await asRecord(browser, vp);
  }
} finally {
  await browser.close();
}
const unexpected = [...new Set(problems)].filter((p) => !EXPECTED.some((re) => re.test(p)));
if (unexpected.length) {
  console.log(`\n${unexpected.length} problem(s) seen in the browser:`);
  for (const p of unexpected) console.log(' -', p);
  process.exitCode = 1;
} else console.log('no unexpected errors in the browser');
