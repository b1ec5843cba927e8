/** Starts Yilian: opens the database (embedded PGlite in DATA_DIR, or DATABASE_URL), migrates, seeds the demo, listens. */
import { mkdirSync } from 'node:fs';
import { ensureCodeData } from './codes/codes.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { ensureDemoData } from './seed/demo.js';

const config = loadConfig();
if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true });
const handle = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir });
await migrate(handle.db);
await ensureCodeData(handle.db);
const app = await buildApp(handle, config);
if (config.seedDemo) {
  const seeded = await ensureDemoData(handle.db, app.files);
  if (seeded) app.log.info(seeded, 'demo consortium created');
}
const close = async () => { await app.close(); await handle.close(); process.exit(0); };
process.on('SIGINT', close);
process.on('SIGTERM', close);
await app.listen({ port: config.port, host: config.host });
app.log.info(`Yilian 医联 is up: http://localhost:${config.port}  (database: ${handle.kind}${handle.kind === 'pglite' ? ` in ${config.dataDir}` : ''})`);
