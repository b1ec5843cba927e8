/** What the messaging service files share. */
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';

export type Tx = Transaction<Database>;
export type Reader = Db | Tx;

export const THREAD = { zh: '会话', en: 'Thread' };
export const MESSAGE = { zh: '消息', en: 'Message' };
export const FILE = { zh: '文件', en: 'File' };

/** A LIKE pattern that matches `q` literally anywhere. */
export const contains = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Runs `f` in the given transaction, or in a new one. */
export const inTx = <T>(dbOrTx: Reader, f: (tx: Tx) => Promise<T>): Promise<T> =>
  dbOrTx.isTransaction ? f(dbOrTx as Tx) : (dbOrTx as Db).transaction().execute(f);
