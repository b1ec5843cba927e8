/**
 * Demo consultations and quick consults: every kind and state, histories that walk the state machine, consents with
 * their signature images, opinions and ratings, the demo accounts' work, and the demo patient's room open today.
 */
import {
  CONSULTATION_KINDS, CONSULTATION_STATES, CONSULTATION_TRANSITIONS, QUICK_CONSULT_STATES, roomOpen,
  type ConsultationAction, type ConsultationState,
} from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/harness.js';
import { DEMO_PASSWORD } from './accounts.js';
import { ensureDemoData } from './demo.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await ensureDemoData(t.db, t.app.files);
});
afterAll(async () => { await t?.close(); });

const userId = async (username: string) => (await t.db.selectFrom('user_account').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

describe('demo consultations', () => {
  it('spreads ~60 consultations over the months in every kind and state, each history a walk of the state machine', async () => {
    const all = await t.db.selectFrom('consultation').selectAll().execute();
    expect(all.length).toBeGreaterThanOrEqual(55);
    expect(new Set(all.map((c) => c.status))).toEqual(new Set(CONSULTATION_STATES));
    expect(new Set(all.map((c) => c.kind))).toEqual(new Set(CONSULTATION_KINDS));
    expect(new Set(all.filter((c) => c.kind === 'material').map((c) => c.material_type))).toEqual(new Set(['imaging', 'ecg', 'pathology']));
    expect(new Set(all.map((c) => c.code)).size).toBe(all.length);
    const events = await t.db.selectFrom('consultation_event').selectAll().orderBy('at').orderBy('id').execute();
    for (const c of all) {
      let state: ConsultationState = 'draft';
      for (const e of events.filter((x) => x.consultation_id === c.id && x.action !== 'create')) {
        expect(e.from_status, `${c.code} ${e.action}`).toBe(state);
        const tr = CONSULTATION_TRANSITIONS[e.action as ConsultationAction];
        if (tr) {
          expect(tr.from, `${c.code} ${e.action}`).toContain(state);
          if (tr.to) expect(e.to_status).toBe(tr.to);
        } else expect(['consent', 'opinion_sign', 'escalate', 'expire']).toContain(e.action);
        state = e.to_status as ConsultationState;
      }
      expect(state, c.code).toBe(c.status);
      expect(c.status_since.getTime()).toBeLessThanOrEqual(Date.now());
      if (c.received_at) expect(c.due_at!.getTime() - c.received_at.getTime()).toBe((c.kind === 'urgent' ? 30 : 2880) * 60_000);
    }
    // Nothing waiting before the session goes stale enough for the expiry sweep.
    const waiting = all.filter((c) => ['submitted', 'dept_approved', 'returned', 'received', 'supplementing', 'accepted', 'inviting'].includes(c.status));
    expect(Math.min(...waiting.map((c) => c.status_since.getTime()))).toBeGreaterThan(Date.now() - 13 * 86_400_000);
  });

  it('has a signed consent with its signature image for every request sent, opinions signed by every accepted expert once answered, ratings once closed', async () => {
    const all = await t.db.selectFrom('consultation').selectAll().execute();
    const consents = await t.db.selectFrom('consultation_consent').selectAll().execute();
    for (const c of all.filter((x) => x.status !== 'draft')) expect(consents.some((k) => k.consultation_id === c.id), c.code).toBe(true);
    const sample = consents[0]!;
    expect(await t.app.files.has(sample.file_id)).toBe(true);
    expect((await t.app.files.get(sample.file_id)).subarray(1, 4).toString()).toBe('PNG');
    const experts = await t.db.selectFrom('consultation_expert').selectAll().execute();
    const opinions = await t.db.selectFrom('consultation_opinion').selectAll().execute();
    for (const c of all.filter((x) => ['answered', 'closed'].includes(x.status))) {
      const accepted = experts.filter((e) => e.consultation_id === c.id && e.status === 'accepted');
      expect(accepted.length, c.code).toBeGreaterThan(0);
      for (const e of accepted) expect(opinions.some((o) => o.consultation_id === c.id && o.practitioner_id === e.practitioner_id && o.status === 'signed' && /^[0-9a-f]{64}$/.test(o.signature_hash!)), c.code).toBe(true);
      expect(c.answered_at!.getTime()).toBeGreaterThan(c.received_at!.getTime());
    }
    expect(all.filter((c) => c.status === 'closed').every((c) => c.rating! >= 1 && c.rating! <= 5)).toBe(true);
    // Mostly answered within the limit; a few late; some still unanswered past due, escalated once.
    const answered = all.filter((c) => c.answered_at);
    const late = answered.filter((c) => c.answered_at! > c.due_at!);
    expect(late.length).toBeGreaterThan(0);
    expect(late.length).toBeLessThan(answered.length / 3);
    const overdue = all.filter((c) => !c.answered_at && c.due_at && c.due_at.getTime() < Date.now() && !['cancelled', 'expired'].includes(c.status));
    expect(overdue.length).toBeGreaterThan(0);
    const escalations = await t.db.selectFrom('consultation_escalation').select('consultation_id').execute();
    for (const c of overdue) expect(escalations.map((e) => e.consultation_id)).toContain(c.id);
  });

  it('leaves work for the demo accounts and opens the demo patient’s video room today', async () => {
    const [doctor, huizhen, xiangyi, head, zhuanzhen] = (await Promise.all(['doctor', 'huizhen', 'xiangyi', 'demo.wsy03.head', 'zhuanzhen'].map(userId))) as [string, string, string, string, string];
    const invited = await t.db.selectFrom('consultation_expert as e').innerJoin('consultation as c', 'c.id', 'e.consultation_id')
      .select('c.id').where('e.user_id', '=', doctor).where('e.status', '=', 'invited').where('c.status', '=', 'inviting').execute();
    expect(invited.length).toBeGreaterThanOrEqual(2);
    const rmyy = (await t.db.selectFrom('user_role').select('institution_id').where('user_id', '=', huizhen).executeTakeFirstOrThrow()).institution_id!;
    const atCentre = await t.db.selectFrom('consultation').select(['id', 'status']).where('centre_institution_id', '=', rmyy).execute();
    for (const s of ['received', 'accepted', 'inviting', 'scheduled']) expect(atCentre.some((c) => c.status === s), s).toBe(true);
    const signedAll = await t.db.selectFrom('consultation as c').select('c.id').where('c.status', '=', 'scheduled')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('consultation_expert as e').select('e.user_id').whereRef('e.consultation_id', '=', 'c.id').where('e.status', '=', 'accepted')
        .where((eb2) => eb2.not(eb2.exists(eb2.selectFrom('consultation_opinion as o').select('o.id').whereRef('o.consultation_id', '=', 'c.id').whereRef('o.practitioner_id', '=', 'e.practitioner_id').where('o.status', '=', 'signed')))))))
      .execute();
    expect(signedAll.length).toBeGreaterThanOrEqual(1);
    const mine = await t.db.selectFrom('consultation').select('status').where('created_by', '=', xiangyi).execute();
    for (const s of ['answered', 'supplementing', 'returned', 'draft']) expect(mine.some((c) => c.status === s), s).toBe(true);
    const wsy03 = (await t.db.selectFrom('user_role').select('institution_id').where('user_id', '=', xiangyi).executeTakeFirstOrThrow()).institution_id!;
    const fromWsy03 = await t.db.selectFrom('consultation').select('status').where('from_institution_id', '=', wsy03).execute();
    expect(fromWsy03.filter((c) => c.status === 'submitted').length).toBeGreaterThanOrEqual(2);
    expect(fromWsy03.filter((c) => c.status === 'dept_approved').length).toBeGreaterThanOrEqual(2);
    expect((await t.db.selectFrom('user_role').select(['role', 'institution_id']).where('user_id', '=', head).executeTakeFirstOrThrow())).toEqual({ role: 'dept_head', institution_id: wsy03 });
    expect((await t.db.selectFrom('user_role').select('institution_id').where('user_id', '=', zhuanzhen).executeTakeFirstOrThrow()).institution_id).toBe(wsy03);

    const patientId = (await t.db.selectFrom('user_account').select('patient_id').where('username', '=', 'patient').executeTakeFirstOrThrow()).patient_id!;
    const today = await t.db.selectFrom('consultation').selectAll().where('patient_id', '=', patientId).where('status', '=', 'scheduled').execute();
    expect(today).toHaveLength(1);
    expect(roomOpen(today[0]!.scheduled_at!, new Date())).toBe(true);
    const inRoom = await t.db.selectFrom('consultation_expert').select(['user_id', 'status']).where('consultation_id', '=', today[0]!.id).execute();
    expect(inRoom).toContainEqual({ user_id: doctor, status: 'accepted' });
  });

  it('shows that work in each demo account’s workbench counts, and lets the expert into the room today', async () => {
    const expected: Record<string, string[]> = {
      huizhen: ['review', 'arrange', 'forward', 'overdue'], doctor: ['invitations', 'opinions', 'quick'], xiangyi: ['confirm', 'supplements'],
      'demo.wsy03.head': ['approve'], zhuanzhen: ['office'],
    };
    for (const [username, keys] of Object.entries(expected)) {
      const counts = (await (await t.login(username, DEMO_PASSWORD)).get('/api/v1/consultations/counts')).body;
      for (const k of keys) expect(counts[k], `${username} ${k}`).toBeGreaterThan(0);
    }
    const patientId = (await t.db.selectFrom('user_account').select('patient_id').where('username', '=', 'patient').executeTakeFirstOrThrow()).patient_id!;
    const today = await t.db.selectFrom('consultation').select('id').where('patient_id', '=', patientId).where('status', '=', 'scheduled').executeTakeFirstOrThrow();
    const room = await (await t.login('doctor', DEMO_PASSWORD)).get(`/api/v1/consultations/${today.id}/room`);
    expect(room.status, JSON.stringify(room.body)).toBe(200);
    expect(room.body.open).toBe(true);
  });

  it('gives every role of the chain an account that signs in, experts of the pool included', async () => {
    const experts = await t.db.selectFrom('user_account').select('username').where('username', 'like', 'demo.expert.%').execute();
    expect(experts.length).toBeGreaterThan(5);
    for (const username of ['demo.wsy03.head', experts[0]!.username]) {
      const c = await t.login(username, DEMO_PASSWORD);
      expect((await c.get('/api/v1/auth/me')).status, username).toBe(200);
    }
    const pool = await t.db.selectFrom('expert').select('practitioner_id').execute();
    const withAccount = await t.db.selectFrom('user_account').select('practitioner_id').where('practitioner_id', 'in', pool.map((p) => p.practitioner_id)).execute();
    expect(new Set(withAccount.map((u) => u.practitioner_id)).size).toBe(pool.length);
  });

  it('has quick consults in every state with their case thread and messages, and the report reads them all', async () => {
    const quick = await t.db.selectFrom('quick_consult').selectAll().execute();
    expect(new Set(quick.map((q) => q.status))).toEqual(new Set(QUICK_CONSULT_STATES));
    for (const q of quick) {
      const thread = await t.db.selectFrom('thread').selectAll().where('id', '=', q.thread_id).executeTakeFirstOrThrow();
      expect(thread).toMatchObject({ kind: 'case', case_type: 'quick_consult', case_id: q.id });
      const msgs = await t.db.selectFrom('message').select('kind').where('thread_id', '=', q.thread_id).execute();
      expect(msgs.length).toBeGreaterThan(0);
      if (q.status !== 'open') expect(msgs.map((m) => m.kind)).toContain('system');
    }
    const converted = quick.filter((q) => q.status === 'converted');
    expect(converted.map((q) => q.converted_to_type).sort()).toEqual(['consultation', 'referral']);
    const doctor = await t.login('doctor', DEMO_PASSWORD);
    const received = await doctor.get('/api/v1/quick-consults?box=received&status=open');
    expect(received.body.total).toBeGreaterThanOrEqual(1);
    const huizhen = await t.login('huizhen', DEMO_PASSWORD);
    const report = await huizhen.get('/api/v1/consultations/report?groupBy=month');
    expect(report.status).toBe(200);
    expect(report.body.total.count).toBeGreaterThanOrEqual(50);
    expect(report.body.total.answeredInLimit).toBeGreaterThan(0);
  });
});
