import { defineConfig } from 'vitest/config';

// The suite runs once per database: PGlite always, PostgreSQL when TEST_DATABASE_URL is set (CI sets it). The
// browser tests (headless Chromium driving the app, on PGlite) run after those, one file at a time: each starts a
// server and a browser, and beside the database suites on two cores their waits turned into timeouts.
const ALL = 'packages/*/src/**/*.test.ts';
const BROWSER = 'packages/*/src/**/*.browser.test.ts';
const projects = [
  { extends: true, test: { name: 'pglite', include: [ALL], exclude: [BROWSER], env: { YL_TEST_DB: 'pglite' }, sequence: { groupOrder: 0 } } },
  { extends: true, test: { name: 'browser', include: [BROWSER], env: { YL_TEST_DB: 'pglite' }, maxWorkers: 1, sequence: { groupOrder: 1 } } },
];
if (process.env.TEST_DATABASE_URL)
  projects.push({ extends: true, test: { name: 'postgres', include: [ALL], exclude: [BROWSER], env: { YL_TEST_DB: 'postgres' }, sequence: { groupOrder: 0 } } });

export default defineConfig({
  test: {
    projects,
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
