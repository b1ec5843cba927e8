import { defineConfig } from 'vitest/config';

// The suite runs once per database: PGlite always, PostgreSQL when TEST_DATABASE_URL is set (CI sets it).
const projects = [{ extends: true, test: { name: 'pglite', env: { YL_TEST_DB: 'pglite' } } }];
if (process.env.TEST_DATABASE_URL) projects.push({ extends: true, test: { name: 'postgres', env: { YL_TEST_DB: 'postgres' } } });

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    projects,
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
