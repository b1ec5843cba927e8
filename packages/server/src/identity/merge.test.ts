import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit.js';
import { makePatient, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let admin: Client;
beforeAll(async () => {
  t = await createTestApp();
  world = await makeWorld(t.db);
  admin = await t.login('institution_admin');
});
afterAll(() => t.close());

const URL = '/api/v1/patients';
const row = (id: string) => t.db.selectFrom('patient').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const identifiersOf = async (id: string) =>
  (await t.db.selectFrom('patient_identifier').select('id').where('patient_id', '=', id).orderBy('id').execute()).map((r) => r.id);
/** The record without what every write changes (version, updated_at). */
const content = ({ version: _v, updated_at: _u, ...rest }: Awaited<ReturnType<typeof row>>) => rest;

/** A survivor with a resident ID but no phone, and a second record of the same person with a phone, card and numbers. */
async function pair(n: number) {
  const survivor = await makePatient(t.db, { name: `合并${n}`, phone: null, birthDate: '1966-06-06' });
  const merged = await makePatient(t.db, { name: `合并${n}`, residentId: null, phone: `1350000${String(n).padStart(4, '0')}`, birthDate: '1966-06-06' });
  await t.db.updateTable('patient').set({ insurance_card_no: `YB${n}`, address: '城关镇' }).where('id', '=', merged.id).execute();
  await t.db.insertInto('patient_identifier').values([
    { patient_id: survivor.id, institution_id: world.upper.id, value: `S${n}` },
    { patient_id: merged.id, institution_id: world.lower.id, value: `M${n}a` },
    { patient_id: merged.id, institution_id: world.upper.id, kind: 'inpatient_no', value: `M${n}b` },
  ]).execute();
  return { survivor: await row(survivor.id), merged: await row(merged.id) };
}

describe('merging duplicate patients (合并)', () => {
  it('moves local numbers, fills empty fields, marks the merged record, and an undo restores both exactly', async () => {
    const { survivor, merged } = await pair(1);
    const survivorIds = await identifiersOf(survivor.id), mergedIds = await identifiersOf(merged.id);
    const account = await makeUser(t.db, 'merged_patient', [{ role: 'patient', institutionId: null }], { patientId: merged.id });

    const res = await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: merged.id, reason: '同一人重复建档' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ survivorId: survivor.id, mergedId: merged.id, reason: '同一人重复建档', movedIdentifierCount: 2,
      filledFields: ['phone', 'insuranceCardNo', 'address'], undoneAt: null, mergedBy: { username: 'institution_admin' } });
    const s = await row(survivor.id), m = await row(merged.id);
    expect(s).toMatchObject({ phone: merged.phone, insurance_card_no: `YB1`, address: '城关镇', resident_id: survivor.resident_id, version: survivor.version + 1 });
    expect(m).toMatchObject({ status: 'merged', merged_into: survivor.id });
    expect(await identifiersOf(survivor.id)).toEqual([...survivorIds, ...mergedIds].sort());
    expect((await t.db.selectFrom('user_account').select('patient_id').where('id', '=', account.id).executeTakeFirstOrThrow()).patient_id).toBe(survivor.id);

    const doctor = await t.login('doctor');
    const followed = await doctor.get(`${URL}/${merged.id}`);
    expect(followed.body).toMatchObject({ status: 'merged', mergedInto: survivor.id, identifiers: [] });
    expect((await doctor.get(`${URL}?q=${encodeURIComponent('合并1')}`)).body.items.map((i: { id: string }) => i.id)).toEqual([survivor.id]);
    expect((await doctor.patch(`${URL}/${merged.id}`, { address: 'x' })).body.error).toMatchObject({ code: 'merged', details: { mergedInto: survivor.id } });
    const audits = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'patient.merge').where('object_id', '=', res.body.id).execute();
    expect(audits.map((a) => a.patient_id).sort()).toEqual([survivor.id, merged.id].sort());
    expect(audits[0]!.reason).toBe('同一人重复建档');
    expect(JSON.stringify(audits)).not.toContain(merged.phone);

    const undo = await admin.post(`${URL}/merges/${res.body.id}/undo`);
    expect(undo.status).toBe(200);
    expect(undo.body).toMatchObject({ id: res.body.id, undoneBy: { username: 'institution_admin' } });
    expect(undo.body.undoneAt).toBeTruthy();
    expect(content(await row(survivor.id))).toEqual(content(survivor));
    expect(content(await row(merged.id))).toEqual(content(merged));
    expect(await identifiersOf(survivor.id)).toEqual(survivorIds);
    expect(await identifiersOf(merged.id)).toEqual(mergedIds);
    expect((await t.db.selectFrom('user_account').select('patient_id').where('id', '=', account.id).executeTakeFirstOrThrow()).patient_id).toBe(merged.id);
    const undoAudits = await t.db.selectFrom('audit_log').select('patient_id').where('action', '=', 'patient.merge_undo').where('object_id', '=', res.body.id).execute();
    expect(undoAudits).toHaveLength(2);

    const twice = await admin.post(`${URL}/merges/${res.body.id}/undo`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_undone');
  });

  it('moves the resident ID to a survivor without one, inside the transaction, and gives it back on undo', async () => {
    const survivor = await makePatient(t.db, { name: '移号', residentId: null, birthDate: '1970-01-01' });
    const merged = await makePatient(t.db, { name: '移号', birthDate: '1970-01-01' });
    const res = await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: merged.id, reason: '重复' });
    expect(res.status).toBe(201);
    expect((await row(survivor.id)).resident_id).toBe(merged.resident_id);
    expect((await row(merged.id)).resident_id).toBeNull();
    const doctor = await t.login('doctor');
    expect((await doctor.get(`${URL}?q=${merged.resident_id}`)).body.items.map((i: { id: string }) => i.id)).toEqual([survivor.id]);
    await admin.post(`${URL}/merges/${res.body.id}/undo`);
    expect(content(await row(survivor.id))).toEqual(content(survivor));
    expect(content(await row(merged.id))).toEqual(content(merged));
  });

  it('keeps later edits of the survivor when undoing, and puts back only what the merge filled', async () => {
    const { survivor, merged } = await pair(2);
    const res = await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: merged.id, reason: '重复' });
    await admin.patch(`${URL}/${survivor.id}`, { address: '新地址', regionCode: '330521' });
    await admin.post(`${URL}/merges/${res.body.id}/undo`);
    expect(await row(survivor.id)).toMatchObject({ address: '新地址', region_code: '330521', phone: null, insurance_card_no: null });
    expect(content(await row(merged.id))).toEqual(content(merged));
  });

  it('refuses impossible merges with 409 or 404 and changes nothing', async () => {
    const { survivor, merged } = await pair(3);
    const other = await makePatient(t.db, { name: '另一人' });
    const before = [content(await row(survivor.id)), content(await row(merged.id)), content(await row(other.id))];
    const self = await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: survivor.id, reason: 'x' });
    expect(self.body.error).toMatchObject({ code: 'merge_self' });
    const twoIds = await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: other.id, reason: 'x' });
    expect(twoIds.status).toBe(409);
    expect(twoIds.body.error.code).toBe('resident_id_conflict');
    expect((await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: crypto.randomUUID(), reason: 'x' })).body.error).toMatchObject({ code: 'not_found', field: 'mergedId' });
    expect((await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: merged.id })).body.error).toMatchObject({ code: 'validation', field: 'reason' });
    expect((await admin.post(`${URL}/merges/${crypto.randomUUID()}/undo`)).status).toBe(404);
    for (const username of ['doctor', 'patient', 'regulator']) {
      const c = await t.login(username);
      expect((await c.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: merged.id, reason: 'x' })).status).toBe(403);
    }
    expect([content(await row(survivor.id)), content(await row(merged.id)), content(await row(other.id))]).toEqual(before);
    expect(await t.db.selectFrom('patient_merge').selectAll().where('survivor_id', '=', survivor.id).execute()).toEqual([]);

    const ok = await admin.post(`${URL}/merges`, { survivorId: survivor.id, mergedId: merged.id, reason: 'x' });
    expect(ok.status).toBe(201);
    const again = await admin.post(`${URL}/merges`, { survivorId: other.id, mergedId: merged.id, reason: 'x' });
    expect(again.body.error).toMatchObject({ code: 'already_merged', field: 'mergedId' });
    const intoMerged = await admin.post(`${URL}/merges`, { survivorId: merged.id, mergedId: other.id, reason: 'x' });
    expect(intoMerged.body.error).toMatchObject({ code: 'already_merged', field: 'survivorId' });
  });

  it('refuses to undo a merge whose survivor was merged again later, until that merge is undone', async () => {
    const a = await makePatient(t.db, { name: '链甲', birthDate: '1980-08-08' });
    const b = await makePatient(t.db, { name: '链甲', birthDate: '1980-08-08', residentId: null });
    const c = await makePatient(t.db, { name: '链甲', birthDate: '1980-08-08', residentId: null });
    const first = await admin.post(`${URL}/merges`, { survivorId: b.id, mergedId: c.id, reason: '1' });
    const second = await admin.post(`${URL}/merges`, { survivorId: a.id, mergedId: b.id, reason: '2' });
    const blocked = await admin.post(`${URL}/merges/${first.body.id}/undo`);
    expect(blocked.body.error).toMatchObject({ code: 'survivor_merged', details: { mergedInto: a.id } });
    expect((await admin.post(`${URL}/merges/${second.body.id}/undo`)).status).toBe(200);
    expect((await admin.post(`${URL}/merges/${first.body.id}/undo`)).status).toBe(200);
    for (const p of [a, b, c]) expect(content(await row(p.id))).toEqual(content(p));
  });

  it('lists the merge history of a patient, newest first', async () => {
    const a = await makePatient(t.db, { name: '史甲', birthDate: '1981-08-08' });
    const b = await makePatient(t.db, { name: '史甲', birthDate: '1981-08-08', residentId: null });
    const m = await admin.post(`${URL}/merges`, { survivorId: a.id, mergedId: b.id, reason: '重复建档' });
    await admin.post(`${URL}/merges/${m.body.id}/undo`);
    const res = await admin.get(`${URL}/merges?patientId=${b.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 1, items: [{ id: m.body.id, survivorName: '史甲', mergedName: '史甲', reason: '重复建档', undoneBy: { username: 'institution_admin' } }] });
    expect((await admin.get(`${URL}/merges`)).body.total).toBeGreaterThanOrEqual(5);
    const consortium = await t.login('consortium_admin');
    expect((await consortium.get(`${URL}/merges?patientId=${a.id}`)).status).toBe(200);
    expect((await (await t.login('patient')).get(`${URL}/merges`)).status).toBe(403);
  });

  it('keeps the audit chain intact', async () => {
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
