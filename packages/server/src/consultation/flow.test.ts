/** The remote consultation's whole path through the HTTP API, its refusals, the sweep and the referral from an opinion. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstitution, makePractitioner, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, TEST_PASSWORD, type Client, type TestApp } from '../test/harness.js';
import { sweepConsultations } from './overdue.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let prov: Awaited<ReturnType<typeof makeInstitution>>;
let other: Awaited<ReturnType<typeof makeInstitution>>;
const p = {} as Record<'doctor' | 'expert2' | 'expert3', { id: string }>;
const u = {} as Record<'dept_head_lower' | 'expert2' | 'expert3', { id: string }>;
type Who = 'applicant' | 'dept_head_lower' | 'dept_head_upper' | 'office_lower' | 'office_upper' | 'centre' | 'doctor' | 'expert2' | 'expert3'
  | 'patient' | 'regulator' | 'consortium_admin' | 'other_doctor';
const c = {} as Record<Who, Client>;

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('signature-strokes')]);
const PDF = Buffer.from('%PDF-1.4\n% 检查报告\n');

/** A multipart body: text fields, then one file (field `file`). */
function multipart(fields: Record<string, string>, file: { name: string; type: string; data: Buffer }) {
  const boundary = '----yl' + Math.random().toString(16).slice(2);
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.data, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
const upload = (client: Client, url: string, fields: Record<string, string>, file: { name: string; type: string; data: Buffer }) => {
  const m = multipart(fields, file);
  return client.request('POST', url, m.body, m.headers);
};
const consent = (client: Client, id: string, fields: Record<string, string> = { signerName: '陈患者', relation: 'self', method: 'drawn' }) =>
  upload(client, `/api/v1/consultations/${id}/consent`, fields, { name: 'signature.png', type: 'image/png', data: PNG });

const notices = async (userId: string, caseId: string) =>
  (await t.db.selectFrom('notification').select(['title_zh', 'body_zh']).where('user_id', '=', userId).where('case_id', '=', caseId).execute()).map((n) => n.title_zh);
const act = (client: Client, id: string, action: string, body: Record<string, unknown> = {}) => client.post(`/api/v1/consultations/${id}/actions/${action}`, body);
const versionOf = async (id: string) => (await t.db.selectFrom('consultation').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
const inTwoDays = () => new Date(Date.now() + 2 * 86_400_000).toISOString();

async function draft(client: Client, body: Record<string, unknown> = {}) {
  const r = await client.post('/api/v1/consultations', {
    kind: 'routine', patientId: w.patient.id, purpose: '明确胸痛原因', summary: '反复胸痛一月，心电图 ST 段压低', diagnoses: [{ code: 'I20.0' }], ...body,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; version: number; code: string; status: string };
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  prov = await makeInstitution(t.db, { code: 'PROV', name: '省人民医院', level: '3' });
  other = await makeInstitution(t.db, { code: 'OTHER', name: '邻县医院', level: '2' });
  p.doctor = w.doctorP;
  p.expert2 = await makePractitioner(t.db, w.upper.id, { name: '孙专家', title: 'chief_physician', specialty: 'cardiology', departmentId: w.dept.id });
  p.expert3 = await makePractitioner(t.db, prov.id, { name: '钱省', title: 'chief_physician', specialty: 'cardiology' });
  const otherP = await makePractitioner(t.db, other.id, { name: '周邻' });
  u.expert2 = await makeUser(t.db, 'expert2', [{ role: 'doctor', institutionId: w.upper.id }], { practitionerId: p.expert2.id });
  u.expert3 = await makeUser(t.db, 'expert3', [{ role: 'dept_head', institutionId: prov.id }], { practitionerId: p.expert3.id });
  u.dept_head_lower = await makeUser(t.db, 'dept_head_lower', [{ role: 'dept_head', institutionId: w.lower.id }]);
  await makeUser(t.db, 'other_doctor', [{ role: 'doctor', institutionId: other.id }], { practitionerId: otherP.id });
  for (const pr of [p.doctor, p.expert2, p.expert3])
    await t.db.insertInto('expert').values({ practitioner_id: pr.id, specialty: 'cardiology', services: ['consultation'] }).execute();
  const logins: Record<Who, string> = {
    applicant: 'doctor_lower', dept_head_lower: 'dept_head_lower', dept_head_upper: 'dept_head', office_lower: 'institution_admin_lower',
    office_upper: 'institution_admin', centre: 'consult_coordinator', doctor: 'doctor', expert2: 'expert2', expert3: 'expert3', patient: 'patient',
    regulator: 'regulator', consortium_admin: 'consortium_admin', other_doctor: 'other_doctor',
  };
  for (const [who, name] of Object.entries(logins)) c[who as Who] = await t.login(name);
  // The applicant's township hospital has seen the patient (the consent form goes into a record it may write to).
  const encounterId = crypto.randomUUID();
  await t.db.insertInto('encounter').values({ id: encounterId, entry_id: encounterId, patient_id: w.patient.id, institution_id: w.lower.id, class: 'outpatient', started_at: new Date(), reason: '胸痛' }).execute();
});
afterAll(() => t.close());

describe('MDT consultation: the whole routine path', () => {
  let id: string;
  let code: string;

  it('is drafted by the township doctor for the lead hospital’s centre and refuses submission without consent', async () => {
    const d = await draft(c.applicant, { kind: 'mdt', requestedSpecialty: '心血管内科', requestedExpertIds: [p.doctor.id] });
    ({ id, code } = d);
    expect(d).toMatchObject({ status: 'draft', version: 1, centreInstitutionId: w.upper.id, fromInstitutionId: w.lower.id, kind: 'mdt' });
    expect(code).toMatch(/^HZ\d{12}$/);
    const r = await act(c.applicant, id, 'submit', { version: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'consent_missing', field: 'consent' });
    // Nothing moved.
    expect(await versionOf(id)).toBe(1);
  });

  it('takes material and the signed consent, which becomes a consent_form document of the shared record', async () => {
    const bad = await upload(c.applicant, `/api/v1/consultations/${id}/attachments`, {}, { name: 'x.txt', type: 'text/plain', data: Buffer.from('hello') });
    expect(bad.status).toBe(415);
    const a = await upload(c.applicant, `/api/v1/consultations/${id}/attachments`, {}, { name: '心电图.pdf', type: 'application/pdf', data: PDF });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body.attachments).toHaveLength(1);
    // Someone else may not add material.
    expect((await upload(c.doctor, `/api/v1/consultations/${id}/attachments`, {}, { name: 'a.pdf', type: 'application/pdf', data: PDF })).status).toBe(403);

    const big = await upload(c.applicant, `/api/v1/consultations/${id}/consent`, { signerName: '陈患者', relation: 'self', method: 'scan' },
      { name: 'scan.png', type: 'image/png', data: Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)]) });
    expect(big.status).toBe(413);
    expect(big.body.error.field).toBe('file');
    const missing = await consent(c.applicant, id, { signerName: '陈患者', method: 'drawn' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('relation');
    const r = await consent(c.applicant, id, { signerName: '陈某某', relation: 'child', method: 'drawn', signedAt: new Date().toISOString() });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ signerName: '陈某某', relation: 'child', method: 'drawn' });
    const doc = await t.db.selectFrom('document').selectAll().where('entry_id', '=', r.body.documentId).executeTakeFirstOrThrow();
    expect(doc).toMatchObject({ kind: 'consent_form', patient_id: w.patient.id, institution_id: w.lower.id });
    const file = await c.applicant.get(`/api/v1/consultations/${id}/attachments/${r.body.fileId}`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
  });

  it('goes through the department head and the medical office of the applicant’s institution only', async () => {
    expect((await act(c.patient, id, 'submit', { version: await versionOf(id) })).status).toBe(403);
    let r = await act(c.applicant, id, 'submit', { version: await versionOf(id) });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('submitted');
    expect(r.body.threadId).toBeTruthy();
    expect(await notices(u.dept_head_lower.id, id)).toContain('有会诊申请待科主任同意');
    expect((await c.dept_head_lower.get('/api/v1/consultations/counts')).body.approve).toBe(1);

    // Another institution's department head, and a doctor, may not agree in its place.
    expect((await act(c.dept_head_upper, id, 'dept_approve', { version: r.body.version })).status).toBe(403);
    expect((await act(c.applicant, id, 'dept_approve', { version: r.body.version })).status).toBe(403);
    // A step of a later stage is an illegal transition.
    const illegal = await act(c.office_lower, id, 'office_approve', { version: r.body.version });
    expect(illegal.status).toBe(409);
    expect(illegal.body.error.code).toBe('invalid_transition');
    r = await act(c.dept_head_lower, id, 'dept_approve', { version: r.body.version });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('dept_approved');

    // Before it reaches the centre, the centre cannot see it.
    expect((await c.centre.get(`/api/v1/consultations/${id}`)).status).toBe(403);
    expect((await act(c.office_upper, id, 'office_approve', { version: r.body.version })).status).toBe(403);
    r = await act(c.office_lower, id, 'office_approve', { version: r.body.version });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('received');
    expect(new Date(r.body.dueAt).getTime() - new Date(r.body.receivedAt).getTime()).toBe(48 * 3_600_000);
    expect(await t.db.selectFrom('care_relation').select('kind').where('institution_id', '=', w.upper.id).where('source_id', '=', id).execute()).toEqual([{ kind: 'consultation' }]);
    expect((await c.centre.get(`/api/v1/consultations/${id}`)).status).toBe(200);
    expect((await c.centre.get('/api/v1/consultations/counts')).body.review).toBe(1);
  });

  it('lets the centre ask for supplements, which the applicant adds and resubmits; stale versions and wrong sides are refused', async () => {
    let v = await versionOf(id);
    // A doctor of the centre's hospital is not the centre.
    expect((await act(c.doctor, id, 'accept', { version: v })).status).toBe(403);
    const noList = await act(c.centre, id, 'request_supplements', { version: v });
    expect(noList.status).toBe(400);
    expect(noList.body.error.field).toBe('supplements');
    let r = await act(c.centre, id, 'request_supplements', { version: v, supplements: ['近一周心肌酶谱', '冠脉 CTA 影像'] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'supplementing', supplementsRequested: ['近一周心肌酶谱', '冠脉 CTA 影像'] });
    expect(await notices(w.users.doctor_lower.id, id)).toContain('会诊中心要求补充资料');
    expect((await c.applicant.get('/api/v1/consultations/counts')).body.supplements).toBe(1);
    expect((await act(c.centre, id, 'accept', { version: r.body.version })).body.error.code).toBe('invalid_transition');

    const stale = r.body.version;
    const a = await upload(c.applicant, `/api/v1/consultations/${id}/attachments`, {}, { name: '心肌酶.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.4 CK-MB') });
    expect(a.status).toBe(201);
    const conflict = await act(c.applicant, id, 'resubmit', { version: stale });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('version_conflict');
    r = await act(c.applicant, id, 'resubmit', { version: a.body.version });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'received', supplementsRequested: [] });
    v = r.body.version;
    r = await act(c.centre, id, 'accept', { version: v });
    expect(r.body.status).toBe('accepted');
  });

  it('invites two experts; one declines, the centre invites another; when all accepted it is scheduled and the applicant told', async () => {
    const pool = await c.centre.get(`/api/v1/consultations/experts?specialty=cardiology&consultationId=${id}`);
    expect(pool.status, JSON.stringify(pool.body)).toBe(200);
    expect(pool.body.items.map((e: any) => e.name).sort()).toEqual(['孙专家', '张明', '钱省'].sort());
    expect(pool.body.items.every((e: any) => e.openLoad === 0 && e.invited === null)).toBe(true);
    expect((await c.doctor.get('/api/v1/consultations/experts')).status).toBe(403);

    const at = inTwoDays();
    const noTime = await act(c.centre, id, 'invite', { version: await versionOf(id), experts: [{ practitionerId: p.doctor.id }] });
    expect(noTime.status).toBe(400);
    expect(noTime.body.error.field).toBe('scheduledAt');
    let r = await act(c.centre, id, 'invite', { version: await versionOf(id), experts: [{ practitionerId: p.doctor.id }, { practitionerId: p.expert2.id }], scheduledAt: at });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('inviting');
    expect(await notices(w.users.doctor.id, id)).toContain('您收到一个会诊邀请');
    expect((await c.expert2.get('/api/v1/consultations/counts')).body.invitations).toBe(1);
    expect((await c.centre.get(`/api/v1/consultations/experts?consultationId=${id}`)).body.items.find((e: any) => e.practitionerId === p.doctor.id))
      .toMatchObject({ openLoad: 1, invited: 'invited' });

    // An expert who was not invited cannot answer.
    expect((await act(c.expert3, id, 'expert_accept')).status).toBe(403);
    expect((await c.expert3.get(`/api/v1/consultations/${id}`)).status).toBe(403);
    r = await act(c.doctor, id, 'expert_accept');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('inviting');
    expect((await act(c.doctor, id, 'expert_accept')).body.error.code).toBe('already_replied');
    expect((await act(c.expert2, id, 'expert_decline')).body.error.field).toBe('reason');
    r = await act(c.expert2, id, 'expert_decline', { reason: '当日门诊' });
    expect(r.status).toBe(200);
    expect(await notices(w.users.consult_coordinator.id, id)).toContain('有专家谢绝了会诊邀请，请另行安排');
    expect((await c.centre.get('/api/v1/consultations/counts')).body.arrange).toBe(1);

    r = await act(c.centre, id, 'invite', { version: await versionOf(id), experts: [{ practitionerId: p.doctor.id }, { practitionerId: p.expert3.id }], scheduledAt: at });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const experts = await t.db.selectFrom('consultation_expert').select(['practitioner_id', 'status']).where('consultation_id', '=', id).execute();
    expect(Object.fromEntries(experts.map((e) => [e.practitioner_id, e.status]))).toEqual({ [p.doctor.id]: 'accepted', [p.expert2.id]: 'withdrawn', [p.expert3.id]: 'invited' });
    // The withdrawn expert's invitation is gone from their box (they still see it as staff of the centre's hospital);
    // the invited one's institution has a care relationship.
    expect((await c.expert2.get('/api/v1/consultations?box=invited')).body.items).toEqual([]);
    expect((await c.expert2.get(`/api/v1/consultations/${id}`)).body.myInvitation).toMatchObject({ status: 'withdrawn' });
    expect(await t.db.selectFrom('care_relation').select('id').where('institution_id', '=', prov.id).where('source_id', '=', id).execute()).toHaveLength(1);

    const detail = await c.expert3.get(`/api/v1/consultations/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.allowedActions.map((a: any) => a.action)).toEqual(['expert_accept', 'expert_decline']);
    r = await act(c.expert3, id, 'expert_accept');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'scheduled', scheduledAt: at });
    const toApplicant = await t.db.selectFrom('notification').select(['title_zh', 'body_zh']).where('user_id', '=', w.users.doctor_lower.id).where('case_id', '=', id).execute();
    expect(toApplicant.find((n) => n.title_zh === '会诊时间已确定')?.body_zh).toContain(code);
    expect(await notices(w.users.doctor.id, id)).toContain('会诊时间已确定');
    const room = (await c.applicant.get(`/api/v1/consultations/${id}`)).body.room;
    expect(new Date(room.opensAt).getTime()).toBe(new Date(at).getTime() - 30 * 60_000);
    expect(room.open).toBe(false);
  });

  it('takes signed opinions: a wrong password is refused, a signed version is locked, a correction supersedes it', async () => {
    // Forwarding waits for every accepted expert's signed opinion.
    const early = await act(c.centre, id, 'forward', { version: await versionOf(id) });
    expect(early.status).toBe(400);
    expect(early.body.error.code).toBe('opinions_missing');
    // Only accepted experts write.
    expect((await c.applicant.put(`/api/v1/consultations/${id}/opinion`, { findings: 'x', diagnoses: [], recommendations: 'y', refer: false })).status).toBe(403);

    let r = await c.doctor.put(`/api/v1/consultations/${id}/opinion`, { findings: '心电图示 V1-V4 ST 段压低', diagnoses: [{ code: 'I20.0' }], recommendations: '冠脉造影', refer: false });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'draft', version: 1 });
    // A draft is its author's own until signed.
    expect((await c.doctor.get(`/api/v1/consultations/${id}`)).body.myOpinion).toMatchObject({ id: r.body.id, findings: '心电图示 V1-V4 ST 段压低' });
    const seen = (await c.applicant.get(`/api/v1/consultations/${id}`)).body;
    expect([seen.opinions, seen.myOpinion]).toEqual([[], null]);
    const wrong = await c.doctor.post(`/api/v1/consultations/${id}/opinion/sign`, { password: 'not-my-password' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toMatchObject({ code: 'wrong_password', field: 'password' });
    expect((await t.db.selectFrom('consultation_opinion').select('status').where('id', '=', r.body.id).executeTakeFirstOrThrow()).status).toBe('draft');
    r = await c.doctor.post(`/api/v1/consultations/${id}/opinion/sign`, { password: TEST_PASSWORD });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'signed', version: 1 });
    expect(r.body.signatureHash).toMatch(/^[0-9a-f]{64}$/);
    const first = r.body;
    const doc = await t.db.selectFrom('document').selectAll().where('entry_id', '=', first.documentId).executeTakeFirstOrThrow();
    expect(doc).toMatchObject({ kind: 'consultation_opinion', institution_id: w.upper.id, version: 1 });
    expect(doc.text).toContain('冠脉造影');
    // The database itself refuses to change a signed opinion.
    await expect(t.db.updateTable('consultation_opinion').set({ findings: '改动' }).where('id', '=', first.id).execute()).rejects.toThrow(/locked/);

    r = await c.doctor.put(`/api/v1/consultations/${id}/opinion`, { findings: '心电图示 V1-V4 ST 段压低，肌钙蛋白阴性', diagnoses: [{ code: 'I20.0' }], recommendations: '择期冠脉造影', refer: false });
    expect(r.body).toMatchObject({ status: 'draft', version: 2, supersedes: first.id });
    r = await c.doctor.post(`/api/v1/consultations/${id}/opinion/sign`, { password: TEST_PASSWORD });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'signed', version: 2, documentId: first.documentId });
    expect((await t.db.selectFrom('consultation_opinion').select('status').where('id', '=', first.id).executeTakeFirstOrThrow()).status).toBe('superseded');
    const versions = await t.db.selectFrom('document').select(['version', 'superseded_at']).where('entry_id', '=', first.documentId).orderBy('version').execute();
    expect(versions.map((v) => [v.version, v.superseded_at !== null])).toEqual([[1, true], [2, false]]);

    r = await c.expert3.put(`/api/v1/consultations/${id}/opinion`, {
      findings: '考虑不稳定型心绞痛', diagnoses: [{ code: 'I20.0' }], recommendations: '上转行 PCI', refer: true, referInstitutionId: w.upper.id, referDepartmentId: w.dept.id, referNote: '心内科冠脉介入',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await c.expert3.post(`/api/v1/consultations/${id}/opinion/sign`, { password: TEST_PASSWORD })).status).toBe(200);
    expect((await c.centre.get('/api/v1/consultations/counts')).body.forward).toBe(1);
  });

  it('is forwarded, corrected with a notice to the applicant, confirmed with a rating and closed', async () => {
    expect((await act(c.applicant, id, 'forward', { version: await versionOf(id) })).status).toBe(403);
    let r = await act(c.centre, id, 'forward', { version: await versionOf(id) });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('answered');
    expect(r.body.answeredAt).toBeTruthy();
    expect(await notices(w.users.doctor_lower.id, id)).toContain('会诊意见已送达，请查看并确认');

    await c.doctor.put(`/api/v1/consultations/${id}/opinion`, { findings: '心电图示 V1-V4 ST 段压低，肌钙蛋白阴性', diagnoses: [{ code: 'I20.0' }], recommendations: '择期冠脉造影，加用他汀', refer: false });
    r = await c.doctor.post(`/api/v1/consultations/${id}/opinion/sign`, { password: TEST_PASSWORD });
    expect(r.body).toMatchObject({ status: 'signed', version: 3 });
    expect(await notices(w.users.doctor_lower.id, id)).toContain('会诊意见已被专家更正，请查看');

    expect((await act(c.centre, id, 'confirm', { version: await versionOf(id), rating: 5 })).status).toBe(403);
    const noRating = await act(c.applicant, id, 'confirm', { version: await versionOf(id) });
    expect(noRating.body.error.field).toBe('rating');
    r = await act(c.applicant, id, 'confirm', { version: await versionOf(id), rating: 5, comment: '专家意见清楚及时' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'closed', rating: 5, ratingComment: '专家意见清楚及时' });

    const d = (await c.applicant.get(`/api/v1/consultations/${id}`)).body;
    expect(d.allowedActions).toEqual([]);
    expect(d.events.map((e: any) => e.action)).toEqual([
      'create', 'attach', 'consent', 'submit', 'dept_approve', 'office_approve', 'request_supplements', 'attach', 'resubmit', 'accept',
      'invite', 'expert_accept', 'expert_decline', 'invite', 'expert_accept', 'opinion_sign', 'opinion_sign', 'opinion_sign', 'forward', 'opinion_sign', 'confirm',
    ]);
    expect(d.opinions.filter((o: any) => o.practitionerId === p.doctor.id).map((o: any) => [o.version, o.status])).toEqual([[3, 'signed'], [2, 'superseded'], [1, 'superseded']]);
    expect(d.consent).toMatchObject({ relation: 'child' });
    const audits = await t.db.selectFrom('audit_log').select('action').where('object_id', '=', id).where('patient_id', '=', w.patient.id).execute();
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(['consultation.create', 'consultation.submit', 'consultation.invite', 'consultation.opinion_sign', 'consultation.forward', 'consultation.confirm']));
  });

  it('shows the opinion in the patient’s timeline as a consultation_opinion document', async () => {
    const r = await c.patient.get(`/api/v1/patients/${w.patient.id}/timeline`);
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    const docs = r.body.items.filter((i: any) => i.kind === 'document' && String(i.title).startsWith('远程会诊意见'));
    expect(docs.length).toBeGreaterThanOrEqual(1);
    const entries = await t.db.selectFrom('document').select('entry_id').where('patient_id', '=', w.patient.id).where('kind', '=', 'consultation_opinion').where('superseded_at', 'is', null).execute();
    expect(entries).toHaveLength(2);
  });

  it('turns the opinion’s referral advice into a draft referral by the applicant in one click', async () => {
    expect((await c.centre.post(`/api/v1/consultations/${id}/referral`, {})).status).toBe(403);
    const r = await c.applicant.post(`/api/v1/consultations/${id}/referral`, {});
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ref = await c.applicant.get(`/api/v1/referrals/${r.body.referralId}`);
    expect(ref.status).toBe(200);
    expect(ref.body).toMatchObject({ status: 'draft', direction: 'up', toInstitutionId: w.upper.id, toDepartmentId: w.dept.id, createdBy: w.users.doctor_lower.id });
    expect(ref.body.reason).toContain('心内科冠脉介入');
    expect(ref.body.diagnoses.map((x: any) => x.code)).toEqual(['I20.0']);
    expect(ref.body.sharedEntries).toEqual([{ kind: 'document', id: expect.any(String) }]);
    expect(ref.body.sharedExcerpts[0]).toMatchObject({ kind: 'consultation_opinion' });
    expect((await c.applicant.get('/api/v1/referrals?box=sent')).body.items.map((x: any) => x.id)).toContain(r.body.referralId);
    // A second click leads to the same draft.
    const again = await c.applicant.post(`/api/v1/consultations/${id}/referral`, {});
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ referralId: r.body.referralId, created: false });
  });

  it('gives the printable report: masked resident ID, applicant, consortium, each signed opinion with its expert', async () => {
    expect((await c.other_doctor.get(`/api/v1/consultations/${id}/report`)).status).toBe(403);
    const r = await c.applicant.get(`/api/v1/consultations/${id}/report`);
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    const patient = await t.db.selectFrom('patient').select('resident_id').where('id', '=', w.patient.id).executeTakeFirstOrThrow();
    expect(r.body.patient.residentIdMasked).toBe(`${patient.resident_id!.slice(0, 6)}********${patient.resident_id!.slice(-4)}`);
    expect(r.body.patient.age).toEqual(expect.any(Number));
    expect(r.body.applicant).toMatchObject({ institutionName: expect.any(String), doctorName: expect.any(String) });
    expect(r.body.centreName).toEqual(expect.any(String));
    expect(r.body.opinions.length).toBeGreaterThanOrEqual(2);
    expect(r.body.opinions.every((o: any) => o.status !== 'draft' && typeof o.institutionName === 'string' && o.signatureHash)).toBe(true);
    const list = await c.applicant.get('/api/v1/consultations?box=mine');
    expect(list.body.total).toBe(list.body.items.length);
    expect(list.body.items[0]).toMatchObject({ fromInstitutionName: expect.any(String), centreInstitutionName: expect.any(String), createdByName: expect.any(String) });
  });

  it('is seen by its sides, invited experts, the consortium office, the regulator (without the name) and the patient — no one else', async () => {
    expect((await c.other_doctor.get(`/api/v1/consultations/${id}`)).status).toBe(403);
    expect((await c.other_doctor.get('/api/v1/consultations?box=all')).body.items).toEqual([]);
    expect((await c.office_upper.get(`/api/v1/consultations/${id}`)).status).toBe(200);
    expect((await c.expert3.get('/api/v1/consultations?box=invited')).body.items.map((x: any) => x.id)).toEqual([id]);
    const mine = await c.patient.get(`/api/v1/consultations/${id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.patient.name).toBe(w.patient.name);
    const reg = await c.regulator.get(`/api/v1/consultations/${id}`);
    expect(reg.status).toBe(200);
    expect(reg.body.patient).toBeNull();
    expect(reg.body.consent.signerName).toBeNull();
    expect((await c.regulator.get('/api/v1/consultations?box=all')).body.items.every((x: any) => x.patientName === null)).toBe(true);
    expect((await c.consortium_admin.get(`/api/v1/consultations?q=${code}`)).body.items.map((x: any) => x.id)).toEqual([id]);
  });
});

describe('urgent consultation, cancel, the sweep and configuration', () => {
  let urgent: string;

  it('goes straight to the centre with a reason, with a 30-minute answer limit', async () => {
    const d = await draft(c.applicant, { kind: 'urgent' });
    urgent = d.id;
    expect((await act(c.applicant, urgent, 'submit_urgent', { version: 1 })).body.error.code).toBe('consent_missing');
    const cons = await consent(c.applicant, urgent);
    expect(cons.status, JSON.stringify(cons.body)).toBe(201);
    const noReason = await act(c.applicant, urgent, 'submit_urgent', { version: 2 });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');
    const r = await act(c.applicant, urgent, 'submit_urgent', { version: 2, reason: '急性胸痛伴血压下降' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'received', urgentReason: '急性胸痛伴血压下降' });
    expect(new Date(r.body.dueAt).getTime() - new Date(r.body.receivedAt).getTime()).toBe(30 * 60_000);
    expect(await notices(w.users.consult_coordinator.id, urgent)).toContain('有急会诊申请待处理');
    // A routine request cannot take the urgent road.
    const routine = await draft(c.applicant);
    await consent(c.applicant, routine.id);
    expect((await act(c.applicant, routine.id, 'submit_urgent', { version: 2, reason: 'x' })).body.error.code).toBe('invalid_transition');
  });

  it('escalates an overdue request once, lists it as overdue, and expires stale requests', async () => {
    await t.db.updateTable('consultation').set({ due_at: new Date(Date.now() - 60_000) }).where('id', '=', urgent).execute();
    const first = await sweepConsultations(t.db);
    expect(first.escalated).toBe(1);
    expect((await sweepConsultations(t.db)).escalated).toBe(0);
    expect(await notices(w.users.consult_coordinator.id, urgent)).toContain('急会诊已超时未答复，请尽快处理');
    expect(await notices(w.users.consortium_admin.id, urgent)).toContain('急会诊已超时未答复，请尽快处理');
    const overdue = await c.centre.get('/api/v1/consultations/overdue');
    expect(overdue.status).toBe(200);
    expect(overdue.body.items.map((x: any) => x.id)).toEqual([urgent]);
    expect((await c.centre.get('/api/v1/consultations/counts')).body.overdue).toBe(1);
    expect((await c.office_lower.get(`/api/v1/consultations/overdue?institutionId=${w.upper.id}`)).status).toBe(403);

    const stale = await draft(c.applicant);
    await t.db.updateTable('consultation').set({ updated_at: new Date(Date.now() - 15 * 86_400_000) }).where('id', '=', stale.id).execute();
    const swept = await sweepConsultations(t.db);
    expect(swept.expired).toBe(1);
    const d = (await c.applicant.get(`/api/v1/consultations/${stale.id}`)).body;
    expect(d.status).toBe('expired');
    expect(d.events.at(-1)).toMatchObject({ action: 'expire', from: 'draft', to: 'expired' });
  });

  it('is cancelled with a reason by the applicant or the centre, telling everyone involved', async () => {
    const noReason = await act(c.centre, urgent, 'cancel', { version: await versionOf(urgent) });
    expect(noReason.body.error.field).toBe('reason');
    expect((await act(c.other_doctor, urgent, 'cancel', { version: await versionOf(urgent), reason: 'x' })).status).toBe(403);
    const r = await act(c.centre, urgent, 'cancel', { version: await versionOf(urgent), reason: '患者已转院' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'cancelled', cancelReason: '患者已转院' });
    expect(await notices(w.users.doctor_lower.id, urgent)).toContain('会诊已取消');
    const live = await t.db.selectFrom('care_relation').select('ends_at').where('source_id', '=', urgent).execute();
    expect(live.every((x) => x.ends_at !== null)).toBe(true);
    expect((await act(c.applicant, urgent, 'cancel', { version: r.body.version, reason: 'x' })).body.error.code).toBe('invalid_transition');

    const d = await draft(c.applicant);
    await consent(c.applicant, d.id);
    await act(c.applicant, d.id, 'submit', { version: 2 });
    const x = await act(c.applicant, d.id, 'cancel', { version: 3, reason: '患者拒绝' });
    expect(x.body.status).toBe('cancelled');
    expect(await notices(u.dept_head_lower.id, d.id)).toContain('会诊已取消');
  });

  it('edits only while the applicant may, and configures the time limits', async () => {
    const d = await draft(c.applicant);
    expect((await c.doctor.patch(`/api/v1/consultations/${d.id}`, { version: 1, purpose: 'x' })).status).toBe(403);
    const e = await c.applicant.patch(`/api/v1/consultations/${d.id}`, { version: 1, purpose: '明确诊断并指导用药', kind: 'material', materialType: 'ecg' });
    expect(e.status, JSON.stringify(e.body)).toBe(200);
    expect(e.body).toMatchObject({ version: 2, kind: 'material', materialType: 'ecg', purpose: '明确诊断并指导用药' });
    expect((await c.applicant.patch(`/api/v1/consultations/${d.id}`, { version: 1, purpose: 'y' })).body.error.code).toBe('version_conflict');
    expect((await c.applicant.post('/api/v1/consultations', { kind: 'material', patientId: w.patient.id, purpose: 'x', summary: 'y', diagnoses: [] })).body.error.field).toBe('materialType');

    expect((await c.centre.put('/api/v1/consultation-config/time-limits', { items: [{ kind: 'urgent', minutes: 20 }] })).status).toBe(403);
    const put = await c.consortium_admin.put('/api/v1/consultation-config/time-limits', { items: [{ kind: 'urgent', minutes: 20 }] });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.items).toEqual([{ kind: 'routine', minutes: 2880 }, { kind: 'urgent', minutes: 20 }, { kind: 'mdt', minutes: 2880 }, { kind: 'material', minutes: 2880 }]);
    const u2 = await draft(c.applicant, { kind: 'urgent' });
    await consent(c.applicant, u2.id);
    const r = await act(c.applicant, u2.id, 'submit_urgent', { version: 2, reason: '大出血' });
    expect(new Date(r.body.dueAt).getTime() - new Date(r.body.receivedAt).getTime()).toBe(20 * 60_000);
  });
});
