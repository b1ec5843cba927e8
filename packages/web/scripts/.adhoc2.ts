import { chromium } from 'playwright-core';
const BASE = 'http://localhost:8186';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [w, h, s, name, user] of [[1366, 800, 1, 'd', 'doctor'], [390, 844, 2, 'p', 'admin']] as const) {
  const ctx = await browser.newContext({ viewport: { width: w, height: h }, deviceScaleFactor: s, isMobile: name === 'p', hasTouch: name === 'p', locale: 'en-US', timezoneId: 'Asia/Shanghai' });
  await ctx.addInitScript(() => localStorage.setItem('yilian.lang', 'en-US'));
  await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username: user, password: 'Yilian@2026' } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log('console', m.text().slice(0, 200)); });
  await page.goto(`${BASE}/messages`); await page.waitForTimeout(1200);
  await page.screenshot({ path: `/tmp/shots/en-${name}-list.png` });
  await page.getByRole('button', { name: /New conversation/ }).click();
  await page.waitForTimeout(500);
  await page.locator('.ant-modal .ant-select').click();
  await page.keyboard.type(name === 'p' ? 'qian' : 'qianwei');
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `/tmp/shots/en-${name}-new.png` });
  await ctx.close();
}
await browser.close();
