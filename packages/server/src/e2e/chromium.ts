/**
 * What the browser tests share: whether they run (PGlite pass only; under CI=true Chromium must be there — a missing
 * one fails the test, it never skips it), the built web app, and the app served on a free port with Chromium started.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig, type Config } from '../config.js';
import type { DbHandle } from '../db/database.js';
import { buildApp } from '../http/app.js';
import { dbKind } from '../test/harness.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(chromiumPath);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Browser tests run once, on the PGlite pass; in CI they run (and fail without Chromium) even if it is missing. */
export const runBrowserTests = dbKind === 'pglite' && (available || process.env.CI === 'true');

/** Refuses to go on without Chromium, and builds the web app if it has not been built. */
export function prepareBrowserTest() {
  if (!available) throw new Error(`Chromium not found at ${chromiumPath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  if (!existsSync(`${root}packages/web/dist/index.html`)) execFileSync('npm', ['run', 'build', '-w', '@yilian/web'], { cwd: root, stdio: 'ignore' });
}

/** The app on the given database, listening on a free local port, and a headless Chromium (plus `extraArgs`). */
export async function serveAndLaunch(handle: DbHandle, extraArgs: string[] = [], config: Partial<Config> = {}): Promise<{ app: FastifyInstance; base: string; browser: Browser }> {
  const app = await buildApp(handle, loadConfig({ logLevel: 'silent', ...config }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
  return { app, base, browser };
}
