/** Consultation configuration (consultation.configure): the answer time limit per kind. */
import { CONSULTATION_KINDS, type ConsultationKind } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db, Reader } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';

const limits = async (db: Reader) => {
  const rows = await db.selectFrom('consultation_time_limit').select(['kind', 'minutes']).execute();
  return { items: CONSULTATION_KINDS.flatMap((k) => rows.filter((r) => r.kind === k)) };
};

export async function getTimeLimits(db: Db, caller: Caller) {
  authorize(caller, 'consultation.configure');
  return limits(db);
}

/** Sets the limits of the listed kinds (the others keep theirs); applies to requests reaching the centre from now on. */
export async function putTimeLimits(db: Db, caller: Caller, items: { kind: ConsultationKind; minutes: number }[]) {
  authorize(caller, 'consultation.configure');
  return db.transaction().execute(async (tx) => {
    for (const i of items)
      await tx.insertInto('consultation_time_limit').values(i).onConflict((oc) => oc.column('kind').doUpdateSet({ minutes: i.minutes })).execute();
    await audit(tx, actorOf(caller), { action: 'consultation.config.time_limits', detail: { items } });
    return limits(tx);
  });
}
