/** Command-line tasks: `seed` (demo consortium), `audit:verify [--heads FILE]` (check the audit hash chains), `audit:heads` (print each chain's last entry). */
import { mkdirSync, readFileSync } from 'node:fs';
import { auditHeads, setAuditChains, verifyAuditChain, type ChainHead } from './audit/audit.js';
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
      // --heads FILE: heads saved earlier by audit:heads (their JSON, as printed).
      const file = process.argv[process.argv.indexOf('--heads') + 1];
      const heads = process.argv.includes('--heads') && file ? (JSON.parse(readFileSync(file, 'utf8')) as { heads: ChainHead[] }).heads : undefined;
      const r = await verifyAuditChain(handle.db, { heads });
      const b = r.firstBroken;
      if (r.ok) console.log(`audit chain intact: ${r.checked} entries verified in ${r.chains} chain(s)${heads ? `; the ${heads.length} saved head(s) are in place` : ''}`);
      else {
        console.error(`audit chain BROKEN at entry ${b!.chainSeq} of chain ${b!.chain}${b!.seq ? ` (log entry ${b!.seq})` : ''}: ${b!.reason} (${r.checked} entries verified before it)`);
        code = 1;
      }
      break;
    }
    case 'audit:heads': {
      console.log(JSON.stringify({ at: new Date().toISOString(), heads: await auditHeads(handle.db) }));
      break;
    }
    default:
      console.error('usage: cli.ts seed | audit:verify [--heads FILE] | audit:heads'); code = 2;
  }
} finally {
  await handle.close();
}
process.exit(code);
