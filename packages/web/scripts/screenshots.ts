/**
 * Screenshots of every page at desktop (1366x800) and phone (390x844) width, signed in as the demo users, against a
 * running server with the demo consortium. Writes docs/screenshots/<page>.png and <page>-phone.png.
 *
 *   BASE_URL=http://localhost:8080 node --import tsx packages/web/scripts/screenshots.ts [only-these-names…]
 *
 * CHROMIUM_PATH overrides /usr/bin/chromium. Read-only except: a TOTP secret is generated (not enabled) for the
 * admin account to show the QR code, and an import is checked with dryRun only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeResidentId } from '@yilian/core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const BASE = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const OUT = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const PASSWORD = process.env.DEMO_PASSWORD ?? 'Yilian@2026';
const only = new Set(process.argv.slice(2));

interface Viewport { suffix: string; width: number; height: number; scale: number; mobile: boolean }
const VIEWPORTS: Viewport[] = [
  { suffix: '', width: 1366, height: 800, scale: 1, mobile: false },
  { suffix: '-phone', width: 390, height: 844, scale: 2, mobile: true },
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

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const vp of VIEWPORTS) {
    await asOthers(browser, vp);
    await asMedicalAffairs(browser, vp); // before the admin, so the audit log has patient reads to show
    await asAdmin(browser, vp);
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
