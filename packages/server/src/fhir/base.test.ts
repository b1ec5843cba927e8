/**
 * The FHIR facade's base: the CapabilityStatement, sign-in (cookie or API token; only /metadata is public),
 * content types, and bad input answered with a 4xx OperationOutcome carrying the REST API's zh/en messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type Client, type TestApp } from '../test/harness.js';
import { expectOutcome, fhirClient, type FhirClient } from './client.testutil.js';
import { RESOURCES } from './registry.js';
import { expectValidFhir, fhirErrors } from './validate.testutil.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, fhir: FhirClient, anon: FhirClient;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  doctor = await t.login('doctor');
  fhir = fhirClient(doctor);
  anon = fhirClient(t.anonymous);
});
afterAll(() => t.close());

describe(`FHIR base on ${dbKind}`, () => {
  it('publishes a CapabilityStatement without sign-in, listing each type with its interactions and search parameters', async () => {
    const res = await anon.get('/fhir/metadata');
    expect(res.status).toBe(200);
    const cs = expectValidFhir(res.body, 'CapabilityStatement');
    expect(cs).toMatchObject({ fhirVersion: '4.0.1', kind: 'instance', format: expect.arrayContaining(['application/fhir+json']) });
    const types = Object.fromEntries(cs.rest![0]!.resource!.map((r) => [r.type, r]));
    const codes = (type: string) => types[type]!.interaction!.map((i) => i.code);
    const params = (type: string) => types[type]!.searchParam!.map((p) => p.name);
    expect(Object.keys(types)).toEqual(RESOURCES.map((m) => m.type));
    expect(Object.keys(types)).toEqual(['Organization', 'Practitioner', 'PractitionerRole', 'Patient', 'Encounter', 'Condition',
      'AllergyIntolerance', 'MedicationRequest', 'Observation', 'DiagnosticReport', 'DocumentReference', 'Consent', 'Schedule', 'Slot', 'Appointment',
      'ServiceRequest', 'Task']);
    expect(codes('Observation')).toEqual(['read', 'search-type', 'create', 'update', 'patch']);
    expect(types.Observation).toMatchObject({ versioning: 'versioned', conditionalCreate: true, conditionalUpdate: true });
    expect(params('Observation')).toEqual(expect.arrayContaining(['patient', 'subject', 'code', 'category', 'date', 'identifier', '_count']));
    expect(params('Patient')).toEqual(expect.arrayContaining(['identifier', 'name', 'birthdate', 'phone', 'gender']));
    expect(cs.rest![0]!.interaction).toEqual([{ code: 'transaction' }]);
    expect(codes('Slot')).toEqual(['read', 'search-type']);
    expect(codes('Appointment')).toEqual(['read', 'search-type', 'create', 'update', 'patch']);
    expect(params('Slot')).toEqual(expect.arrayContaining(['schedule', 'start', 'status', '_count']));
    expect(params('Appointment')).toEqual(expect.arrayContaining(['patient', 'date', 'status']));
    expect(params('Schedule')).toEqual(expect.arrayContaining(['actor', 'active', 'institution']));
    expect(cs.implementation!.url).toMatch(/\/fhir$/);
  });

  it('refuses every other call without sign-in with a 401 OperationOutcome, and accepts an API token', async () => {
    for (const url of ['/fhir/Slot', `/fhir/Slot/${UNKNOWN}`, '/fhir/Schedule', `/fhir/Appointment/${UNKNOWN}`, '/fhir/Appointment?patient=x'])
      expectOutcome(await anon.get(url), 401, 'unauthenticated', { zh: '请先登录', en: 'Please sign in first' });
    expectOutcome(await anon.post('/fhir/Appointment', { resourceType: 'Appointment' }), 401, 'unauthenticated');
    expectOutcome(await anon.put(`/fhir/Appointment/${UNKNOWN}`, { resourceType: 'Appointment' }), 401);
    expectOutcome(await anon.patch(`/fhir/Appointment/${UNKNOWN}`, []), 401);
    expectOutcome(await anon.request('GET', '/fhir/Slot', undefined, { authorization: 'Bearer ylt_not-a-token' }), 401);
    const admin = await t.login('institution_admin');
    const issued = await admin.post(`/api/v1/users/${w.users.doctor.id}/tokens`, { name: 'HIS 接口' });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const res = await anon.request('GET', '/fhir/Schedule', undefined, { authorization: `Bearer ${issued.body.token}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
  });

  it('answers unknown ids, types and search parameters with 4xx OperationOutcomes', async () => {
    expectOutcome(await fhir.get(`/fhir/Appointment/${UNKNOWN}`), 404, 'not_found', { zh: '预约不存在', en: 'Appointment not found' });
    expectOutcome(await fhir.get(`/fhir/Slot/${UNKNOWN}`), 404, 'not_found', { zh: '号源不存在', en: 'Slot not found' });
    expectOutcome(await fhir.get(`/fhir/Schedule/${UNKNOWN}`), 404, 'not_found');
    expectOutcome(await fhir.get('/fhir/Slot/not-an-id'), 404, 'not_found');
    expectOutcome(await fhir.get('/fhir/Basic/1'), 404, 'no_route');
    expectOutcome(await fhir.request('DELETE', `/fhir/Appointment/${UNKNOWN}`), 404, 'no_route');
    const unknownParam = expectOutcome(await fhir.get('/fhir/Slot?shedule=Schedule/1'), 400, 'unknown_search_param');
    expect(unknownParam.diagnostics).toMatch(/shedule/);
    expectOutcome(await fhir.get('/fhir/Slot?status:not=free'), 400, 'unknown_search_param');
    expectOutcome(await fhir.get('/fhir/Slot?start=ne2026-03-01'), 400, 'invalid_search_value');
    expectOutcome(await fhir.get('/fhir/Slot?start=2026-02-30'), 400, 'invalid_search_value');
    expectOutcome(await fhir.get('/fhir/Slot?_count=ten'), 400, 'invalid_search_value');
    expectOutcome(await fhir.get('/fhir/Slot?schedule=Practitioner/1'), 400, 'invalid_search_value');
    expectOutcome(await fhir.get('/fhir/Schedule?active=yes'), 400, 'invalid_search_value');
    expectOutcome(await fhir.get('/fhir/Slot?_format=xml'), 400, 'unsupported_format');
  });

  it('refuses malformed JSON, wrong types and the wrong resourceType with 400 and unsupported content types with 415', async () => {
    const malformed = expectOutcome(await fhir.post('/fhir/Appointment', '{"resourceType": "Appoi'), 400, 'malformed_json',
      { zh: '请求体不是有效的 JSON', en: 'The request body is not valid JSON' });
    expect(malformed.code).toBe('structure');
    expectOutcome(await fhir.request('POST', '/fhir/Appointment', '{"resourceType":', { 'content-type': 'application/json' }), 400, 'malformed_json');
    expectOutcome(await fhir.patch(`/fhir/Appointment/${UNKNOWN}`, '[{"op":'), 400, 'malformed_json');
    const wrongType = expectOutcome(await fhir.post('/fhir/Appointment', { resourceType: 'Patient', name: [{ text: '张三' }] }), 400, 'wrong_resource_type');
    expect(wrongType.expression).toEqual(['Appointment.resourceType']);
    expectOutcome(await fhir.post('/fhir/Appointment', [1, 2, 3]), 400, 'not_a_resource');
    const slotType = expectOutcome(await fhir.post('/fhir/Appointment', { resourceType: 'Appointment', status: 'booked', slot: 'Slot/1', participant: [] }), 400, 'validation');
    expect(slotType.expression).toEqual(['Appointment.slot']);
    const deep = expectOutcome(await fhir.post('/fhir/Appointment', { resourceType: 'Appointment', slot: [{ reference: 5 }], participant: [{ actor: { reference: 'Patient/x' } }] }), 400, 'validation');
    expect(deep.expression).toEqual(['Appointment.slot[0].reference']);
    expectOutcome(await fhir.request('POST', '/fhir/Appointment', 'resourceType=Appointment', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    expectOutcome(await fhir.request('POST', '/fhir/Appointment', '<Appointment/>', { 'content-type': 'application/fhir+xml' }), 415, 'unsupported_media_type');
    expectOutcome(await fhir.request('PATCH', `/fhir/Appointment/${UNKNOWN}`, '{"resourceType":"Appointment"}', { 'content-type': 'application/fhir+json' }), 415, 'unsupported_media_type');
  });

  it('the test validator itself catches invalid FHIR (so the checks above mean something)', () => {
    expect(fhirErrors({ resourceType: 'Slot', status: 'free', start: '2026-03-01T08:00:00Z', end: '2026-03-01T08:30:00Z' } as never).map((i) => i.expression?.[0]))
      .toContain('Slot.schedule');
    expect(fhirErrors({ resourceType: 'Appointment', status: 'booked', participant: [{ status: 'accepted' }] } as never).length).toBeGreaterThan(0);
    expect(fhirErrors({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 1 } }] } as never).length).toBeGreaterThan(0);
  });

  it('keeps the REST error shape outside /fhir', async () => {
    const rest = await doctor.get(`/api/v1/scheduling/appointments/${UNKNOWN}`);
    expect(rest.status).toBe(404);
    expect(rest.body).toEqual({ error: { code: 'not_found', zh: '预约不存在', en: 'Appointment not found', field: 'id' } });
    const bad = await doctor.request('POST', '/api/v1/scheduling/appointments', '{"slotId":', { 'content-type': 'application/json' });
    expect(bad.body.error.code).toBe('malformed_json');
  });
});
