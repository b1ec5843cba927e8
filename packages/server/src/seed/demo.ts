import type { Db } from '../db/database.js';
export async function ensureDemoData(_db: Db): Promise<Record<string, number> | null> { return null; }
