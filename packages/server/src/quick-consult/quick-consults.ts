/** Quick online consults (移动问诊): asking an expert, the lists of the two sides, one consult. */
import { badRequest, forbidden, grantFor, notFound, type QuickConsultState, type Role } from '@yilian/core';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import { joinTx, type Db, type Reader } from '../db/database.js';
import { actorOf, type Actor, type Caller } from '../http/context.js';
import { sendMessage } from '../messaging/messages.js';
import { ensureCaseThread } from '../messaging/threads.js';
import { authorize, can } from '../policy/policy.js';
import { allowedActions, assertParticipant, loadQuickConsult, nextCode, quickConsultNotice, type QuickConsultRow } from './common.js';

export interface QuickConsultInput { expertPractitionerId: string; patientId?: string | undefined; subject: string; text: string }

/** The expert's account: an active user of the practitioner whose role may take part in quick consults. */
async function expertAccount(db: Reader, practitionerId: string): Promise<string> {
  const p = await db.selectFrom('practitioner').select(['id', 'active']).where('id', '=', practitionerId).executeTakeFirst();
  if (!p || !p.active) throw notFound({ zh: '专家', en: 'Expert' }, 'expertPractitionerId');
  const users = await db.selectFrom('user_account as u').innerJoin('user_role as r', 'r.user_id', 'u.id').select(['u.id', 'r.role'])
    .where('u.practitioner_id', '=', practitionerId).where('u.active', '=', true).orderBy('u.created_at').execute();
  const user = users.find((u) => grantFor(u.role as Role, 'quick_consult.use'));
  if (!user) throw badRequest('expert_no_account', '该专家尚未开通平台账号，无法在线问诊', 'This expert has no account for quick consults yet', 'expertPractitionerId');
  return user.id;
}

/** A new quick consult: the case thread between asker and expert, with the question as its first message. */
export async function createQuickConsult(db: Db, caller: Caller, input: QuickConsultInput) {
  authorize(caller, 'quick_consult.use');
  const institutionId = caller.role.institutionId;
  if (!institutionId) throw forbidden('当前角色不属于任何机构', 'Your current role has no institution');
  const id = await db.transaction().execute(async (tx) => {
    const expertUserId = await expertAccount(tx, input.expertPractitionerId);
    if (expertUserId === caller.userId) throw badRequest('self_consult', '不能向自己发起问诊', 'You cannot ask yourself', 'expertPractitionerId');
    if (input.patientId) {
      if (!(await tx.selectFrom('patient').select('id').where('id', '=', input.patientId).executeTakeFirst())) throw notFound({ zh: '患者', en: 'Patient' }, 'patientId');
      if (!can(caller, 'patient.read', { patientId: input.patientId })) throw forbidden('无权查看该患者', 'You may not see this patient', { patientId: input.patientId });
    }
    const id = randomUUID();
    const thread = await ensureCaseThread(tx, actorOf(caller) as Actor & { userId: string }, {
      caseType: 'quick_consult', caseId: id, patientId: input.patientId ?? null, title: input.subject, userIds: [expertUserId],
    });
    const q = await tx.insertInto('quick_consult').values({
      id, code: await nextCode(tx), asker_user_id: caller.userId, asker_institution_id: institutionId,
      expert_practitioner_id: input.expertPractitionerId, expert_user_id: expertUserId, patient_id: input.patientId ?? null,
      subject: input.subject, thread_id: thread.id,
    }).returningAll().executeTakeFirstOrThrow();
    await sendMessage(joinTx(tx), caller, thread.id, { kind: 'text', body: input.text, clientId: `quick-consult:${id}` });
    await audit(tx, actorOf(caller), { action: 'quick_consult.create', objectType: 'quick_consult', objectId: id, patientId: q.patient_id, detail: { expertPractitionerId: input.expertPractitionerId } });
    await quickConsultNotice(tx, q, caller.userId, { zh: `${caller.displayName} 向您发起移动问诊`, en: `${caller.displayName} asks you a quick consult` });
    return id;
  });
  return getQuickConsult(db, caller, id);
}

function viewQuery(db: Reader, userId: string) {
  return db.selectFrom('quick_consult as q')
    .innerJoin('user_account as au', 'au.id', 'q.asker_user_id')
    .innerJoin('institution as ai', 'ai.id', 'q.asker_institution_id')
    .innerJoin('practitioner as ep', 'ep.id', 'q.expert_practitioner_id')
    .leftJoin('patient as p', 'p.id', 'q.patient_id')
    .leftJoin('thread as t', 't.id', 'q.thread_id')
    .select(['q.id', 'q.code', 'q.status', 'q.status_since', 'q.subject', 'q.asker_user_id', 'q.asker_institution_id', 'q.expert_user_id',
      'q.expert_practitioner_id', 'q.patient_id', 'q.thread_id', 'q.answered_at', 'q.converted_to_type', 'q.converted_to_id', 'q.created_at',
      'q.updated_at', 'au.display_name as asker_name', 'ai.name as asker_institution', 'ep.name as expert_name', 'ep.title as expert_title',
      'p.name as patient_name', 't.last_message_at',
      sql<string>`(SELECT count(*) FROM message m JOIN thread_participant tp ON tp.thread_id = m.thread_id AND tp.user_id = ${userId}
        WHERE m.thread_id = q.thread_id AND m.id > tp.last_read_message_id AND m.sender_id <> ${userId})`.as('unread'),
      sql<string | null>`(SELECT i.name FROM practitioner_role pr JOIN institution i ON i.id = pr.institution_id
        WHERE pr.practitioner_id = q.expert_practitioner_id ORDER BY i.level DESC LIMIT 1)`.as('expert_institution')]);
}
type ViewRow = Awaited<ReturnType<ReturnType<typeof viewQuery>['executeTakeFirstOrThrow']>>;

const view = (r: ViewRow) => ({
  id: r.id, code: r.code, status: r.status, statusSince: r.status_since, subject: r.subject,
  asker: { userId: r.asker_user_id, name: r.asker_name, institutionId: r.asker_institution_id, institutionName: r.asker_institution },
  expert: { userId: r.expert_user_id, practitionerId: r.expert_practitioner_id, name: r.expert_name, title: r.expert_title, institutionName: r.expert_institution },
  patient: r.patient_id ? { id: r.patient_id, name: r.patient_name } : null,
  threadId: r.thread_id, answeredAt: r.answered_at, lastMessageAt: r.last_message_at, unread: Number(r.unread),
  convertedTo: r.converted_to_type ? { type: r.converted_to_type, id: r.converted_to_id } : null,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function listQuickConsults(db: Db, caller: Caller, q: { box: 'asked' | 'received' | 'all'; status?: string | undefined; limit: number; offset: number }) {
  authorize(caller, 'quick_consult.use');
  let sel = viewQuery(db, caller.userId);
  sel = q.box === 'asked' ? sel.where('q.asker_user_id', '=', caller.userId)
    : q.box === 'received' ? sel.where('q.expert_user_id', '=', caller.userId)
    : sel.where((eb) => eb.or([eb('q.asker_user_id', '=', caller.userId), eb('q.expert_user_id', '=', caller.userId)]));
  if (q.status) sel = sel.where('q.status', '=', q.status as QuickConsultState);
  const [rows, count] = await Promise.all([
    sel.orderBy(sql`coalesce(t.last_message_at, q.created_at)`, 'desc').orderBy('q.id').limit(q.limit).offset(q.offset).execute(),
    sel.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(count.n), items: rows.map(view) };
}

export async function getQuickConsult(db: Reader, caller: Caller, id: string) {
  authorize(caller, 'quick_consult.use');
  const row: QuickConsultRow = await loadQuickConsult(db, id);
  const side = assertParticipant(caller, row);
  const r = await viewQuery(db, caller.userId).where('q.id', '=', id).executeTakeFirstOrThrow();
  if (row.patient_id) await audit(db as Db, actorOf(caller), { action: 'quick_consult.read', objectType: 'quick_consult', objectId: id, patientId: row.patient_id });
  return { ...view(r), side, allowedActions: allowedActions(caller, row) };
}
