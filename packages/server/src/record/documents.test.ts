import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { makeEncounter } from './fixtures.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, lower: Client, patient: Client;
let pid: string;

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n出院小结 诊断：社区获得性肺炎\n%%EOF');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF 扫描件')]);
const META = { kind: 'discharge_summary', title: '出院小结', authoredAt: '2025-03-10T10:00:00+08:00', text: '住院7天，好转出院' };

type Part = { field: string; name?: string; type?: string; data: Buffer | string };
function multipart(parts: Part[]) {
  const boundary = '----yl' + Math.random().toString(16).slice(2);
  const chunks = parts.flatMap((p) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"${p.name !== undefined ? `; filename="${p.name}"` : ''}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`),
    Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data), Buffer.from('\r\n'),
  ]);
  return { body: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
const upload = (c: Client, parts: Part[], patientId = pid) => {
  const m = multipart(parts);
  return c.request('POST', `/api/v1/patients/${patientId}/documents`, m.body, m.headers);
};
const meta = (m: object = META): Part => ({ field: 'meta', data: JSON.stringify(m) });
const TABLES = ['document', 'document_attachment', 'file_object'];

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  pid = w.patient.id;
  await makeEncounter(t.db, pid, w.upper.id);
  [doctor, lower, patient] = await Promise.all([t.login('doctor'), t.login('doctor_lower'), t.login('patient')]);
});
afterAll(() => t.close());

describe('documents with attachments', () => {
  let docId: string;

  it('stores the attachments encrypted, typed by their bytes, and streams them back to those who may read the record', async () => {
    const r = await upload(doctor, [meta(), { field: 'file', name: '出院小结.pdf', type: 'application/pdf', data: PDF },
      { field: 'file', name: '胸片.png', type: 'application/octet-stream', data: PNG }, { field: 'file', name: '扫描.png', type: 'image/png', data: JPEG }]);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ entryKind: 'document', kind: 'discharge_summary', title: '出院小结', version: 1, institutionId: w.upper.id });
    expect(r.body.attachments).toEqual([
      { position: 1, name: '出院小结.pdf', contentType: 'application/pdf', size: PDF.length },
      { position: 2, name: '胸片.png', contentType: 'image/png', size: PNG.length },
      { position: 3, name: '扫描.png', contentType: 'image/jpeg', size: JPEG.length },
    ]);
    docId = r.body.id;
    const att = await t.db.selectFrom('document_attachment').selectAll().where('position', '=', 1).where('document_id', '=', r.body.versionId).executeTakeFirstOrThrow();
    const onDisk = readFileSync((t.app.files as unknown as { pathOf(id: string): string }).pathOf(att.file_sha256));
    expect(onDisk.includes(Buffer.from('社区获得性肺炎'))).toBe(false);
    const back = await t.app.inject({ method: 'GET', url: `/api/v1/record/documents/${docId}/attachments/1`, headers: { cookie: doctor.cookie } });
    expect(back.statusCode).toBe(200);
    expect(back.rawPayload.equals(PDF)).toBe(true);
    expect(back.headers['content-type']).toBe('application/pdf');
    expect(back.headers['x-content-type-options']).toBe('nosniff');
    expect(back.headers['content-disposition']).toContain(encodeURIComponent('出院小结.pdf'));
    const read = await t.db.selectFrom('audit_log').selectAll().where('user_id', '=', w.users.doctor.id).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(read).toMatchObject({ action: 'record.read', patient_id: pid, object_id: docId });
    expect(JSON.stringify(read.detail)).toContain('"attachment":1');
    // The patient reads their own; the file is not reachable through the general file API.
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/record/documents/${docId}/attachments/2`, headers: { cookie: patient.cookie } });
    expect(own.statusCode).toBe(200);
    expect(own.rawPayload.equals(PNG)).toBe(true);
    expect((await doctor.get(`/api/v1/files/${att.file_sha256}`)).status).toBe(404);
    expect((await doctor.get(`/api/v1/record/documents/${docId}/attachments/9`)).status).toBe(404);
  });

  it('refuses the attachment to someone without access to the record', async () => {
    const r = await lower.get(`/api/v1/record/documents/${docId}/attachments/1`);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('record_access_denied');
    expect(JSON.stringify(r.body)).not.toContain('PDF');
  });

  it('keeps the attachments with the document across corrections', async () => {
    const v2 = await doctor.post(`/api/v1/record/documents/${docId}/versions`, { ...META, title: '出院小结（修订）', version: 1 });
    expect(v2.status).toBe(201);
    expect(v2.body.attachments.map((a: { position: number }) => a.position)).toEqual([1, 2, 3]);
    const back = await t.app.inject({ method: 'GET', url: `/api/v1/record/documents/${docId}/attachments/1?version=1`, headers: { cookie: doctor.cookie } });
    expect(back.rawPayload.equals(PDF)).toBe(true);
    expect((await doctor.get(`/api/v1/patients/${pid}/documents`)).body.items[0]).toMatchObject({ title: '出院小结（修订）', version: 2 });
  });

  it('refuses files that are not PDF, JPEG or PNG by their content, too large, too many, or none — and stores nothing', async () => {
    const before = await tableHashes(t.db, TABLES);
    const fake = await upload(doctor, [meta(), { field: 'file', name: 'x.pdf', type: 'application/pdf', data: '<script>alert(1)</script>' }]);
    expect(fake.status).toBe(415);
    expect(fake.body.error).toMatchObject({ code: 'unsupported_media_type', field: 'file' });
    const docx = await upload(doctor, [meta(), { field: 'file', name: 'a.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', data: Buffer.from([0x50, 0x4b, 3, 4, 1]) }]);
    expect(docx.status).toBe(415);
    const big = await upload(doctor, [meta(), { field: 'file', name: 'big.pdf', type: 'application/pdf', data: Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(20 * 1024 * 1024, 0x20)]) }]);
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('attachment_too_large');
    expect(big.body.error.zh).toContain('20 MB');
    expect(big.body.error.en).toContain('20 MB');
    const many = await upload(doctor, [meta(), ...Array.from({ length: 11 }, (_, i) => ({ field: 'file', name: `p${i}.png`, type: 'image/png', data: PNG }))]);
    expect(many.status).toBe(400);
    expect(many.body.error.code).toBe('too_many_files');
    expect((await upload(doctor, [meta()])).body.error.code).toBe('file_required');
    expect((await upload(doctor, [{ field: 'file', name: 'a.png', type: 'image/png', data: PNG }])).body.error.code).toBe('meta_required');
    expect((await upload(doctor, [{ field: 'meta', data: '{"kind":' }, { field: 'file', name: 'a.png', data: PNG }])).body.error).toMatchObject({ code: 'malformed_json', field: 'meta' });
    const invalid = await upload(doctor, [meta({ ...META, kind: 'poem' }), { field: 'file', name: 'a.png', data: PNG }]);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.field).toBe('kind');
    // Writing needs record.write: the patient and the regulator may not upload documents.
    expect((await upload(patient, [meta(), { field: 'file', name: 'a.png', data: PNG }])).status).toBe(403);
    expect(await tableHashes(t.db, TABLES)).toEqual(before);
  });
});
