import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAppointments } from '../scheduling/fixtures.js';
import { makePatient, makeUser, makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { loadTestCodes, makeEncounter } from './fixtures.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, lower: Client, patient: Client, adminLower: Client, adminUpper: Client, office: Client;

const RECORD_TABLES = ['encounter', 'condition', 'allergy', 'medication_request', 'diagnostic_report', 'observation', 'document',
  'document_attachment', 'record_consent', 'break_glass', 'care_relation'];
const lastAudit = (userId: string) =>
  t.db.selectFrom('audit_log').selectAll().where('user_id', '=', userId).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
const detailOf = (d: unknown) => (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown>;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  await loadTestCodes(t.db);
  [doctor, lower, patient, adminLower, adminUpper, office] = await Promise.all([t.login('doctor'), t.login('doctor_lower'), t.login('patient'), t.login('institution_admin_lower'), t.login('institution_admin'), t.login('consortium_admin')]);
});
afterAll(() => t.close());

describe('record access', () => {
  it('refuses staff whose institution has no care relationship, names the way out, and writes only the refusal', async () => {
    const p = await makePatient(t.db, { name: '孙无关' });
    const before = await tableHashes(t.db, RECORD_TABLES);
    const r = await doctor.get(`/api/v1/patients/${p.id}/timeline`);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('record_access_denied');
    expect(r.body.error.zh).toContain('紧急访问');
    expect(r.body.error.zh).toContain('同意');
    expect(r.body.error.en).toMatch(/consent/);
    expect(r.body.error.en).toMatch(/break-glass/);
    for (const path of ['conditions', 'observations/trend?code=T-GLU', 'access-log', 'consents'])
      expect((await doctor.get(`/api/v1/patients/${p.id}/${path}`)).status, path).toBe(403);
    expect(await tableHashes(t.db, RECORD_TABLES)).toEqual(before);
    const denied = await lastAudit(w.users.doctor.id);
    expect(denied).toMatchObject({ action: 'record.read', outcome: 'denied', patient_id: p.id });
    const why = await doctor.get(`/api/v1/patients/${p.id}/record/access`);
    expect(why.status).toBe(200);
    expect(why.body).toMatchObject({ allowed: false, via: null, breakGlassUntil: null });
    expect(why.body.reason.en).toMatch(/consent/);
    // Roles without the record.read grant are refused by the role check first.
    expect((await office.get(`/api/v1/patients/${p.id}/timeline`)).body.error.code).toBe('forbidden');
  });

  it('allows an institution where the patient had an encounter (care), and audits each read with how', async () => {
    const p = await makePatient(t.db, { name: '周就诊' });
    await makeEncounter(t.db, p.id, w.upper.id);
    const r = await doctor.get(`/api/v1/patients/${p.id}/timeline`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    const read = await lastAudit(w.users.doctor.id);
    expect(read).toMatchObject({ action: 'record.read', outcome: 'ok', patient_id: p.id });
    expect(detailOf(read.detail)).toMatchObject({ via: 'care', kind: null });
    expect((await doctor.get(`/api/v1/patients/${p.id}/record/access`)).body).toMatchObject({ allowed: true, via: 'care' });
    // The other institution still has none.
    expect((await lower.get(`/api/v1/patients/${p.id}/timeline`)).status).toBe(403);
  });

  it('counts a live appointment at the institution as care, but not a cancelled one', async () => {
    const p = await makePatient(t.db, { name: '吴预约' });
    const [appt] = await makeAppointments(t.db, w.lower.id, 1, p.id, w.users.doctor_lower.id);
    expect((await lower.get(`/api/v1/patients/${p.id}/encounters`)).status).toBe(200);
    await t.db.updateTable('appointment').set({ status: 'cancelled' }).where('id', '=', appt!.id).execute();
    expect((await lower.get(`/api/v1/patients/${p.id}/encounters`)).status).toBe(403);
  });

  it('counts a live care relation row (referral, family-doctor contract), not an ended one', async () => {
    const p = await makePatient(t.db, { name: '郑签约' });
    const family = await t.login('family_doctor');
    expect((await family.get(`/api/v1/patients/${p.id}/timeline`)).status).toBe(403);
    const row = await t.db.insertInto('care_relation').values({ patient_id: p.id, institution_id: w.lower.id, kind: 'contract' }).returning('id').executeTakeFirstOrThrow();
    expect((await family.get(`/api/v1/patients/${p.id}/timeline`)).status).toBe(200);
    expect((await lower.get(`/api/v1/patients/${p.id}/timeline`)).status).toBe(200);
    await t.db.updateTable('care_relation').set({ ends_at: new Date(Date.now() - 1000), starts_at: new Date(Date.now() - 86_400_000) }).where('id', '=', row.id).execute();
    expect((await family.get(`/api/v1/patients/${p.id}/timeline`)).status).toBe(403);
  });
});

describe('consent', () => {
  let pid: string;
  beforeAll(async () => {
    pid = w.patient.id;
    await makeEncounter(t.db, pid, w.upper.id);
    const tx = (await doctor.post(`/api/v1/patients/${pid}/reports`, { category: 'lab', name: '血常规', issuedAt: '2025-03-01T09:00:00+08:00', conclusion: '轻度贫血' }));
    expect(tx.status).toBe(201);
    expect((await doctor.post(`/api/v1/patients/${pid}/conditions`, { code: 'I10.x00' })).status).toBe(201);
  });

  it('lets the patient share part of the record with another institution, within its scope, and tells the patient', async () => {
    expect((await lower.get(`/api/v1/patients/${pid}/reports`)).status).toBe(403);
    // Only an institution that cares for the patient records a consent (nobody grants themself access).
    const self = await lower.post(`/api/v1/patients/${pid}/consents`, { institutionIds: [w.lower.id], signedBy: '本人' });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('record_access_denied');
    const c = await doctor.post(`/api/v1/patients/${pid}/consents`, { institutionIds: [w.lower.id], scope: ['report'], signedBy: '本人' });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ active: true, scope: ['report'], institutions: [{ id: w.lower.id, name: w.lower.name }], signedBy: '本人' });
    const reports = await lower.get(`/api/v1/patients/${pid}/reports`);
    expect(reports.status).toBe(200);
    expect(reports.body.items[0]).toMatchObject({ name: '血常规', institutionName: w.upper.name });
    expect(detailOf((await lastAudit(w.users.doctor_lower.id)).detail)).toMatchObject({ via: 'consent', kind: 'report' });
    const conditions = await lower.get(`/api/v1/patients/${pid}/conditions`);
    expect(conditions.status).toBe(403);
    expect(conditions.body.error.zh).toContain('授权');
    // The timeline shows only what the consent covers.
    const tl = await lower.get(`/api/v1/patients/${pid}/timeline`);
    expect(tl.status).toBe(200);
    expect(new Set(tl.body.items.map((i: { kind: string }) => i.kind))).toEqual(new Set(['report']));
    // Other institutions are not covered.
    const other = await makeUser(t.db, 'doctor_other', [{ role: 'doctor', institutionId: (await t.db.insertInto('institution').values({ code: 'OTHER', name: '另一卫生院', level: '1', type: 'township_hospital', region_code: '330521' }).returning('id').executeTakeFirstOrThrow()).id }]);
    expect(other).toBeTruthy();
    expect((await (await t.login('doctor_other')).get(`/api/v1/patients/${pid}/reports`)).status).toBe(403);
    const note = await t.db.selectFrom('notification').selectAll().where('user_id', '=', w.users.patient.id).where('kind', '=', 'record_consent').execute();
    expect(note).toHaveLength(1);
    // Revocation takes effect at once.
    const revoked = await patient.post(`/api/v1/consents/${c.body.id}/revoke`, { reason: '不再需要' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ active: false, revokeReason: '不再需要' });
    expect((await lower.get(`/api/v1/patients/${pid}/reports`)).status).toBe(403);
    expect((await patient.post(`/api/v1/consents/${c.body.id}/revoke`, { reason: '再次' })).body.error.code).toBe('already_revoked');
  });

  it('honours the consent period: not before it starts, not after it ends', async () => {
    const hour = 3_600_000;
    const later = await patient.post(`/api/v1/patients/${pid}/consents`, { signedBy: '本人', startsAt: new Date(Date.now() + hour).toISOString() });
    expect(later.status).toBe(201);
    expect(later.body.active).toBe(false);
    expect((await lower.get(`/api/v1/patients/${pid}/reports`)).status).toBe(403);
    const past = await patient.post(`/api/v1/patients/${pid}/consents`, {
      signedBy: '本人', startsAt: new Date(Date.now() - 2 * hour).toISOString(), endsAt: new Date(Date.now() - hour).toISOString(),
    });
    expect(past.status).toBe(201);
    expect((await lower.get(`/api/v1/patients/${pid}/reports`)).status).toBe(403);
    const bad = await patient.post(`/api/v1/patients/${pid}/consents`, { signedBy: '本人', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() - hour).toISOString() });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('endsAt');
    // A consent to every member and kind, in force now, lets the lower doctor read everything until it is revoked.
    const all = await patient.post(`/api/v1/patients/${pid}/consents`, { signedBy: '本人' });
    expect((await lower.get(`/api/v1/patients/${pid}/conditions`)).status).toBe(200);
    expect((await lower.get(`/api/v1/patients/${pid}/record/access`)).body).toMatchObject({ allowed: true, via: 'consent' });
    expect((await patient.get(`/api/v1/patients/${pid}/consents`)).body.total).toBe(4);
    await patient.post(`/api/v1/consents/${all.body.id}/revoke`, { reason: '撤回' });
    expect((await lower.get(`/api/v1/patients/${pid}/conditions`)).status).toBe(403);
    // The patient manages only their own consents.
    const stranger = await makePatient(t.db, { name: '冯他人' });
    expect((await patient.post(`/api/v1/patients/${stranger.id}/consents`, { signedBy: '本人' })).status).toBe(403);
  });
});

describe('break-glass', () => {
  it('needs a reason of at least 4 characters (also in the database)', async () => {
    const p = await makePatient(t.db, { name: '钱急诊' });
    for (const body of [{}, { reason: '' }, { reason: ' 急诊 ' }]) {
      const r = await lower.post(`/api/v1/patients/${p.id}/break-glass`, body);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe('reason');
    }
    await expect(t.db.insertInto('break_glass').values({ user_id: w.users.doctor_lower.id, patient_id: p.id, reason: '  急诊 ', expires_at: new Date() }).execute()).rejects.toThrow();
    expect(await t.db.selectFrom('break_glass').select('id').where('patient_id', '=', p.id).execute()).toHaveLength(0);
  });

  it('opens the record for 4 hours, flags the grant and every read, tells the patient and the admins, and appears on the report', async () => {
    const p = await makePatient(t.db, { name: '李抢救' });
    const account = await makeUser(t.db, 'li_patient', [{ role: 'patient', institutionId: null }], { patientId: p.id });
    await makeEncounter(t.db, p.id, w.upper.id);
    expect((await lower.get(`/api/v1/patients/${p.id}/timeline`)).status).toBe(403);
    const g = await lower.post(`/api/v1/patients/${p.id}/break-glass`, { reason: '夜间急诊昏迷，需查既往史和过敏史' });
    expect(g.status).toBe(201);
    const hours = (Date.parse(g.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(3.9);
    expect(hours).toBeLessThanOrEqual(4);
    const grantAudit = await lastAudit(w.users.doctor_lower.id);
    expect(grantAudit).toMatchObject({ action: 'record.break_glass', outcome: 'ok', reason: '夜间急诊昏迷，需查既往史和过敏史', patient_id: p.id });
    const tl = await lower.get(`/api/v1/patients/${p.id}/timeline`);
    expect(tl.status).toBe(200);
    expect(tl.body.total).toBe(1);
    const read = await lastAudit(w.users.doctor_lower.id);
    expect(read.reason).toBe('夜间急诊昏迷，需查既往史和过敏史');
    expect(detailOf(read.detail)).toMatchObject({ via: 'break_glass', breakGlass: true });
    expect((await lower.get(`/api/v1/patients/${p.id}/record/access`)).body).toMatchObject({ allowed: true, via: 'break_glass' });
    // Notified: the patient's account and the admins of the caller's institution.
    const notes = await t.db.selectFrom('notification').select(['user_id', 'title_zh']).where('kind', '=', 'record_break_glass').execute();
    expect(notes.map((n) => n.user_id).sort()).toEqual([account.id, w.users.institution_admin_lower.id].sort());
    expect(notes.some((n) => n.title_zh.includes('李抢救'))).toBe(false);
    // The report: the lower institution's admin sees it, with the reads made under it; the upper's admin does not.
    const report = await adminLower.get('/api/v1/record/break-glass');
    expect(report.status).toBe(200);
    const item = report.body.items.find((i: { id: string }) => i.id === g.body.id);
    expect(item).toMatchObject({ reason: '夜间急诊昏迷，需查既往史和过敏史', username: 'doctor_lower', institutionName: w.lower.name, active: true, readCount: 1, reviewedAt: null });
    expect((await adminUpper.get('/api/v1/record/break-glass')).body.items.find((i: { id: string }) => i.id === g.body.id)).toBeUndefined();
    expect((await adminUpper.get(`/api/v1/record/break-glass?institutionId=${w.lower.id}`)).status).toBe(403);
    expect((await office.get('/api/v1/record/break-glass?reviewed=false')).body.items.some((i: { id: string }) => i.id === g.body.id)).toBe(true);
    expect((await adminUpper.post(`/api/v1/record/break-glass/${g.body.id}/review`, { note: '无权复核' })).status).toBe(403);
    const reviewed = await adminLower.post(`/api/v1/record/break-glass/${g.body.id}/review`, { note: '确为急诊，合理' });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body).toMatchObject({ reviewNote: '确为急诊，合理', reviewedBy: { id: w.users.institution_admin_lower.id } });
    expect((await adminLower.post(`/api/v1/record/break-glass/${g.body.id}/review`, { note: '再次' })).body.error.code).toBe('already_reviewed');
    // The patient's access log shows it, flagged, with who and from where.
    const mine = await t.login('li_patient');
    const log = await mine.get(`/api/v1/patients/${p.id}/access-log`);
    expect(log.status).toBe(200);
    const flagged = log.body.items.filter((i: { breakGlass: boolean }) => i.breakGlass);
    expect(flagged.map((i: { action: string }) => i.action)).toEqual(expect.arrayContaining(['record.break_glass', 'record.read']));
    expect(flagged[0]).toMatchObject({ user: { username: 'doctor_lower' }, institutionName: w.lower.name, reason: '夜间急诊昏迷，需查既往史和过敏史' });
    // After four hours the record closes again.
    await t.db.updateTable('break_glass').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', g.body.id).execute();
    expect((await lower.get(`/api/v1/patients/${p.id}/timeline`)).status).toBe(403);
  });

  it('is not open to roles without the grant', async () => {
    const p = await makePatient(t.db, { name: '陈非医' });
    expect((await adminLower.post(`/api/v1/patients/${p.id}/break-glass`, { reason: '想看一下病历' })).status).toBe(403);
    expect((await patient.post(`/api/v1/patients/${p.id}/break-glass`, { reason: '想看一下病历' })).status).toBe(403);
  });
});

describe('the patient', () => {
  it('reads their own record and access log, and nobody else’s', async () => {
    const own = await patient.get(`/api/v1/patients/${w.patient.id}/timeline`);
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(detailOf((await lastAudit(w.users.patient.id)).detail)).toMatchObject({ via: 'self' });
    const log = await patient.get(`/api/v1/patients/${w.patient.id}/access-log?limit=200`);
    expect(log.status).toBe(200);
    const doctorRead = log.body.items.find((i: { user: { username: string }; action: string; outcome: string }) => i.user.username === 'doctor_lower' && i.action === 'record.read' && i.outcome === 'ok');
    expect(doctorRead).toMatchObject({ via: 'consent', roleLabel: { zh: '医生' }, institutionName: w.lower.name });
    const stranger = await makePatient(t.db, { name: '褚别人' });
    const r = await patient.get(`/api/v1/patients/${stranger.id}/timeline`);
    expect(r.status).toBe(403);
    expect((await patient.get(`/api/v1/patients/${stranger.id}/access-log`)).status).toBe(403);
    expect((await patient.get(`/api/v1/patients/${stranger.id}/record/access`)).body).toMatchObject({ allowed: false });
  });
});

describe('writing needs the record', () => {
  it('an encounter starts a care relationship; other entries, and corrections, need access first — filing a document cannot open a record', async () => {
    const stranger = await makePatient(t.db, { name: '邵陌生' });
    const refused = await doctor.post(`/api/v1/patients/${stranger.id}/documents`, { kind: 'consent_form', title: '知情同意书', authoredAt: '2025-05-01T08:00:00+08:00' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('record_access_denied');
    expect((await doctor.get(`/api/v1/patients/${stranger.id}/record/access`)).body.allowed).toBe(false);
    const seen = await doctor.post(`/api/v1/patients/${stranger.id}/encounters`, { class: 'outpatient', startedAt: '2025-05-01T08:00:00+08:00' });
    expect(seen.status).toBe(201);
    expect((await doctor.get(`/api/v1/patients/${stranger.id}/record/access`)).body).toMatchObject({ allowed: true, via: 'care' });
    expect((await doctor.post(`/api/v1/patients/${stranger.id}/documents`, { kind: 'consent_form', title: '知情同意书', authoredAt: '2025-05-01T08:00:00+08:00' })).status).toBe(201);
  });
});
