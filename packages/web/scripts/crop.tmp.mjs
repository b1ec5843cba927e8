// temp helper (not committed): crop a PNG via Chromium. usage: node crop.mjs in.png out.png y h
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
const [inp, out, y, h] = process.argv.slice(2);
writeFileSync('/tmp/crops/view.html', `<html><body style="margin:0"><img id=i src="file://${inp}"></body></html>`);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'] });
const p = await b.newPage({ viewport: { width: 800, height: 800 }, deviceScaleFactor: 1 });
await p.goto('file:///tmp/crops/view.html');
const w = await p.evaluate(() => document.images[0].naturalWidth);
await p.setViewportSize({ width: w, height: 800 });
await p.screenshot({ path: out, clip: { x: 0, y: Number(y), width: w, height: Number(h) }, fullPage: true });
await b.close();
