/**
 * Who may subscribe to which live-update topic. A capability adds its own kind of topic ('thread', 'patient',
 * later 'referral' …) with the check that guards it; a topic without a rule is refused.
 */
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';

export type TopicCheck = (db: Db, caller: Caller, id: string) => Promise<boolean>;
const rules = new Map<string, TopicCheck>();

export function registerTopic(kind: string, check: TopicCheck) { rules.set(kind, check); }

const TOPIC_RE = /^([a-z_]+):([0-9A-Za-z_-]{1,64})$/;

/** Whether `caller` may follow `topic`; false for malformed or unknown topics. */
export async function mayFollow(db: Db, caller: Caller, topic: string): Promise<boolean> {
  const m = TOPIC_RE.exec(topic);
  const check = m && rules.get(m[1]!);
  if (!check) return false;
  try { return await check(db, caller, m[2]!); } catch { return false; }
}
