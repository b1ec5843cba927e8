/** `npm run bench -- NAME [args]`: runs bench/NAME.ts, which exports `run(args)`. */
import { existsSync, readdirSync } from 'node:fs';

const [name, ...rest] = process.argv.slice(2);
const here = new URL('./', import.meta.url);
const available = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3));
if (!name || !/^[\w-]+$/.test(name) || !existsSync(new URL(`./${name}.ts`, here))) {
  console.error(`usage: npm run bench -- NAME [args]   (NAME: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { run(args: string[]): Promise<void> };
await mod.run(rest);
