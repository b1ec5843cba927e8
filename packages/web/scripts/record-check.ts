/**
 * Walks the shared-record flows in Chromium against a running server with the demo data, and saves what it sees:
 * a doctor without care relationship is told why consent cannot be recorded there; where the institution cares for
 * the patient a relative's consent is recorded with a scanned form (a .txt is refused) and withdrawn; a correction made stale by someone else shows the reload hint (409 version_conflict);
 * break-glass refuses a reason under 4 characters. Writes to the demo database.
 *
 *   BASE_URL=http://localhost:8080 OUT=/tmp/shots node --import tsx packages/web/scripts/record-check.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const BASE = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const OUT = process.env.OUT ?? join(tmpdir(), 'record-check');
const width = Number(process.env.WIDTH ?? 375);
mkdirSync(OUT, { recursive: true });
const failures: string[] = [];
const check = (ok: boolean, what: string) => { console.log(ok ? 'ok  ' : 'FAIL', what); if (!ok) failures.push(what); };

async function signedIn(username: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 2, isMobile: width < 768, hasTouch: width < 768, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const r = await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username, password: 'Yilian@2026' } });
  if (!r.ok()) throw new Error(`sign-in ${username}: ${r.status()}`);
  return { ctx, page: await ctx.newPage() };
}
const visible = (page: Page, text: string | RegExp) => page.getByText(text).first().waitFor({ timeout: 8000 }).then(() => true, () => false);
const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`) });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const { ctx, page } = await signedIn('doctor');
  // A patient the city hospital has no relationship with.
  const list = (await (await ctx.request.get(`${BASE}/api/v1/patients?q=li&limit=50`)).json()) as { items: { id: string }[] };
  let pid = '';
  for (const p of list.items) {
    const a = (await (await ctx.request.get(`${BASE}/api/v1/patients/${p.id}/record/access`)).json()) as { allowed: boolean };
    if (!a.allowed) { pid = p.id; break; }
  }
  check(!!pid, 'found a patient without access');
  // From the refusal the doctor may try to record consent; the server accepts it only where the institution already cares.
  await page.goto(`${BASE}/patients/${pid}/record`);
  await page.getByRole('button', { name: /登记授权同意/ }).click();
  await page.waitForSelector('.ant-modal');
  check(await page.locator('.ant-modal input[type=file]').count() === 0, 'no scan upload from the refusal (it would open the record by itself)');
  await page.getByRole('button', { name: /^登\s*记$/ }).click();
  check(await visible(page, /只有与患者有诊疗关系的机构/), 'consent without care relationship: the server’s reason is shown');
  await shot(page, 'check-consent-refused');

  // Where the institution cares for the patient: a relative's consent with the scanned form.
  const fjx = ((await (await ctx.request.get(`${BASE}/api/v1/patients?q=fjx`)).json()) as { items: { id: string }[] }).items[0]!.id;
  await page.goto(`${BASE}/patients/${fjx}/consents`);
  await page.getByRole('button', { name: /登记授权同意/ }).click();
  await page.waitForSelector('.ant-modal');
  const txt = join(OUT, 'note.txt'); writeFileSync(txt, 'not a scan');
  await page.locator('.ant-modal input[type=file]').setInputFiles(txt);
  check(await visible(page, /格式不支持/), 'a .txt scan is refused with a clear message');
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await page.locator('.ant-modal input[type=file]').setInputFiles({ name: '同意书.png', mimeType: 'image/png', buffer: png });
  await page.getByText('家属', { exact: true }).click();
  await page.getByLabel('家属姓名').fill('费丽');
  await page.getByLabel('关系').click();
  await page.locator('.ant-select-item-option', { hasText: '子女' }).click();
  await shot(page, 'check-consent-form');
  await page.getByRole('button', { name: /^登\s*记$/ }).click();
  check(await visible(page, '签署人：费丽（子女）'), 'the consent is listed, signed by the relative');
  check(await visible(page, '查看签字同意书'), 'the scanned form is linked');
  await shot(page, 'check-consents');
  await page.getByRole('button', { name: /撤\s*回/ }).first().click();
  await page.locator('.ant-modal textarea').fill('患者要求撤回');
  await page.locator('.ant-modal').getByRole('button', { name: /撤\s*回/ }).click();
  await page.waitForSelector('.ant-tag:has-text("已撤回")', { timeout: 10_000 }).catch(() => undefined);
  check(await page.locator('.ant-tag', { hasText: '已撤回' }).first().isVisible(), 'withdrawn consent shows 已撤回');
  await shot(page, 'check-consent-revoked');

  // Break-glass needs a real reason.
  await page.goto(`${BASE}/patients/${pid}/record`);
  await page.getByRole('button', { name: /紧急访问/ }).click();
  await page.locator('.ant-modal textarea').fill('急');
  await page.getByRole('button', { name: /确认紧急访问/ }).click();
  check(await visible(page, '理由至少4个字'), 'break-glass refuses a reason under 4 characters');
  await shot(page, 'check-break-glass-short');

  // A stale correction: open the form, someone else corrects first, then save.
  const med = await (await ctx.request.post(`${BASE}/api/v1/patients/${fjx}/medications`, { data: { drug: '二甲双胍片 0.5g', dose: '0.5 g', route: '口服', frequency: 'bid', days: 30, authoredAt: new Date().toISOString() } })).json() as { id: string };
  await page.goto(`${BASE}/patients/${fjx}/record`);
  await page.locator('.yl-tl-entry', { hasText: '二甲双胍片 0.5g' }).first().click();
  await page.locator('.ant-drawer-open').getByRole('button', { name: /更\s*正/ }).click();
  await page.waitForSelector('.ant-drawer-open .ant-form');
  await ctx.request.post(`${BASE}/api/v1/record/medications/${med.id}/versions`, { data: { drug: '二甲双胍片 0.5g', dose: '1 g', route: '口服', frequency: 'bid', days: 30, authoredAt: new Date().toISOString(), version: 1 } });
  await page.getByLabel('单次剂量').fill('0.85 g');
  await page.getByRole('button', { name: /保存更正/ }).click();
  check(await visible(page, /该条目已被他人更正/), 'a stale correction shows the reload hint');
  await shot(page, 'check-correction-conflict');
  await ctx.close();

  // The medical affairs office reviews an emergency access.
  const office = await signedIn('yiwuke');
  await office.page.goto(`${BASE}/admin/break-glass`);
  const before = await office.page.locator('.ant-tag', { hasText: '已复核' }).count();
  await office.page.getByRole('button', { name: /复\s*核/ }).first().click();
  await office.page.locator('.ant-modal textarea').fill('急诊抢救需要，理由属实');
  await office.page.getByRole('button', { name: /确认复核/ }).click();
  await office.page.waitForTimeout(1500);
  check(await office.page.locator('.ant-tag', { hasText: '已复核' }).count() > before, 'a reviewed emergency access shows 已复核 with the note');
  await shot(office.page, 'check-break-glass-reviewed');
  await office.ctx.close();
} finally {
  await browser.close();
}
console.log(failures.length ? `${failures.length} check(s) failed` : 'all record checks passed');
process.exitCode = failures.length ? 1 : 0;
