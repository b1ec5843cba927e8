import { chromium } from 'playwright-core';
const BASE = 'http://localhost:8186';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [w, h, s, name] of [[1366, 800, 1, 'd'], [390, 844, 2, 'p']] as const) {
  const ctx = await browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: s, isMobile: name === 'p', hasTouch: name === 'p', locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username: process.argv[2] ?? 'xiangyi', password: 'Yilian@2026' } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log('console', m.text().slice(0, 200)); });
  const threads = (await (await ctx.request.get(`${BASE}/api/v1/threads`)).json()) as { items: { id: string }[] };
  await page.goto(`${BASE}/messages`); await page.waitForTimeout(1200);
  await page.screenshot({ path: `/tmp/shots/${name}-list.png` });
  await page.goto(`${BASE}/messages/${threads.items[0]!.id}`); await page.waitForTimeout(1500);
  await page.screenshot({ path: `/tmp/shots/${name}-conv.png` });
  await page.goto(`${BASE}/`); await page.waitForTimeout(1200);
  await page.screenshot({ path: `/tmp/shots/${name}-home.png`, fullPage: true });
  await page.locator('.yl-bell').click(); await page.waitForTimeout(800);
  await page.screenshot({ path: `/tmp/shots/${name}-bell.png` });
  await ctx.close();
}
await browser.close();
