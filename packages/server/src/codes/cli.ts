/**
 * `npm run codes:import -- FILE [--system icd10-cn-clinical-2.0] [--version 2.0]`: loads an official code file
 * (.xlsx or .csv) into the database the server uses (DATABASE_URL, or the embedded one in DATA_DIR). Prints the
 * counts and the first refused rows; exit 1 when nothing could be loaded.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '@yilian/core';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { ensureCodeData } from './codes.js';
import { importCodeFile } from './import.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { system: { type: 'string' }, version: { type: 'string' } } });
const [file] = positionals;
if (!file) {
  console.error('usage: npm run codes:import -- FILE.xlsx|FILE.csv [--system icd10-cn-clinical-2.0] [--version 2.0]');
  process.exit(2);
}
const config = loadConfig();
if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true });
const handle = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir });
let code = 0;
try {
  await migrate(handle.db);
  await ensureCodeData(handle.db);
  const actor = { userId: null, username: 'cli:codes:import', role: null, institutionId: null, ip: null };
  const r = await importCodeFile(handle.db, actor, readFileSync(file), { filename: basename(file), system: values.system, version: values.version });
  console.log(`${r.system}${r.version ? ` (${r.version})` : ''}: ${r.read} rows read, ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.refusedCount} refused`);
  for (const x of r.refused.slice(0, 20)) console.log(`  row ${x.row}: ${x.code || '(blank)'} — ${x.zh} / ${x.en}`);
  if (r.refusedCount > 20) console.log(`  … and ${r.refusedCount - 20} more refused rows`);
  if (r.read > 0 && r.added + r.updated + r.unchanged === 0) code = 1;
} catch (e) {
  if (!(e instanceof AppError)) throw e;
  console.error(`${e.zh} / ${e.en}`);
  code = 1;
} finally {
  await handle.close();
}
process.exit(code);
