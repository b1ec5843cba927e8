import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const ctx = await b.newContext({ viewport: { width: 1366, height: 800 } });
await ctx.request.post('http://localhost:8182/api/v1/auth/login', { data: { username: 'admin', password: 'Yilian@2026' } });
const p = await ctx.newPage();
await p.goto('http://localhost:8182/directory/experts'); await p.waitForTimeout(2000);
console.log(await p.evaluate(() => { const s = document.querySelector('.ant-layout-sider') as HTMLElement; const cs = getComputedStyle(s); return { bg: cs.backgroundColor, kids: getComputedStyle(s.firstElementChild!).backgroundColor, kidsH: (s.firstElementChild as HTMLElement).offsetHeight, h: s.offsetHeight, pos: cs.position, align: getComputedStyle(s.parentElement!).alignItems, parentH: s.parentElement!.offsetHeight, maxh: cs.maxHeight, height: cs.height, style: s.getAttribute('style') }; }));
await p.screenshot({ path: '/tmp/crops/probe.png', fullPage: true }); await b.close();
