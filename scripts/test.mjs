// `npm test`: runs the whole suite (on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set) and ends with
// the line "N passed, N failed". Under CI=true, PostgreSQL is required.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (process.env.CI === 'true' && !process.env.TEST_DATABASE_URL) {
  console.error('CI=true but TEST_DATABASE_URL is not set: the suite must also run on PostgreSQL.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const out = join(mkdtempSync(join(tmpdir(), 'yl-test-')), 'results.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const r = spawnSync('npx', args, { stdio: 'inherit', env: process.env });
let passed = 0, failed = 0;
if (existsSync(out)) {
  const json = JSON.parse(readFileSync(out, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0) + json.testResults.filter((t) => t.status === 'failed' && !t.assertionResults.length).length;
} else failed = 1;
if (passed + failed === 0) failed = 1; // a run that executes no test is a failure
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || r.status ? 1 : 0);
