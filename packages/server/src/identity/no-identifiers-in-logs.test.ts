import { PassThrough } from 'node:stream';
import { makeResidentId } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type TestApp } from '../test/harness.js';

let t: TestApp;
let log = '';
beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (chunk) => { log += chunk.toString(); });
  t = await createTestApp({ logLevel: 'debug' }, { logStream: stream });
  await makeWorld(t.db);
});
afterAll(() => t.close());

describe('privacy of identifiers', () => {
  it('never writes resident ID numbers or phones to the log, whatever the request', async () => {
    const doctor = await t.login('doctor');
    const residentId = makeResidentId('330521', '1975-03-08', 'female', 77);
    const phone = '13912345678';
    const created = await doctor.post('/api/v1/patients', { name: '隐私测试', residentId, phone, confirmNotDuplicate: true });
    expect(created.status).toBe(201);
    await doctor.get(`/api/v1/patients?q=${residentId}`);
    await doctor.get(`/api/v1/patients?q=${phone}`);
    await doctor.get(`/api/v1/patients/${created.body.patient.id}`);
    await doctor.post('/api/v1/patients', { name: '隐私测试', residentId, phone });        // refused: duplicate
    await doctor.post('/api/v1/patients', { name: '坏号', residentId: residentId.slice(0, 17) + 'Y' }); // refused: invalid
    expect(log.length).toBeGreaterThan(100);
    expect(log).not.toContain(residentId);
    expect(log).not.toContain(residentId.slice(0, 17));
    expect(log).not.toContain(phone);
    // …nor to the audit log
    const audit = await t.db.selectFrom('audit_log').selectAll().execute();
    expect(JSON.stringify(audit)).not.toContain(residentId);
    expect(JSON.stringify(audit)).not.toContain(phone);
  });
});
