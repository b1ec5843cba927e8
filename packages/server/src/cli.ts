/** Command-line tasks: `seed` (demo consortium), `audit:verify` (check the audit hash chain). */
import { mkdirSync } from 'node:fs';
import { setAuditChains, verifyAuditChain } from './audit/audit.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openFileStore } from './files/store.js';
import { ensureDemoData } from './seed/demo.js';

const [command] = process.argv.slice(2);
const config = loadConfig();
setAuditChains(config.auditChains);
if (!config.databaseUrl) mkdirSync(config.dataDir, { recursive: true });
const handle = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir });
let code = 0;
try {
  await migrate(handle.db);
  switch (command) {
    case 'seed': {
      const r = await ensureDemoData(handle.db, openFileStore(config));
      console.log(r ? `demo consortium created: ${JSON.stringify(r)}` : 'demo data already present; nothing to do');
      break;
    }
    case 'audit:verify': {
      const r = await verifyAuditChain(handle.db);
      const b = r.firstBroken;
      if (r.ok) console.log(`audit chain intact: ${r.checked} entries verified in ${r.chains} chain(s)`);
      else {
        console.error(`audit chain BROKEN at entry ${b!.chainSeq} of chain ${b!.chain}${b!.seq ? ` (log entry ${b!.seq})` : ''}: ${b!.reason} (${r.checked} entries verified before it)`);
        code = 1;
      }
      break;
    }
    default:
      console.error('usage: cli.ts seed | audit:verify'); code = 2;
  }
} finally {
  await handle.close();
}
process.exit(code);
