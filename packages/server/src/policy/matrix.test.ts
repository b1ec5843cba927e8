/**
 * Role × action matrix: for every action in the permission table and every role, one real request. Where the
 * table says no, the answer must be 403 and the database unchanged; where it says yes, the request must not be
 * refused. Own-institution grants are also tried against another institution's object (403).
 */
import { ACTIONS, grantFor, makeResidentId, ROLES, type Action, type Role } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePatient, makePractitioner, makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { makeAppointments, makeSlots } from '../scheduling/fixtures.js';
import { makeReferrals } from '../referral/fixtures.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
const clients = {} as Record<Role | 'institution_admin_lower', Client>;
let n = 0;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  for (const role of ROLES) clients[role] = await t.login(role);
  clients.institution_admin_lower = await t.login('institution_admin_lower');
  // Scheduling objects the probes use up, made before any snapshot is taken.
  freeSlots = (await makeSlots(t.db, w.upper.id, 40)).slots.map((s) => s.id);
  for (const inst of [w.upper.id, w.lower.id])
    booked[inst] = (await makeAppointments(t.db, inst, 40, w.patient.id, w.users.doctor.id)).map((a) => a.id);
  // Submitted referrals sent by each institution, for the office probe (approve) to use up.
  for (const [from, to] of [[w.upper.id, w.lower.id], [w.lower.id, w.upper.id]] as const)
    submitted[from] = (await makeReferrals(t.db, 15, { patientId: w.patient.id, fromInstitutionId: from, toInstitutionId: to, createdBy: w.users.doctor.id })).map((r) => r.id);
});
const submitted: Record<string, string[]> = {};
let freeSlots: string[] = [];
const booked: Record<string, string[]> = {};
afterAll(() => t.close());

function multipart(filename: string, content: string, contentType = 'text/csv') {
  const boundary = '----yl' + Math.random().toString(16).slice(2);
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A record entry (an encounter of the world's patient) at the institution, made once; its current version. */
const encounters: Record<string, string> = {};
async function encounterAt(inst: string) {
  if (!encounters[inst]) {
    const id = crypto.randomUUID();
    await t.db.insertInto('encounter').values({ id, entry_id: id, patient_id: w.patient.id, institution_id: inst, class: 'outpatient', started_at: new Date() }).execute();
    encounters[inst] = id;
  }
  const cur = await t.db.selectFrom('encounter').select('version').where('entry_id', '=', encounters[inst]!).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
  return { id: encounters[inst]!, version: cur.version };
}

type Probe = (c: Client, institutionId: string) => Promise<{ status: number; body: any }>;
/** One request per action, on an object of the given institution. */
const PROBES: Record<Action, Probe> = {
  'directory.read': (c) => c.get('/api/v1/institutions'),
  'consortium.manage': (c) => c.post('/api/v1/consortia', { name: `矩阵医联体${++n}`, kind: 'specialty_alliance' }),
  'institution.create': (c) => c.post('/api/v1/institutions', { code: `MX${++n}`, name: `矩阵医院${n}`, level: '2', grade: '甲', type: 'general_hospital', regionCode: '330521' }),
  'institution.update': (c, inst) => c.patch(`/api/v1/institutions/${inst}`, { phone: `0572-${++n}` }),
  'institution.deactivate': async (c, inst) => {
    const r = await c.post(`/api/v1/institutions/${inst}/deactivate`);
    if (r.status < 300) await clients.consortium_admin.post(`/api/v1/institutions/${inst}/activate`);
    return r;
  },
  'department.manage': (c, inst) => c.post('/api/v1/departments', { institutionId: inst, name: `矩阵科${++n}` }),
  'practitioner.manage': (c, inst) => c.post('/api/v1/practitioners', { name: `矩阵医生${++n}`, sex: 'female', title: 'attending_physician', roles: [{ institutionId: inst }] }),
  'expert.manage': async (c, inst) => {
    const p = await makePractitioner(t.db, inst, { title: 'chief_physician', specialty: 'cardiology' });
    return c.post('/api/v1/experts', { practitionerId: p.id, specialty: 'cardiology', services: ['consultation'] });
  },
  'directory.import': (c) => {
    const m = multipart('inst.csv', `机构编码,机构名称,级别,等级,类型,行政区划代码\nIMP${++n},导入医院${n},二级,甲,综合医院,330521\n`);
    return c.request('POST', '/api/v1/import/institutions?dryRun=true', m.body, m.headers);
  },
  'patient.search': (c) => c.get('/api/v1/patients?q=chen'),
  'patient.read': (c) => c.get(`/api/v1/patients/${w.patient.id}`),
  'patient.create': (c) => c.post('/api/v1/patients', { name: `矩阵患者${++n}`, residentId: makeResidentId('330521', '1970-01-01', 'male', 300 + n), phone: null, confirmNotDuplicate: true }),
  'patient.update': (c) => c.patch(`/api/v1/patients/${w.patient.id}`, { address: `浙江省德清县武康街道${++n}号` }),
  'patient.merge': async (c) => {
    const a = await makePatient(t.db, { name: `合并甲${++n}` });
    const b = await makePatient(t.db, { name: `合并甲${n}`, residentId: null });
    return c.post('/api/v1/patients/merges', { survivorId: a.id, mergedId: b.id, reason: '同一人' });
  },
  'patient.link_local_number': (c, inst) => c.post(`/api/v1/patients/${w.patient.id}/identifiers`, { institutionId: inst, value: `MZ${++n}` }),
  'audit.read': (c) => c.get('/api/v1/audit'),
  'user.manage': (c, inst) => c.post('/api/v1/users', { username: `mx.user${++n}`, displayName: '矩阵用户', password: 'Long-enough-1', roles: [{ role: 'doctor', institutionId: inst }] }),
  'message.use': (c) => c.get('/api/v1/threads'),
  'file.upload': (c) => {
    const m = multipart('note.txt', `矩阵文件 ${++n}`, 'text/plain');
    return c.request('POST', '/api/v1/files', m.body, m.headers);
  },
  'outbound.read': (c) => c.get('/api/v1/outbound'),
  'schedule.manage': (c, inst) => c.put('/api/v1/scheduling/quota-rules', { institutionId: inst, category: 'specialist', primaryShare: 0.3, returnLeadMinutes: 1440 + ++n }),
  'schedule.read': (c) => c.get('/api/v1/scheduling/slots?status=free'),
  'schedule.report': (c, inst) => c.get(`/api/v1/scheduling/reports/quota?institutionId=${inst}&from=2020-01-01&to=2030-01-01`),
  'appointment.book': (c) => c.post('/api/v1/scheduling/appointments', { slotId: freeSlots.pop(), patientId: w.patient.id }),
  'appointment.cancel': (c, inst) => c.post(`/api/v1/scheduling/appointments/${booked[inst]!.pop()}/cancel`, {}),
  'appointment.read': (c, inst) => c.get(`/api/v1/scheduling/appointments/${booked[inst]![0]}`),
  'appointment.attend': (c, inst) => c.post(`/api/v1/scheduling/appointments/${booked[inst]!.pop()}/check-in`, {}),
  'api_client.manage': (c, inst) => c.post('/api/v1/api-clients', { institutionId: inst, name: `矩阵接口${++n}` }),
  'record.read': (c) => c.get(`/api/v1/patients/${w.patient.id}/timeline`),
  'record.write': async (c, inst) => {
    const e = await encounterAt(inst);
    return c.post(`/api/v1/record/encounters/${e.id}/versions`, { class: 'outpatient', startedAt: new Date().toISOString(), reason: `矩阵更正${++n}`, version: e.version });
  },
  'record.consent': (c) => c.post(`/api/v1/patients/${w.patient.id}/consents`, { signedBy: '本人', scope: ['report'] }),
  'record.break_glass': (c) => c.post(`/api/v1/patients/${w.patient.id}/break-glass`, { reason: '急诊抢救，需查既往史' }),
  'record.break_glass_review': (c, inst) => c.get(`/api/v1/record/break-glass?institutionId=${inst}`),
  'referral.create': (c, inst) => c.post('/api/v1/referrals', {
    direction: inst === w.upper.id ? 'down' : 'up', setting: 'outpatient', patientId: w.patient.id,
    toInstitutionId: inst === w.upper.id ? w.lower.id : w.upper.id, reason: `矩阵转诊${++n}`, diagnoses: [{ code: 'I10' }],
  }),
  'referral.read': (c) => c.get('/api/v1/referrals?box=all'),
  'referral.office': (c, inst) => c.post(`/api/v1/referrals/${submitted[inst]!.pop()}/actions/sender_approve`, { version: 1 }),
  'referral.report': (c, inst) => c.get(`/api/v1/referrals/overdue?institutionId=${inst}`),
  'referral.configure': (c) => c.get('/api/v1/referral-config/time-limits'),
  'consultation.create': (c) => c.post('/api/v1/consultations', {
    kind: 'routine', patientId: w.patient.id, purpose: `矩阵会诊${++n}`, summary: '胸闷一周', diagnoses: [{ code: 'I10' }],
  }),
  'consultation.read': (c) => c.get('/api/v1/consultations?box=all'),
  'consultation.centre': (c) => c.get('/api/v1/consultations/experts'),
  'consultation.report': (c, inst) => c.get(`/api/v1/consultations/overdue?institutionId=${inst}`),
  'consultation.configure': (c) => c.get('/api/v1/consultation-config/time-limits'),
  'quick_consult.use': (c) => c.get('/api/v1/quick-consults?box=asked'),
  'code.manage': (c) => {
    const m = multipart('codes.csv', `编码,名称\nZ99.${String(++n % 1000).padStart(3, '0')},矩阵诊断${n}\n`);
    return c.request('POST', '/api/v1/codes/import?system=test-matrix', m.body, m.headers);
  },
};

const TABLES = ['institution', 'consortium', 'consortium_member', 'department', 'practitioner', 'practitioner_role', 'expert',
  'patient', 'patient_identifier', 'patient_merge', 'user_account', 'user_role',
  'quota_rule', 'schedule_resource', 'slot', 'appointment', 'appointment_event', 'referral', 'referral_event'];
const snapshot = () => tableHashes(t.db, TABLES);
/** The institution each test user's role is held at. */
const homeOf = (role: Role) => (role === 'family_doctor' ? w.lower.id : w.upper.id);

describe('role × action matrix', () => {
  for (const action of ACTIONS) {
    it(`${action}: only the roles the permission table names may do it`, async () => {
      for (const role of ROLES) {
        const scope = grantFor(role, action);
        const target = homeOf(role);
        if (!scope) {
          // Objects that probes create before the request (an expert candidate, merge pair) are not part of the check.
          const before = await snapshot();
          const res = await PROBES[action](clients[role], target);
          if (action !== 'expert.manage' && action !== 'patient.merge') expect(await snapshot(), `${role} ${action} changed data`).toEqual(before);
          expect(res.status, `${role} ${action}: ${JSON.stringify(res.body).slice(0, 160)}`).toBe(403);
          expect(res.body.error.code).toBe('forbidden');
        } else if (scope !== 'self') {
          const res = await PROBES[action](clients[role], target);
          expect(res.status, `${role} ${action}: ${JSON.stringify(res.body).slice(0, 200)}`).toBeLessThan(400);
        }
      }
    });
  }

  it('refuses own-institution grants on another institution’s objects and changes nothing', async () => {
    const scoped = ACTIONS.filter((a) => grantFor('institution_admin', a) === 'own_institution' && a !== 'audit.read' && a !== 'directory.import');
    expect(scoped.length).toBeGreaterThan(3);
    for (const action of scoped) {
      const before = await snapshot();
      const res = await PROBES[action](clients.institution_admin_lower, w.upper.id);
      expect(res.status, `${action}: ${JSON.stringify(res.body).slice(0, 160)}`).toBe(403);
      expect(await snapshot(), action).toEqual(before);
    }
  });

  it('lets a patient read and update only their own record', async () => {
    const other = await makePatient(t.db, { name: '别人' });
    expect((await clients.patient.get(`/api/v1/patients/${w.patient.id}`)).status).toBe(200);
    const before = await snapshot();
    expect((await clients.patient.get(`/api/v1/patients/${other.id}`)).status).toBe(403);
    expect((await clients.patient.patch(`/api/v1/patients/${other.id}`, { address: 'x' })).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });
});
