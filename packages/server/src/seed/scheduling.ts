/**
 * Demo schedules (issue 4), written in the demo seed's transaction: expert and specialist clinics, exam rooms and
 * ward beds with stored weekly templates; a Beijing-style quota at the city hospital (≥ 30 % of all slots and ≥ 50 %
 * of expert slots reserved for primary care, the reserved pool opening two weeks ahead, the public pool one week
 * ahead); two weeks of past visits with check-ins and no-shows for the reports, and some bookings ahead by the
 * township doctor, the family doctor and the demo patient. Slots are made relative to the day the demo is created;
 * the roller keeps them coming afterwards.
 */
import type { Tx } from '../db/database.js';
import type { SlotCategory, WeeklyTemplate } from '../db/schema.js';
import { createSlotsFor, rollResourceForward, todayCst } from '../scheduling/scheduling.js';
import type { DemoRows } from './build.js';
import { Rng } from './random.js';

const MORNING = ['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '11:30'];
const AFTERNOON = ['13:30', '14:00', '14:30', '15:00', '15:30', '16:00', '16:30'];
const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES = '一二三四五六日';
const WEEKDAYS_ONLY = (times: string[]): WeeklyTemplate => ({ mon: times, tue: times, wed: times, thu: times, fri: times });

/** '周二、周四下午' / '周一、周三上午' / '周四全天' → a weekly template. */
export function templateFromAvailability(text: string): WeeklyTemplate {
  const times = text.includes('全天') ? [...MORNING, ...AFTERNOON] : text.includes('下午') ? AFTERNOON : MORNING;
  const out: WeeklyTemplate = {};
  for (const ch of text.match(/周([一二三四五六日])/g) ?? []) out[WEEK[DAY_NAMES.indexOf(ch[1]!)]!] = times;
  return Object.keys(out).length ? out : { mon: times };
}

interface Plan {
  institutionCode: string; kind: 'doctor' | 'exam' | 'bed'; name: string; category: SlotCategory; weekly: WeeklyTemplate;
  referralPerDay: number; practitionerId?: string; departmentId?: string | null; examType?: string; ward?: string;
}

const DAY = 86_400_000;
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

export async function seedScheduling(tx: Tx, rows: DemoRows, now = Date.now()) {
  const rng = new Rng(2027);
  const inst = (code: string) => { const i = rows.institution.find((x) => x.code === code)!; return { ...i, id: i.id as string }; };
  const deptOf = (practitionerId: string) => rows.practitioner_role.find((r) => r.practitioner_id === practitionerId)!;
  const deptNamed = (code: string, name: string) => rows.department.find((d) => d.institution_id === inst(code).id && d.name === name)?.id ?? null;
  const nameOf = (id: string) => rows.practitioner.find((p) => p.id === id)!.name as string;

  // Rules: the city hospital follows a Beijing-style rule; the county hospitals keep the national floor with a bit more for experts.
  const quota = [
    ...(['general', 'specialist', 'exam'] as const).map((category) => ({ institution_id: inst('RMYY').id, category, primary_share: 0.3, return_lead_minutes: 24 * 60 })),
    { institution_id: inst('RMYY').id, category: 'expert' as const, primary_share: 0.5, return_lead_minutes: 48 * 60 },
    ...['XRMYY', 'XZYY'].flatMap((code) => [
      { institution_id: inst(code).id, category: 'specialist' as const, primary_share: 0.2, return_lead_minutes: 24 * 60 },
      { institution_id: inst(code).id, category: 'expert' as const, primary_share: 0.3, return_lead_minutes: 24 * 60 },
    ]),
  ];
  await tx.insertInto('quota_rule').values(quota).execute();
  await tx.insertInto('release_rule').values([
    ...(['general', 'specialist', 'expert', 'exam'] as const).map((category) => ({ institution_id: inst('RMYY').id, category, days_ahead: 7, at_time: '08:00', primary_days_earlier: 7 })),
    ...['XRMYY', 'XZYY'].flatMap((code) => (['specialist', 'expert'] as const).map((category) => ({ institution_id: inst(code).id, category, days_ahead: 7, at_time: '07:30', primary_days_earlier: 3 }))),
  ]).execute();

  // Resources: every expert's clinic (出诊) at their main institution, the demo doctors' own clinics, exams, beds.
  const plans: Plan[] = [];
  for (const e of rows.expert) {
    const role = deptOf(e.practitioner_id);
    const code = rows.institution.find((i) => i.id === role.institution_id)!.code as string;
    plans.push({ institutionCode: code, kind: 'doctor', name: `${nameOf(e.practitioner_id)} 专家门诊`, category: 'expert',
      weekly: templateFromAvailability(String(e.availability ?? '')), referralPerDay: 1, practitionerId: e.practitioner_id, departmentId: role.department_id });
  }
  for (const a of rows.user_account.filter((u) => u.practitioner_id && !rows.expert.some((e) => e.practitioner_id === u.practitioner_id))) {
    const role = deptOf(a.practitioner_id!);
    const i = rows.institution.find((x) => x.id === role.institution_id)!;
    const upper = ['3', '2'].includes(i.level as string);
    plans.push({ institutionCode: i.code as string, kind: 'doctor', name: `${nameOf(a.practitioner_id!)} ${upper ? '专科门诊' : '全科门诊'}`,
      category: upper ? 'specialist' : 'general', weekly: WEEKDAYS_ONLY(MORNING), referralPerDay: upper ? 1 : 0, practitionerId: a.practitioner_id!, departmentId: role.department_id });
  }
  const exams: [string, string, string][] = [['RMYY', 'CT', '放射科'], ['RMYY', 'MRI', '放射科'], ['RMYY', 'PET-CT', '放射科'], ['RMYY', 'US', '超声医学科'],
    ['RMYY', 'DR', '放射科'], ['RMYY', 'ECG', '心电图室'], ['XRMYY', 'CT', '放射科'], ['XRMYY', 'US', '超声科'], ['XRMYY', 'DR', '放射科'], ['XRMYY', 'ECG', '心电图室']];
  const EXAM_ZH: Record<string, string> = { CT: 'CT', MRI: '磁共振', 'PET-CT': 'PET-CT', US: '彩超', DR: 'DR 摄片', ECG: '心电图' };
  for (const [code, type, dept] of exams)
    plans.push({ institutionCode: code, kind: 'exam', name: `${EXAM_ZH[type]}检查${code === 'RMYY' ? '' : '（县医院）'}`, category: 'exam', examType: type,
      departmentId: deptNamed(code, dept), weekly: WEEKDAYS_ONLY(type === 'PET-CT' ? ['09:00', '10:00', '14:00'] : [...MORNING, ...AFTERNOON]), referralPerDay: type === 'PET-CT' ? 1 : 2 });
  plans.push({ institutionCode: 'RMYY', kind: 'bed', name: '康复医学科病床', category: 'bed', ward: '康复病区', departmentId: deptNamed('RMYY', '康复医学科'),
    weekly: WEEKDAYS_ONLY(['10:00', '10:30', '14:00']), referralPerDay: 2 });
  plans.push({ institutionCode: 'XRMYY', kind: 'bed', name: '内科病床（县医院）', category: 'bed', ward: '内科病区', departmentId: deptNamed('XRMYY', '内科'),
    weekly: WEEKDAYS_ONLY(['10:00', '14:00']), referralPerDay: 1 });

  const resources = await tx.insertInto('schedule_resource').values(plans.map((p) => ({
    institution_id: inst(p.institutionCode).id, kind: p.kind, name: p.name, practitioner_id: p.practitionerId ?? null,
    department_id: p.departmentId ?? null, exam_type: p.examType ?? null, ward: p.ward ?? null,
  }))).returningAll().execute();
  await tx.insertInto('schedule_template').values(resources.map((r, i) => ({
    resource_id: r.id, category: plans[i]!.category, weekly: JSON.stringify(plans[i]!.weekly), referral_per_day: plans[i]!.referralPerDay, horizon_days: 14,
  }))).execute();

  // Two weeks of past clinics, then the next two weeks from the templates.
  const today = todayCst(now);
  for (const [i, r] of resources.entries())
    await createSlotsFor(tx, r, { from: addDays(today, -14), to: addDays(today, -1), category: plans[i]!.category, template: plans[i]!.weekly, referralPerDay: plans[i]!.referralPerDay });
  for (const r of resources) await rollResourceForward(tx, r.id, now);

  // Past visits: about 60 % of past slots were booked; most came (mostly on time), some did not.
  const booker = (username: string) => rows.user_account.find((u) => u.username === username)!;
  const roleInst = (userId: string) => rows.user_role.find((r) => r.user_id === userId)!.institution_id ?? null;
  const bookers = ['xiangyi', 'jiating', 'doctor', 'yiwuke'].map((u) => ({ user: booker(u), institutionId: roleInst(booker(u).id as string) }));
  const residents = rows.patient.filter((p) => p.resident_id);
  const past = await tx.selectFrom('slot').select(['id', 'starts_at', 'pool']).where('starts_at', '<', new Date(now))
    .where('resource_id', 'in', resources.map((r) => r.id)).orderBy('starts_at').orderBy('id').execute();
  const visits = past.filter(() => rng.chance(0.6)).map((s) => {
    const by = s.pool === 'primary' ? bookers[rng.int(0, 1)]! : bookers[rng.int(0, bookers.length - 1)]!;
    const outcome = rng.chance(0.88) ? 'completed' as const : 'no_show' as const;
    return { s, by, outcome, patient: rng.pick(residents), late: rng.chance(0.85) ? rng.int(-30, 10) : rng.int(20, 60) };
  });
  await insertVisits(tx, visits.map((v) => ({
    slotId: v.s.id, patientId: v.patient.id as string, bookedBy: v.by.user.id as string, forInstitution: v.by.institutionId,
    channel: v.by.user.username === 'jiating' ? 'family_doctor' as const : 'doctor' as const, status: v.outcome,
    bookedAt: new Date(v.s.starts_at.getTime() - rng.int(1, 7) * DAY),
    checkedInAt: v.outcome === 'completed' ? new Date(v.s.starts_at.getTime() + v.late * 60_000) : null, startsAt: v.s.starts_at,
  })));

  // Ahead: the township doctor and the family doctor booked reserved places at the city hospital; the demo patient has one visit.
  const upcoming = await tx.selectFrom('slot').innerJoin('schedule_resource as r', 'r.id', 'slot.resource_id')
    .select(['slot.id', 'slot.starts_at', 'slot.pool', 'r.institution_id', 'r.kind']).where('slot.starts_at', '>', new Date(now + 3_600_000))
    .where('slot.starts_at', '<', new Date(now + 7 * DAY)).where('slot.status', '=', 'free').where('r.institution_id', '=', inst('RMYY').id)
    .orderBy('slot.starts_at').orderBy('slot.id').execute();
  const primarySlots = upcoming.filter((s) => s.pool === 'primary');
  const publicSlots = upcoming.filter((s) => s.pool === 'public' && s.kind === 'doctor');
  const demoPatient = rows.user_account.find((u) => u.username === 'patient')!.patient_id!;
  const ahead = [
    ...primarySlots.filter((_, i) => i % 5 === 0).slice(0, 8).map((s, i) => ({ s, by: bookers[i % 2]! })),
    ...publicSlots.filter((_, i) => i % 9 === 0).slice(0, 6).map((s) => ({ s, by: bookers[2]! })),
  ];
  await insertVisits(tx, ahead.map(({ s, by }, i) => ({
    slotId: s.id, patientId: i === 0 ? demoPatient : rng.pick(residents).id as string, bookedBy: by.user.id as string, forInstitution: by.institutionId,
    channel: by.user.username === 'jiating' ? 'family_doctor' as const : 'doctor' as const, status: 'booked' as const,
    bookedAt: new Date(now - rng.int(1, 48) * 3_600_000), checkedInAt: null, startsAt: s.starts_at,
  })));
  return { resources: resources.length, visits: visits.length + ahead.length };
}

interface Visit {
  slotId: string; patientId: string; bookedBy: string; forInstitution: string | null; channel: 'doctor' | 'family_doctor';
  status: 'booked' | 'completed' | 'no_show'; bookedAt: Date; checkedInAt: Date | null; startsAt: Date;
}

/** Appointments with their history rows as the workflow would have written them; their slots become busy. */
async function insertVisits(tx: Tx, visits: Visit[]) {
  for (let i = 0; i < visits.length; i += 300) {
    const batch = visits.slice(i, i + 300);
    if (!batch.length) break;
    await tx.updateTable('slot').set({ status: 'busy' }).where('id', 'in', batch.map((v) => v.slotId)).execute();
    const made = await tx.insertInto('appointment').values(batch.map((v) => ({
      slot_id: v.slotId, patient_id: v.patientId, booked_by: v.bookedBy, booked_for_institution_id: v.forInstitution, channel: v.channel,
      status: v.status, created_at: v.bookedAt,
    }))).returning(['id', 'slot_id']).execute();
    const bySlot = new Map(made.map((m) => [m.slot_id, m.id]));
    await tx.insertInto('appointment_event').values(batch.flatMap((v) => {
      const id = bySlot.get(v.slotId)!;
      const events = [{ appointment_id: id, user_id: v.bookedBy, at: v.bookedAt, from_status: null as string | null, to_status: 'booked', note: null }];
      if (v.checkedInAt) events.push(
        { appointment_id: id, user_id: v.bookedBy, at: v.checkedInAt, from_status: 'booked', to_status: 'checked_in', note: null },
        { appointment_id: id, user_id: v.bookedBy, at: new Date(v.startsAt.getTime() + 45 * 60_000), from_status: 'checked_in', to_status: 'completed', note: null });
      if (v.status === 'no_show') events.push({ appointment_id: id, user_id: v.bookedBy, at: new Date(v.startsAt.getTime() + 60 * 60_000), from_status: 'booked', to_status: 'no_show', note: null });
      return events;
    })).execute();
  }
}
