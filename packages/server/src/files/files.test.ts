import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function multipart(name: string, type: string, data: Buffer, field = 'file') {
  const boundary = '----yl' + Math.random().toString(16).slice(2);
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`);
  return { body: Buffer.concat([head, data, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
const upload = (c: Client, name: string, type: string, data: Buffer, field?: string) => {
  const m = multipart(name, type, data, field);
  return c.request('POST', '/api/v1/files', m.body, m.headers);
};

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, lower: Client, head: Client;
beforeAll(async () => {
  t = await createTestApp({ uploadLimitBytes: 64 * 1024 });
  w = await makeWorld(t.db);
  [doctor, lower, head] = [await t.login('doctor'), await t.login('doctor_lower'), await t.login('dept_head')];
});
afterAll(() => t.close());

describe('files', () => {
  it('stores an upload encrypted and gives it back to its uploader', async () => {
    const pdf = Buffer.from('%PDF-1.4\n心电图报告 窦性心律\n%%EOF');
    const r = await upload(doctor, '心电图.pdf', 'application/pdf', pdf);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ size: pdf.length, contentType: 'application/pdf', name: '心电图.pdf' });
    expect(r.body.id).toMatch(/^[0-9a-f]{64}$/);
    const onDisk = readFileSync((t.app.files as unknown as { pathOf(id: string): string }).pathOf(r.body.id));
    expect(onDisk.includes(Buffer.from('窦性心律'))).toBe(false);
    const back = await t.app.inject({ method: 'GET', url: `/api/v1/files/${r.body.id}`, headers: { cookie: doctor.cookie } });
    expect(back.statusCode).toBe(200);
    expect(back.rawPayload.equals(pdf)).toBe(true);
    expect(back.headers['content-type']).toBe('application/pdf');
    expect(back.headers['x-content-type-options']).toBe('nosniff');
    expect(back.headers['content-disposition']).toContain(encodeURIComponent('心电图.pdf'));
    const audit = await t.db.selectFrom('audit_log').select('action').where('object_id', '=', r.body.id).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['file.upload', 'file.read']);
  });

  it('shows a file to the participants of a thread where it was posted, and to no one else', async () => {
    const up = await upload(doctor, 'ct.png', 'image/png', PNG);
    expect(up.status).toBe(201);
    expect((await lower.get(`/api/v1/files/${up.body.id}`)).status).toBe(404);
    const th = (await doctor.post('/api/v1/threads', { kind: 'case', caseType: 'patient', caseId: w.patient.id, title: '影像', userIds: [w.users.doctor_lower.id] })).body.id;
    // Someone who cannot read a file cannot post it either.
    const stolen = await head.post(`/api/v1/threads/${(await head.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor.id] })).body.id}/messages`, { kind: 'image', fileId: up.body.id, clientId: 'steal' });
    expect(stolen.status).toBe(404);
    const posted = await doctor.post(`/api/v1/threads/${th}/messages`, { kind: 'image', fileId: up.body.id, body: '请看', clientId: 'img-1' });
    expect(posted.status).toBe(201);
    expect(posted.body.message.file).toMatchObject({ id: up.body.id, contentType: 'image/png', size: PNG.length });
    const seen = await lower.get(`/api/v1/files/${up.body.id}`);
    expect(seen.status).toBe(200);
    expect(seen.headers['content-type']).toBe('image/png');
    const read = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'file.read').where('user_id', '=', w.users.doctor_lower.id).executeTakeFirstOrThrow();
    expect(read.patient_id).toBe(w.patient.id);
    expect((await head.get(`/api/v1/files/${up.body.id}`)).status).toBe(404);
    // The kind must match the file: a PNG is no voice note.
    expect((await doctor.post(`/api/v1/threads/${th}/messages`, { kind: 'voice', fileId: up.body.id, clientId: 'v-1' })).body.error.code).toBe('not_audio');
  });

  it('lets two people upload the same bytes: stored once, each may read it back', async () => {
    const a = await upload(doctor, 'a.txt', 'text/plain', Buffer.from('随访记录'));
    const b = await upload(head, 'b.txt', 'text/plain; charset=utf-8', Buffer.from('随访记录'));
    expect(b.body.id).toBe(a.body.id);
    expect((await head.get(`/api/v1/files/${a.body.id}`)).status).toBe(200);
    expect(await t.db.selectFrom('file_object').select('sha256').where('sha256', '=', a.body.id).execute()).toHaveLength(1);
  });

  it('refuses files that are too large, of a type not allowed, or whose bytes are not what they claim', async () => {
    const before = await t.db.selectFrom('file_object').select('sha256').execute();
    const big = await upload(doctor, 'big.pdf', 'application/pdf', Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(70 * 1024, 1)]));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('too_large');
    const exe = await upload(doctor, 'run.exe', 'application/x-msdownload', Buffer.from('MZ...'));
    expect(exe.status).toBe(415);
    expect(exe.body.error.code).toBe('unsupported_media_type');
    const fake = await upload(doctor, 'x.png', 'image/png', Buffer.from('<script>alert(1)</script>'));
    expect(fake.status).toBe(415);
    expect(fake.body.error.code).toBe('content_mismatch');
    expect((await doctor.request('POST', '/api/v1/files', '{"a":1}', { 'content-type': 'application/json' })).status).toBe(415);
    expect((await upload(doctor, 'x.png', 'image/png', PNG, 'other')).status).toBe(400);
    expect((await upload(doctor, 'empty.txt', 'text/plain', Buffer.alloc(0))).status).toBe(400);
    expect(await t.db.selectFrom('file_object').select('sha256').execute()).toEqual(before);
    expect((await (await t.login('regulator')).request('POST', '/api/v1/files', multipart('x.png', 'image/png', PNG).body, multipart('x.png', 'image/png', PNG).headers)).status).toBe(403);
  });

  it('refuses to serve a file whose stored bytes were tampered with', async () => {
    const up = await upload(doctor, 't.txt', 'text/plain', Buffer.from('原始内容 tamper test'));
    const path = (t.app.files as unknown as { pathOf(id: string): string }).pathOf(up.body.id);
    const bytes = readFileSync(path);
    bytes[40]! ^= 0xff;
    writeFileSync(path, bytes);
    const r = await doctor.get(`/api/v1/files/${up.body.id}`);
    expect(r.status).toBe(500);
    expect(r.body.error.code).toBe('file_corrupt');
    expect(JSON.stringify(r.body)).not.toContain('原始内容');
  });
});
