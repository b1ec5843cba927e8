import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, type TestApp } from '../test/harness.js';
import { notify } from './notifications.js';
import type { Notifier, OutboundMessage } from './outbound.js';

const until = async (check: () => Promise<boolean>, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('notification centre', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof makeWorld>>;
  beforeAll(async () => { t = await createTestApp(); w = await makeWorld(t.db); });
  afterAll(() => t.close());

  it('lists a person’s notifications newest first with an unread count; read one, read all; others’ stay hidden', async () => {
    const base = { userIds: [w.users.dept_head.id], kind: 'referral', link: '/referrals/1', caseType: 'referral', caseId: 'r-1' };
    await notify(t.db, { ...base, title: { zh: '收到转诊申请', en: 'Referral received' }, body: { zh: '请审核', en: 'Please review' } });
    await notify(t.db, { ...base, title: { zh: '会诊待审批', en: 'Consultation to approve' } });
    const head = await t.login('dept_head');
    const list = (await head.get('/api/v1/notifications')).body;
    expect(list).toMatchObject({ total: 2, unread: 2 });
    expect(list.items.map((x: { title: { en: string } }) => x.title.en)).toEqual(['Consultation to approve', 'Referral received']);
    expect(list.items[1]).toMatchObject({ kind: 'referral', body: { zh: '请审核', en: 'Please review' }, link: '/referrals/1', caseType: 'referral', caseId: 'r-1', readAt: null });
    const doctor = await t.login('doctor');
    expect((await doctor.post(`/api/v1/notifications/${list.items[0].id}/read`)).status).toBe(404);
    expect((await head.post(`/api/v1/notifications/${list.items[0].id}/read`)).status).toBe(200);
    expect((await head.get('/api/v1/notifications?unread=true')).body).toMatchObject({ total: 1, unread: 1 });
    expect((await head.post('/api/v1/notifications/read-all')).body).toEqual({ marked: 1 });
    expect((await head.get('/api/v1/notifications')).body.unread).toBe(0);
    const events = await t.db.selectFrom('event_log').select('type').where(sql<boolean>`recipients @> ARRAY[${w.users.dept_head.id}]::uuid[]`).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['notification.created', 'notification.created', 'notification.read', 'notification.read']);
  });

  it('tells a person whose password an administrator reset, and records the outbound messages (masked for the office)', async () => {
    await t.db.updateTable('user_account').set({ email: 'zhao.xiang@example.com', phone: '13912345678' }).where('id', '=', w.users.doctor_lower.id).execute();
    const admin = await t.login('consortium_admin');
    expect((await admin.post(`/api/v1/users/${w.users.doctor_lower.id}/reset-password`, { password: 'Brand-new-pass-2' })).status).toBe(200);
    const person = await t.login('doctor_lower', 'Brand-new-pass-2');
    const notes = (await person.get('/api/v1/notifications')).body.items;
    expect(notes[0]).toMatchObject({ kind: 'account', title: { zh: '您的密码已被管理员重置' } });
    await until(async () => (await t.db.selectFrom('outbound_message').select('status').where('status', '=', 'recorded').execute()).length === 2);
    const out = (await admin.get('/api/v1/outbound')).body;
    expect(out.items.map((o: { channel: string; recipient: string; status: string }) => [o.channel, o.recipient, o.status]).sort())
      .toEqual([['email', 'z***@example.com', 'recorded'], ['sms', '139****5678', 'recorded']]);
    expect(JSON.stringify(out)).not.toContain('zhao.xiang');
    expect((await person.get('/api/v1/outbound')).status).toBe(403);
  });

  it('tells whoever made a patient merge when someone else undoes it', async () => {
    const a = await makePatient(t.db, { name: '合并乙' });
    const b = await makePatient(t.db, { name: '合并乙', residentId: null });
    const office = await t.login('consortium_admin');
    const merge = (await office.post('/api/v1/patients/merges', { survivorId: a.id, mergedId: b.id, reason: '同一人' })).body;
    const admin = await t.login('institution_admin');
    expect((await admin.post(`/api/v1/patients/merges/${merge.id}/undo`)).status).toBe(200);
    const note = (await office.get('/api/v1/notifications')).body.items.find((x: { kind: string }) => x.kind === 'patient_merge');
    expect(note).toMatchObject({ link: `/patients/${a.id}`, title: { en: 'A patient merge you made was undone' } });
    expect(JSON.stringify(note)).not.toContain('合并乙');
  });
});

describe('outbound delivery', () => {
  it('sends e-mail through SMTP when configured (to a local SMTP sink)', async () => {
    const received: { to: string[]; data: string }[] = [];
    const sink = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => { received.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString() }); done(); });
      },
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const port = (sink.server.address() as AddressInfo).port;
    const t = await createTestApp({ smtpUrl: `smtp://127.0.0.1:${port}`, smtpFrom: 'Yilian <noreply@yilian.test>' });
    try {
      const w = await makeWorld(t.db);
      await t.db.updateTable('user_account').set({ email: 'li.ming@hospital.test' }).where('id', '=', w.users.doctor.id).execute();
      const head = await t.login('dept_head');
      const th = (await head.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor.id] })).body.id;
      await head.post(`/api/v1/threads/${th}/messages`, { kind: 'text', body: '患者肌酐 320 请会诊', clientId: 'smtp-1' });
      await until(async () => received.length === 1);
      expect(received[0]!.to).toEqual(['li.ming@hospital.test']);
      expect(received[0]!.data).toContain('noreply@yilian.test');
      expect(received[0]!.data).toMatch(/Subject: =\?UTF-8\?/);
      expect(received[0]!.data).toContain(`/messages/${th}`);
      expect(received[0]!.data).not.toContain('320');
      await until(async () => (await t.db.selectFrom('outbound_message').select('status').executeTakeFirst())?.status === 'sent');
    } finally {
      await t.close();
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });

  it('retries a message whose notifier failed, then gives up, sending each at most once at a time', async () => {
    const attempts: number[] = [];
    const flaky: Notifier = { channel: 'sms', async send(msg: OutboundMessage) { attempts.push(msg.id); throw new Error('gateway down'); } };
    const t = await createTestApp({}, { notifiers: [flaky] });
    try {
      const w = await makeWorld(t.db);
      await t.db.updateTable('user_account').set({ phone: '13800002222' }).where('id', '=', w.users.doctor.id).execute();
      await notify(t.db, { userIds: [w.users.doctor.id], kind: 'test', title: { zh: '测试', en: 'Test' } });
      const row = () => t.db.selectFrom('outbound_message').selectAll().executeTakeFirstOrThrow();
      await until(async () => (await row()).attempts === 1 && (await row()).status === 'pending');
      expect((await row()).error).toBe('gateway down');
      // Not retried before its time …
      await t.app.dispatcher.run();
      expect(attempts).toHaveLength(1);
      // … then retried until the last attempt fails for good.
      for (let i = 2; i <= 3; i++) {
        await t.db.updateTable('outbound_message').set({ claimed_at: new Date(Date.now() - 120_000) }).execute();
        await t.app.dispatcher.run();
      }
      expect(attempts).toHaveLength(3);
      expect((await row()).status).toBe('failed');
    } finally {
      await t.close();
    }
  });
});
