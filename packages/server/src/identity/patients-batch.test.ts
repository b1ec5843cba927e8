/**
 * A transaction Bundle that registers several new patients writes them together (identity/patients.ts
 * createPatients): each with its local number, its pinyin search keys and its `patient.create` audit entry, as a
 * single registration would; all or nothing when one of them is refused (checked before anything is written, or
 * refused by createPatient one by one); re-posting the Bundle changes nothing.
 */
import { makeResidentId } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOutcome, fhirClient, type FhirClient } from '../fhir/client.testutil.js';
import { IDENTIFIER_SYSTEM } from '../fhir/codes.js';
import { makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, dbKind, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let his: FhirClient;
let doctor: Client;
const RID = IDENTIFIER_SYSTEM.residentId;
const TABLES = ['patient', 'patient_identifier', 'patient_search_key', 'encounter', 'audit_log'] as const;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  const office = await t.login('consortium_admin');
  const c = (await office.post('/api/v1/api-clients', { institutionId: w.upper.id, name: 'HIS' })).body;
  const tok = await t.anonymous.request('POST', '/oauth2/token', new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString(),
    { 'content-type': 'application/x-www-form-urlencoded' });
  expect(tok.status).toBe(200);
  const bearer = { authorization: `Bearer ${tok.body.access_token}` };
  his = fhirClient({ ...t.anonymous, request: (m, u, b, h = {}) => t.anonymous.request(m, u, b, { ...bearer, ...h }) });
  doctor = await t.login('doctor');
});
afterAll(() => t.close());

interface NewOne { rid?: string; name: string; mrn?: string; gender?: string; birthDate?: string }
const bundle = (people: NewOne[], method: 'PUT' | 'POST' = 'PUT') => ({
  resourceType: 'Bundle', type: 'transaction',
  entry: people.flatMap((p, n) => [
    {
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      resource: {
        resourceType: 'Patient', name: [{ text: p.name }],
        identifier: [
          ...(p.rid ? [{ system: RID, value: p.rid }] : []),
          ...(p.mrn ? [{ system: IDENTIFIER_SYSTEM.patientNumber('UPPER', 'local_mrn'), value: p.mrn }] : []),
        ],
        ...(p.gender ? { gender: p.gender } : {}), ...(p.birthDate ? { birthDate: p.birthDate } : {}),
      },
      request: method === 'PUT' && p.rid ? { method: 'PUT', url: `Patient?identifier=${RID}|${p.rid}` } : { method: 'POST', url: 'Patient' },
    },
    {
      resource: {
        resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' },
        subject: { reference: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}` },
        identifier: [{ system: 'https://his.upper.example/enc', value: `enc-${p.rid ?? p.name}` }], period: { start: '2026-03-01T08:00:00Z' },
      },
      request: { method: 'PUT', url: `Encounter?identifier=https://his.upper.example/enc|enc-${p.rid ?? p.name}` },
    },
  ]),
});

describe(`a Bundle's new patients written together on ${dbKind}`, () => {
  const people: NewOne[] = [
    { rid: makeResidentId('110105', '1961-02-03', 'male', 11), name: '司马光明', mrn: 'B-0001' },
    { rid: makeResidentId('110105', '1972-04-05', 'female', 12), name: '欧阳晓燕', mrn: 'B-0002' },
    { rid: makeResidentId('110105', '1983-06-07', 'male', 13), name: '诸葛远航' },
    { name: '上官婉清', gender: 'female', birthDate: '1990-08-09' },
  ];

  it('writes each patient with its local number, search keys and audit entry, found by name and pinyin afterwards; re-posting changes nothing', async () => {
    const audits = await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'patient.create').execute();
    const res = await his.post('/fhir', bundle(people));
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
    const patientEntries = res.body.entry.filter((_: unknown, i: number) => i % 2 === 0);
    expect(patientEntries.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created']);
    const ids = patientEntries.map((e: any) => e.response.location.replace(/^Patient\//, '').replace(/\/.*$/, ''));
    // The encounters point at the patients the Bundle created.
    const encounters = await t.db.selectFrom('encounter').select(['patient_id']).where('patient_id', 'in', ids).execute();
    expect(encounters.map((e) => e.patient_id).sort()).toEqual([...ids].sort());

    const rows = await t.db.selectFrom('patient').selectAll().where('id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(ids.map((id: string) => byId.get(id)!.name)).toEqual(people.map((p) => p.name));
    expect(byId.get(ids[0])).toMatchObject({ resident_id: people[0]!.rid, sex: 'male', birth_date: '1961-02-03' });
    expect(byId.get(ids[3])).toMatchObject({ resident_id: null, sex: 'female', birth_date: '1990-08-09' });
    const idents = await t.db.selectFrom('patient_identifier').select(['patient_id', 'institution_id', 'kind', 'value']).where('patient_id', 'in', ids).orderBy('value').execute();
    expect(idents).toEqual([
      { patient_id: ids[0], institution_id: w.upper.id, kind: 'local_mrn', value: 'B-0001' },
      { patient_id: ids[1], institution_id: w.upper.id, kind: 'local_mrn', value: 'B-0002' },
    ]);
    const keys = await t.db.selectFrom('patient_search_key').select(['patient_id', 'key']).where('patient_id', 'in', ids).execute();
    expect(keys.filter((k) => k.patient_id === ids[2]).map((k) => k.key)).toContain('zhugeyuanhang');

    // Found afterwards by the REST search box (pinyin, initials, characters) and the FHIR search (pinyin).
    for (const [q, id] of [['simaguangming', ids[0]], ['oyxy', ids[1]], ['诸葛远', ids[2]], ['shangguan', ids[3]]] as const) {
      const found = await doctor.get(`/api/v1/patients?q=${encodeURIComponent(q)}`);
      expect(found.status).toBe(200);
      expect(found.body.items.map((p: any) => p.id), q).toContain(id);
    }
    const fhirFound = await his.get('/fhir/Patient?name=ouyangxiaoyan');
    expect(fhirFound.body.entry.map((e: any) => e.resource.id)).toEqual([ids[1]]);
    expect(fhirFound.body.entry[0].resource.identifier.map((i: any) => i.value)).toEqual([people[1]!.rid, 'B-0002']);

    const created = await t.db.selectFrom('audit_log').select(['object_id', 'patient_id', 'detail']).where('action', '=', 'patient.create')
      .where('seq', 'not in', audits.length ? audits.map((a) => a.seq) : [-1]).execute();
    expect(created.map((a) => a.object_id).sort()).toEqual([...ids].sort());
    expect(created.find((a) => a.object_id === ids[0])!.detail).toMatchObject({ localNumberInstitutionId: w.upper.id });

    // Re-posting the Bundle: every patient is matched by its resident ID, nothing is written.
    const before = await tableHashes(t.db, TABLES.filter((x) => x !== 'audit_log'));
    const again = await his.post('/fhir', bundle(people.slice(0, 3)));
    expect(again.status).toBe(200);
    expect(again.body.entry.map((e: any) => e.response.status)).toEqual(Array(6).fill('200 OK'));
    expect(again.body.entry.filter((_: unknown, i: number) => i % 2 === 0).map((e: any) => e.response.location.replace(/^Patient\//, '').replace(/\/.*$/, ''))).toEqual(ids.slice(0, 3));
    expect(await tableHashes(t.db, TABLES.filter((x) => x !== 'audit_log'))).toEqual(before);
  });

  it('writes nothing when one of the patients is refused: invalid resident ID, one on file, a likely duplicate within the Bundle, a local number taken', async () => {
    const fresh = (seq: number, name: string, extra: Partial<NewOne> = {}): NewOne => ({ rid: makeResidentId('110105', '1955-01-01', 'female', seq), name, ...extra });
    const before = await tableHashes(t.db, TABLES);
    const bad = makeResidentId('110105', '1956-01-01', 'male', 31).slice(0, 17) + (makeResidentId('110105', '1956-01-01', 'male', 31).endsWith('1') ? '2' : '1');
    expectOutcome(await his.post('/fhir', bundle([fresh(21, '赵一'), fresh(22, '钱二'), { rid: bad, name: '孙三' }])), 400, 'invalid_resident_id');
    // POST without a condition: the resident ID of a patient on file is refused (409), naming the entry.
    const dup = await his.post('/fhir', bundle([fresh(23, '李四'), { rid: people[1]!.rid, name: '周五' }], 'POST'));
    const issue = expectOutcome(dup, 409, 'duplicate_resident_id');
    expect(issue.expression?.[0] ?? issue.location?.[0] ?? '').toMatch(/^Bundle\.entry\[2\]/);
    // Two new patients of the Bundle that are likely the same person (same name, birth date and sex).
    const twin = { name: '吴六', gender: 'male', birthDate: '1966-06-06' };
    const twins = await his.post('/fhir', bundle([twin, fresh(24, '郑七'), twin], 'POST'));
    expectOutcome(twins, 409, 'likely_duplicate');
    // A local number another patient has.
    expectOutcome(await his.post('/fhir', bundle([fresh(25, '王八'), fresh(26, '冯九', { mrn: 'B-0001' })])), 409, 'duplicate_identifier');
    expect(await tableHashes(t.db, TABLES)).toEqual(before);
  });
});
