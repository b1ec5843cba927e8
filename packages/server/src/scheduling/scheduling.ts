/**
 * Scheduling (issue 4): bookable resources, 30-minute slots made from weekly templates, the primary-care quota
 * (号源下沉) and appointments. A slot is one bookable place: booking claims it with a conditional UPDATE in the same
 * transaction as the appointment, and a partial unique index on appointment(slot_id) makes overbooking impossible
 * even if the code were wrong.
 */
import { AppError, badRequest, conflict, forbidden, notFound } from '@yilian/core';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Db, Reader, Tx } from '../db/database.js';
import type { AppointmentStatus, SlotCategory, WeeklyTemplate } from '../db/schema.js';
import { actorOf, type Caller } from '../http/context.js';
import { contains } from '../http/query.js';
import { notify } from '../messaging/notifications.js';
import { authorize, institutionLimit } from '../policy/policy.js';

export const SLOT_MINUTES = 30;
/** Wall-clock times in templates are China Standard Time. */
const TZ_OFFSET = '+08:00';
/** Default share and return lead time where an institution has no rule of its own (the floor the policy demands). */
export const DEFAULT_QUOTA = { primaryShare: 0.2, returnLeadMinutes: 24 * 60 };
/** Categories that carry a primary-care quota by default at secondary and tertiary institutions. */
const QUOTA_CATEGORIES: SlotCategory[] = ['specialist', 'expert'];

export const slotFull = () => conflict('slot_full', '该号源已约满', 'This slot is fully booked', 'slotId');

// ——— resources ———

export interface ResourceInput {
  institutionId: string; kind: 'doctor' | 'exam' | 'bed'; name: string; departmentId?: string | null;
  practitionerId?: string | null; examType?: string | null; ward?: string | null;
}

const resourceView = (r: {
  id: string; institution_id: string; department_id: string | null; kind: string; practitioner_id: string | null; name: string; exam_type: string | null;
  ward: string | null; active: boolean; institution_name?: string | null; department_name?: string | null; practitioner_name?: string | null; practitioner_title?: string | null;
}) => ({
  id: r.id, institutionId: r.institution_id, departmentId: r.department_id, kind: r.kind, practitionerId: r.practitioner_id,
  name: r.name, examType: r.exam_type, ward: r.ward, active: r.active,
  institutionName: r.institution_name ?? null, departmentName: r.department_name ?? null, practitionerName: r.practitioner_name ?? null, practitionerTitle: r.practitioner_title ?? null,
});

/** Resources with the names a booking screen shows (institution, department, doctor and title). */
const resourcesNamed = (db: Reader) => db.selectFrom('schedule_resource as sr')
  .innerJoin('institution as i', 'i.id', 'sr.institution_id')
  .leftJoin('department as d', 'd.id', 'sr.department_id')
  .leftJoin('practitioner as p', 'p.id', 'sr.practitioner_id')
  .selectAll('sr').select(['i.name as institution_name', 'd.name as department_name', 'p.name as practitioner_name', 'p.title as practitioner_title']);

export async function createResource(db: Db, caller: Caller, input: ResourceInput) {
  authorize(caller, 'schedule.manage', { institutionId: input.institutionId });
  if (input.kind === 'doctor' && !input.practitionerId) throw badRequest('practitioner_required', '医生号源须指定医生', 'A doctor resource needs a practitioner', 'practitionerId');
  if (input.kind === 'exam' && !input.examType) throw badRequest('exam_type_required', '检查号源须指定检查类型', 'An exam resource needs an exam type', 'examType');
  return db.transaction().execute(async (tx) => {
    if (!await tx.selectFrom('institution').select('id').where('id', '=', input.institutionId).executeTakeFirst())
      throw notFound({ zh: '机构', en: 'Institution' }, 'institutionId');
    if (input.practitionerId && !await tx.selectFrom('practitioner_role').select('id')
      .where('practitioner_id', '=', input.practitionerId).where('institution_id', '=', input.institutionId).executeTakeFirst())
      throw badRequest('practitioner_not_here', '该医生不在本机构执业', 'This practitioner does not practise at this institution', 'practitionerId');
    if (input.departmentId && !await tx.selectFrom('department').select('id')
      .where('id', '=', input.departmentId).where('institution_id', '=', input.institutionId).executeTakeFirst())
      throw badRequest('department_not_here', '科室不属于该机构', 'The department is not of this institution', 'departmentId');
    const r = await tx.insertInto('schedule_resource').values({
      institution_id: input.institutionId, kind: input.kind, name: input.name, department_id: input.departmentId ?? null,
      practitioner_id: input.practitionerId ?? null, exam_type: input.examType ?? null, ward: input.ward ?? null,
    }).returningAll().executeTakeFirstOrThrow();
    await audit(tx, actorOf(caller), { action: 'schedule.resource.create', objectType: 'schedule_resource', objectId: r.id, detail: { institutionId: r.institution_id, kind: r.kind } });
    return resourceView(r);
  });
}

export interface ResourceQuery { institutionId?: string; departmentId?: string; kind?: string; q?: string; includeInactive?: boolean; limit: number; offset: number }

export async function listResources(db: Db, caller: Caller, q: ResourceQuery) {
  authorize(caller, 'schedule.read');
  let sel = resourcesNamed(db);
  if (!q.includeInactive) sel = sel.where('sr.active', '=', true);
  if (q.institutionId) sel = sel.where('sr.institution_id', '=', q.institutionId);
  if (q.departmentId) sel = sel.where('sr.department_id', '=', q.departmentId);
  if (q.kind) sel = sel.where('sr.kind', '=', q.kind as 'doctor');
  if (q.q) { const like = contains(q.q); sel = sel.where((eb) => eb.or([eb('sr.name', 'like', like), eb('d.name', 'like', like), eb('i.name', 'like', like)])); }
  const [rows, total] = await Promise.all([
    sel.orderBy('i.level', 'desc').orderBy('i.name').orderBy('sr.name').orderBy('sr.id').limit(q.limit).offset(q.offset).execute(),
    sel.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(total.n), items: rows.map(resourceView) };
}

export async function getResource(db: Db, caller: Caller, id: string) {
  authorize(caller, 'schedule.read');
  const r = await resourcesNamed(db).where('sr.id', '=', id).executeTakeFirst();
  if (!r) throw notFound({ zh: '号源资源', en: 'Schedule resource' }, 'id');
  return resourceView(r);
}

/** Renames or (de)activates a resource; a deactivated resource is no longer rolled forward nor listed for booking. */
export async function updateResource(db: Db, caller: Caller, id: string, input: { name?: string; active?: boolean; ward?: string | null }) {
  const resource = await loadResource(db, id);
  authorize(caller, 'schedule.manage', { institutionId: resource.institution_id });
  return db.transaction().execute(async (tx) => {
    await tx.updateTable('schedule_resource').set({
      ...(input.name !== undefined ? { name: input.name } : {}), ...(input.active !== undefined ? { active: input.active } : {}),
      ...(input.ward !== undefined ? { ward: input.ward } : {}),
    }).where('id', '=', id).execute();
    await audit(tx, actorOf(caller), { action: 'schedule.resource.update', objectType: 'schedule_resource', objectId: id, detail: { ...input } });
    return resourceView((await resourcesNamed(tx).where('sr.id', '=', id).executeTakeFirstOrThrow()));
  });
}

/** The quota and release rules in force at an institution, per slot category (defaults where none is stored). */
export async function getRules(db: Db, caller: Caller, institutionId: string) {
  authorize(caller, 'schedule.read');
  const inst = await db.selectFrom('institution').select(['id', 'level']).where('id', '=', institutionId).executeTakeFirst();
  if (!inst) throw notFound({ zh: '机构', en: 'Institution' }, 'institutionId');
  const [quota, release] = await Promise.all([
    db.selectFrom('quota_rule').selectAll().where('institution_id', '=', institutionId).execute(),
    db.selectFrom('release_rule').selectAll().where('institution_id', '=', institutionId).execute(),
  ]);
  const categories: SlotCategory[] = ['general', 'specialist', 'expert', 'exam', 'bed'];
  return {
    institutionId,
    items: await Promise.all(categories.map(async (category) => {
      const q = quota.find((r) => r.category === category);
      const r = release.find((x) => x.category === category);
      const effective = q ? { primaryShare: Number(q.primary_share), returnLeadMinutes: q.return_lead_minutes } : await quotaFor(db, institutionId, category);
      return {
        category, quotaStored: !!q, primaryShare: effective?.primaryShare ?? null, returnLeadMinutes: effective?.returnLeadMinutes ?? null,
        releaseStored: !!r, daysAhead: r?.days_ahead ?? null, time: r?.at_time.slice(0, 5) ?? null, primaryDaysEarlier: r?.primary_days_earlier ?? null,
      };
    })),
  };
}

async function loadResource(db: Reader, id: string) {
  const r = await db.selectFrom('schedule_resource').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound({ zh: '号源资源', en: 'Schedule resource' }, 'id');
  return r;
}

// ——— quota rules ———

export interface QuotaRuleInput { institutionId: string; category: SlotCategory; primaryShare: number; returnLeadMinutes: number }

export async function setQuotaRule(db: Db, caller: Caller, input: QuotaRuleInput) {
  authorize(caller, 'schedule.manage', { institutionId: input.institutionId });
  if (input.primaryShare < DEFAULT_QUOTA.primaryShare)
    throw badRequest('quota_below_floor', '下沉比例不得低于20%', 'The primary-care share may not be below 20 %', 'primaryShare');
  return db.transaction().execute(async (tx) => {
    if (!await tx.selectFrom('institution').select('id').where('id', '=', input.institutionId).executeTakeFirst())
      throw notFound({ zh: '机构', en: 'Institution' }, 'institutionId');
    await tx.insertInto('quota_rule').values({
      institution_id: input.institutionId, category: input.category, primary_share: input.primaryShare, return_lead_minutes: input.returnLeadMinutes,
    }).onConflict((oc) => oc.columns(['institution_id', 'category']).doUpdateSet({
      primary_share: input.primaryShare, return_lead_minutes: input.returnLeadMinutes, updated_at: new Date(),
    })).execute();
    await audit(tx, actorOf(caller), { action: 'schedule.quota.set', objectType: 'institution', objectId: input.institutionId, detail: { ...input } });
    return input;
  });
}

/** The quota that applies to new slots of an institution and category, or null (no reserved share). */
export async function quotaFor(db: Reader, institutionId: string, category: SlotCategory) {
  const rule = await db.selectFrom('quota_rule').selectAll().where('institution_id', '=', institutionId).where('category', '=', category).executeTakeFirst();
  if (rule) return { primaryShare: Number(rule.primary_share), returnLeadMinutes: rule.return_lead_minutes };
  const inst = await db.selectFrom('institution').select('level').where('id', '=', institutionId).executeTakeFirstOrThrow();
  return ['3', '2'].includes(inst.level) && QUOTA_CATEGORIES.includes(category) ? DEFAULT_QUOTA : null;
}

// ——— release rules ———

export interface ReleaseRuleInput { institutionId: string; category: SlotCategory; daysAhead: number; time: string; primaryDaysEarlier: number }

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export async function setReleaseRule(db: Db, caller: Caller, input: ReleaseRuleInput) {
  authorize(caller, 'schedule.manage', { institutionId: input.institutionId });
  if (minutesOf(input.time) < 6 * 60 || minutesOf(input.time) > 22 * 60)
    throw badRequest('release_at_night', '放号时间须在06:00至22:00之间', 'Slots may only be released between 06:00 and 22:00', 'time');
  return db.transaction().execute(async (tx) => {
    if (!await tx.selectFrom('institution').select('id').where('id', '=', input.institutionId).executeTakeFirst())
      throw notFound({ zh: '机构', en: 'Institution' }, 'institutionId');
    const values = { days_ahead: input.daysAhead, at_time: input.time, primary_days_earlier: input.primaryDaysEarlier };
    await tx.insertInto('release_rule').values({ institution_id: input.institutionId, category: input.category, ...values })
      .onConflict((oc) => oc.columns(['institution_id', 'category']).doUpdateSet({ ...values, updated_at: new Date() })).execute();
    await audit(tx, actorOf(caller), { action: 'schedule.release.set', objectType: 'institution', objectId: input.institutionId, detail: { ...input } });
    return input;
  });
}

/** When a slot on `date` (YYYY-MM-DD, CST) opens under a release rule; the primary pool opens earlier. */
export function releaseTime(date: string, rule: { days_ahead: number; at_time: string; primary_days_earlier: number }, primary: boolean): Date {
  const day = Date.parse(`${date}T00:00:00Z`) - (rule.days_ahead + (primary ? rule.primary_days_earlier : 0)) * DAY_MS;
  return new Date(`${new Date(day).toISOString().slice(0, 10)}T${rule.at_time.slice(0, 5)}:00${TZ_OFFSET}`);
}

// ——— slot generation ———

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface GenerateInput {
  from: string; to: string;
  /** Default: the resource's stored template. */
  category?: SlotCategory;
  /** Weekday → wall-clock start times (HH:MM on the hour or half hour), China Standard Time; each slot is 30 minutes. Default: the stored template. */
  template?: WeeklyTemplate;
  /** Places per day reserved for referrals (绿色通道). Default: the stored template's, else 0. */
  referralPerDay?: number;
  /** When the slots open for booking (default: the institution's release rule for the category, else now). */
  opensAt?: string | null;
}

const MAX_DAYS = 92;
const DAY_MS = 86_400_000;

/** Which of n slots in time order go to a reserved pool: evenly spread, ceil(n × share) of them. */
export function primaryPicks(n: number, share: number): boolean[] {
  const want = Math.ceil(n * share - 1e-9);
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 1) * want) / n) > Math.floor((i * want) / n));
}

const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** Today's date in China Standard Time. */
export const todayCst = (now = Date.now()) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);

function checkOpensAt(opensAt: string | null | undefined) {
  if (!opensAt) return;
  const local = new Date(Date.parse(opensAt) + 8 * 3_600_000).toISOString().slice(11, 16);
  if (minutesOf(local) < 6 * 60 || minutesOf(local) > 22 * 60)
    throw badRequest('release_at_night', '放号时间须在06:00至22:00之间', 'Slots may only be released between 06:00 and 22:00', 'opensAt');
}

type ResourceRow = Awaited<ReturnType<typeof loadResource>>;
export interface SlotSpec { from: string; to: string; category: SlotCategory; template: WeeklyTemplate; referralPerDay: number; opensAt?: string | null }

/**
 * Makes the slots of a resource for the visit dates from..to (inclusive, CST) in the caller's transaction: closure
 * days are skipped; each day's referral places are spread over the day, then the primary-care share over the rest;
 * reserved places return to the public pool the quota's lead time before the visit. Existing slots are kept.
 */
export async function createSlotsFor(tx: Tx, resource: ResourceRow, spec: SlotSpec) {
  const closed = new Set((await tx.selectFrom('schedule_exception').select('date')
    .where('institution_id', '=', resource.institution_id).where('date', '>=', spec.from).where('date', '<=', spec.to).execute()).map((e) => e.date));
  const starts: { at: Date; date: string; referral: boolean }[] = [];
  for (let date = spec.from; date <= spec.to; date = addDays(date, 1)) {
    if (closed.has(date)) continue;
    const weekday = WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
    const times = [...new Set(spec.template[weekday] ?? [])].sort();
    const referral = primaryPicks(times.length, times.length ? Math.min(1, spec.referralPerDay / times.length) : 0);
    times.forEach((hhmm, i) => starts.push({ at: new Date(`${date}T${hhmm}:00${TZ_OFFSET}`), date, referral: !!referral[i] }));
  }
  const quota = await quotaFor(tx, resource.institution_id, spec.category);
  const release = spec.opensAt ? null : await tx.selectFrom('release_rule').selectAll()
    .where('institution_id', '=', resource.institution_id).where('category', '=', spec.category).executeTakeFirst();
  const publicOrPrimary = starts.filter((s) => !s.referral);
  const picks = primaryPicks(publicOrPrimary.length, quota?.primaryShare ?? 0);
  const primarySet = new Set(publicOrPrimary.filter((_, i) => picks[i]));
  const returnLead = (quota ?? DEFAULT_QUOTA).returnLeadMinutes * 60_000;
  const now = new Date();
  const rows = starts.map((s) => {
    const pool = s.referral ? 'referral' as const : primarySet.has(s) ? 'primary' as const : 'public' as const;
    return {
      resource_id: resource.id, starts_at: s.at, ends_at: new Date(s.at.getTime() + SLOT_MINUTES * 60_000), category: spec.category, pool,
      primary_returns_at: pool === 'public' ? null : new Date(s.at.getTime() - returnLead),
      opens_at: spec.opensAt ? new Date(spec.opensAt) : release ? releaseTime(s.date, release, pool !== 'public') : now,
    };
  });
  let created = 0, primary = 0, referral = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const inserted = await tx.insertInto('slot').values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['resource_id', 'starts_at']).doNothing()).returning('pool').execute();
    created += inserted.length;
    primary += inserted.filter((r) => r.pool === 'primary').length;
    referral += inserted.filter((r) => r.pool === 'referral').length;
  }
  return { created, primary, referral, skipped: rows.length - created, closedDays: closed.size, quota };
}

export async function generateSlots(db: Db, caller: Caller, resourceId: string, input: GenerateInput) {
  const resource = await loadResource(db, resourceId);
  authorize(caller, 'schedule.manage', { institutionId: resource.institution_id });
  const from = Date.parse(`${input.from}T00:00:00Z`), to = Date.parse(`${input.to}T00:00:00Z`);
  if (!(to >= from)) throw badRequest('invalid_range', '结束日期早于开始日期', 'The end date is before the start date', 'to');
  if ((to - from) / DAY_MS >= MAX_DAYS) throw badRequest('range_too_long', `一次最多生成${MAX_DAYS}天`, `At most ${MAX_DAYS} days at a time`, 'to');
  checkOpensAt(input.opensAt);
  return db.transaction().execute(async (tx) => {
    const stored = await tx.selectFrom('schedule_template').selectAll().where('resource_id', '=', resource.id).executeTakeFirst();
    const template = input.template ?? stored?.weekly, category = input.category ?? stored?.category;
    if (!template) throw badRequest('template_required', '该资源尚无出诊模板，请先保存模板或随请求提供', 'This resource has no stored template; save one or send it', 'template');
    if (!category) throw badRequest('category_required', '请指定号源类别', 'Give the slot category', 'category');
    const result = await createSlotsFor(tx, resource, {
      from: input.from, to: input.to, category, template, opensAt: input.opensAt,
      referralPerDay: input.referralPerDay ?? (input.template ? 0 : stored?.referral_per_day ?? 0),
    });
    if (stored && !input.template && (!stored.generated_through || stored.generated_through < input.to))
      await tx.updateTable('schedule_template').set({ generated_through: input.to }).where('resource_id', '=', resource.id).execute();
    await audit(tx, actorOf(caller), { action: 'schedule.slots.generate', objectType: 'schedule_resource', objectId: resource.id, detail: { from: input.from, to: input.to, created: result.created, primary: result.primary, referral: result.referral } });
    return result;
  });
}

// ——— stored templates and the roller ———

export interface TemplateInput { category: SlotCategory; weekly: WeeklyTemplate; referralPerDay: number; horizonDays: number }

const templateView = (t: { resource_id: string; category: string; weekly: WeeklyTemplate; referral_per_day: number; horizon_days: number; generated_through: string | null; updated_at: Date }) => ({
  resourceId: t.resource_id, category: t.category, weekly: t.weekly, referralPerDay: t.referral_per_day, horizonDays: t.horizon_days,
  generatedThrough: t.generated_through, updatedAt: t.updated_at,
});

export async function getTemplate(db: Db, caller: Caller, resourceId: string) {
  authorize(caller, 'schedule.read');
  await loadResource(db, resourceId);
  const t = await db.selectFrom('schedule_template').selectAll().where('resource_id', '=', resourceId).executeTakeFirst();
  if (!t) throw notFound({ zh: '出诊模板', en: 'Schedule template' }, 'id');
  return templateView(t);
}

/**
 * Stores the weekly template of a resource and makes its slots up to the horizon at once (days already made are
 * kept: a changed template applies to the days not yet made; stop-clinic removes made ones).
 */
export async function putTemplate(db: Db, caller: Caller, resourceId: string, input: TemplateInput) {
  const resource = await loadResource(db, resourceId);
  authorize(caller, 'schedule.manage', { institutionId: resource.institution_id });
  const perDay = Math.max(0, ...WEEKDAYS.map((d) => new Set(input.weekly[d] ?? []).size));
  if (input.referralPerDay > perDay)
    throw badRequest('referral_exceeds_day', `转诊预留数（${input.referralPerDay}）超过每日号源数（${perDay}）`, `Referral places (${input.referralPerDay}) exceed the places per day (${perDay})`, 'referralPerDay');
  return db.transaction().execute(async (tx) => {
    const values = { category: input.category, weekly: JSON.stringify(input.weekly), referral_per_day: input.referralPerDay, horizon_days: input.horizonDays, updated_by: caller.userId };
    await tx.insertInto('schedule_template').values({ resource_id: resourceId, ...values })
      .onConflict((oc) => oc.column('resource_id').doUpdateSet({ ...values, updated_at: new Date() })).execute();
    const rolled = await rollTemplate(tx, resource);
    await audit(tx, actorOf(caller), { action: 'schedule.template.set', objectType: 'schedule_resource', objectId: resourceId, detail: { ...input, created: rolled?.created ?? 0 } });
    const t = await tx.selectFrom('schedule_template').selectAll().where('resource_id', '=', resourceId).executeTakeFirstOrThrow();
    return { ...templateView(t), created: rolled?.created ?? 0 };
  });
}

/** Makes a resource's slots from its stored template from the day after the last made one up to the horizon. */
async function rollTemplate(tx: Tx, resource: ResourceRow, now = Date.now()) {
  const t = await tx.selectFrom('schedule_template').selectAll().where('resource_id', '=', resource.id).forUpdate().skipLocked().executeTakeFirst();
  if (!t || !resource.active) return null;
  const today = todayCst(now);
  const from = t.generated_through && t.generated_through >= today ? addDays(t.generated_through, 1) : today;
  const to = addDays(today, t.horizon_days - 1);
  if (from > to) return null;
  const result = await createSlotsFor(tx, resource, { from, to, category: t.category, template: t.weekly, referralPerDay: t.referral_per_day });
  await tx.updateTable('schedule_template').set({ generated_through: to }).where('resource_id', '=', resource.id).execute();
  return { from, to, ...result };
}

/** Rolls one resource's stored template forward in the caller's transaction (the demo seed uses it). */
export async function rollResourceForward(tx: Tx, resourceId: string, now = Date.now()) {
  return rollTemplate(tx, await loadResource(tx, resourceId), now);
}

const SYSTEM_ACTOR = { userId: null, username: 'system', role: null, institutionId: null, ip: null };

/** Rolls every stored template forward (放号): run at start and hourly; each resource in its own transaction, skipped if another process holds it. */
export async function rollForward(db: Db, now = Date.now()) {
  const due = await db.selectFrom('schedule_template').innerJoin('schedule_resource as r', 'r.id', 'schedule_template.resource_id')
    .select('schedule_template.resource_id').where('r.active', '=', true)
    .where((eb) => eb.or([eb('generated_through', 'is', null), eb('generated_through', '<', sql<string>`(${todayCst(now)}::date + horizon_days - 1)`)]))
    .execute();
  let created = 0;
  for (const { resource_id } of due) {
    created += await db.transaction().execute(async (tx) => {
      const resource = await loadResource(tx, resource_id);
      const rolled = await rollTemplate(tx, resource, now);
      if (rolled?.created) await audit(tx, SYSTEM_ACTOR, { action: 'schedule.slots.roll', objectType: 'schedule_resource', objectId: resource_id, detail: { from: rolled.from, to: rolled.to, created: rolled.created } });
      return rolled?.created ?? 0;
    });
  }
  return { resources: due.length, created };
}

/** Runs `rollForward` now and every hour until stopped. */
export function startScheduleRoller(db: Db, log: { error: (o: object, msg: string) => void }, everyMs = 3_600_000) {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => { running = rollForward(db).catch((err: unknown) => log.error({ err }, 'schedule roll-forward failed')); };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return { stop: async () => { clearInterval(timer); await running; } };
}

// ——— slot listing ———

/** Primary institutions (level 1 and below) and family-doctor teams may book the reserved primary pool. */
export async function isPrimaryCaller(db: Reader, caller: Caller): Promise<boolean> {
  if (caller.role.role === 'family_doctor') return true;
  if (!caller.role.institutionId) return false;
  const inst = await db.selectFrom('institution').select('level').where('id', '=', caller.role.institutionId).executeTakeFirst();
  return !!inst && ['1', '0'].includes(inst.level);
}

/** Green-channel (referral-pool) slots are booked by the receiving institution's staff: the caller's institution, or null. */
function greenChannelInstitution(caller: Caller): string | null {
  return ['doctor', 'dept_head', 'institution_admin', 'consult_coordinator', 'family_doctor'].includes(caller.role.role) ? caller.role.institutionId : null;
}

const slotView = (s: { id: string; resource_id: string; starts_at: Date; ends_at: Date; category: string; pool: string; primary_returns_at: Date | null; opens_at: Date; status: string }) => ({
  id: s.id, resourceId: s.resource_id, startsAt: s.starts_at, endsAt: s.ends_at, category: s.category, pool: s.pool,
  primaryReturnsAt: s.primary_returns_at, opensAt: s.opens_at, status: s.status,
});

export interface SlotQuery { resourceId?: string; institutionId?: string; from?: string; to?: string; status?: 'free' | 'busy' | 'blocked'; greenChannel?: boolean; limit: number; offset: number }

/** `status=free` lists only what the caller may book now: open, in the future, and in a pool open to the caller. */
export async function listSlots(db: Db, caller: Caller, q: SlotQuery) {
  authorize(caller, 'schedule.read');
  let sel = db.selectFrom('slot').innerJoin('schedule_resource as r', 'r.id', 'slot.resource_id').selectAll('slot');
  if (q.resourceId) sel = sel.where('slot.resource_id', '=', q.resourceId);
  if (q.institutionId) sel = sel.where('r.institution_id', '=', q.institutionId);
  if (q.from) sel = sel.where('slot.starts_at', '>=', new Date(q.from));
  if (q.to) sel = sel.where('slot.starts_at', '<', new Date(q.to));
  if (q.status) sel = sel.where('slot.status', '=', q.status);
  if (q.status === 'free') {
    const primary = await isPrimaryCaller(db, caller);
    const green = q.greenChannel ? greenChannelInstitution(caller) : null;
    sel = sel.where('slot.opens_at', '<=', sql<Date>`now()`).where('slot.starts_at', '>', sql<Date>`now()`)
      .where((eb) => eb.or([
        eb('slot.pool', '=', 'public'),
        ...(primary ? [eb('slot.pool', '=', 'primary')] : []),
        ...(green ? [eb.and([eb('slot.pool', '=', 'referral'), eb('r.institution_id', '=', green)])] : []),
        eb.and([eb('slot.pool', 'in', ['primary', 'referral']), eb('slot.primary_returns_at', '<=', sql<Date>`now()`)]),
      ]));
  }
  const rows = await sel.orderBy('slot.starts_at').orderBy('slot.id').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(slotView) };
}

// ——— appointments ———

export interface BookInput {
  slotId: string; patientId: string; reason?: string | null; /** Book from the referral pool (绿色通道). */ greenChannel?: boolean;
  /** Set by the FHIR facade: the booking came from an external system. */ via?: 'fhir';
}
export interface Answer { status: number; body: unknown; replay?: boolean }

const BOOK_ROUTE = 'POST /api/v1/scheduling/appointments';

const appointmentView = (a: { id: string; slot_id: string; patient_id: string; booked_by: string; booked_for_institution_id: string | null; channel: string; status: string; reason: string | null; created_at: Date; cancelled_at: Date | null; replaces_id: string | null }) => ({
  id: a.id, slotId: a.slot_id, patientId: a.patient_id, bookedBy: a.booked_by, bookedForInstitutionId: a.booked_for_institution_id,
  channel: a.channel, status: a.status, reason: a.reason, createdAt: a.created_at, cancelledAt: a.cancelled_at, replacesId: a.replaces_id,
});

async function storedAnswer(db: Reader, caller: Caller, key: string): Promise<Answer | null> {
  const row = await db.selectFrom('idempotency_key').select(['route', 'status', 'body']).where('user_id', '=', caller.userId).where('key', '=', key).executeTakeFirst();
  if (!row) return null;
  if (row.route !== BOOK_ROUTE) throw conflict('idempotency_key_reused', '该幂等键已用于其他请求', 'This Idempotency-Key was used for another request', 'idempotency-key');
  const body = typeof row.body === 'string' ? JSON.parse(row.body) : row.body;
  return { status: row.status, body, replay: true };
}

/** Why an unclaimable slot cannot be booked: 404, 409 slot_full, or the release/quota rule that refuses the caller. */
async function refusal(tx: Tx, slotId: string): Promise<AppError> {
  const s = await tx.selectFrom('slot').select(['status', 'opens_at', 'starts_at', 'pool', 'primary_returns_at']).where('id', '=', slotId).executeTakeFirst();
  if (!s) return notFound({ zh: '号源', en: 'Slot' }, 'slotId');
  if (s.status === 'busy') return slotFull();
  if (s.status === 'blocked') return conflict('slot_blocked', '该号源已停诊或锁定', 'This slot is blocked (clinic stopped)', 'slotId');
  if (s.starts_at.getTime() <= Date.now()) return conflict('slot_past', '该号源时间已过', 'This slot is in the past', 'slotId');
  if (s.opens_at.getTime() > Date.now()) return conflict('slot_not_open', '该号源尚未放号', 'This slot is not open for booking yet', 'slotId', { opensAt: s.opens_at });
  if (s.pool === 'primary') return forbidden('该号源为基层预留号源，仅基层医疗机构和家庭医生可预约', 'This slot is reserved for primary-care institutions and family doctors', { returnsAt: s.primary_returns_at });
  return forbidden('该号源为转诊预留号源（绿色通道），仅接收机构可为转诊患者预约', 'This slot is reserved for referrals (green channel): only the receiving institution books it for a referred patient', { returnsAt: s.primary_returns_at });
}

/** Claims a free slot for the caller (free → busy) if it is open, in the future and in a pool open to the caller; else the refusal. */
async function claimSlot(tx: Tx, caller: Caller, slotId: string, greenChannel = false) {
  const claimed = await claimQuery(tx, caller, slotId, greenChannel).returning(['id', 'resource_id', 'starts_at']).executeTakeFirst();
  if (!claimed) throw await refusal(tx, slotId);
  return claimed;
}

/**
 * The UPDATE that claims a slot (free → busy) when it is open, in the future and in a pool open to the caller — the
 * primary-care pool to primary institutions and family doctors, the referral pool to the receiving institution's
 * staff with `greenChannel`, both to everyone once returned. Who counts as primary is decided in the same statement.
 */
function claimQuery(tx: Tx, caller: Caller, slotId: string, greenChannel: boolean) {
  const green = greenChannel ? greenChannelInstitution(caller) : null;
  const inst = caller.role.institutionId;
  return tx.updateTable('slot').set({ status: 'busy' })
    .where('id', '=', slotId).where('status', '=', 'free')
    .where('opens_at', '<=', sql<Date>`now()`).where('starts_at', '>', sql<Date>`now()`)
    .where((eb) => eb.or([
      eb('pool', '=', 'public'),
      ...(caller.role.role === 'family_doctor' ? [eb('pool', '=', 'primary')]
        : inst ? [eb.and([eb('pool', '=', 'primary'), eb.exists(eb.selectFrom('institution').select('id').where('id', '=', inst).where('level', 'in', ['1', '0']))])] : []),
      ...(green ? [eb.and([eb('pool', '=', 'referral'), eb('resource_id', 'in', eb.selectFrom('schedule_resource').select('id').where('institution_id', '=', green))])] : []),
      eb.and([eb('pool', 'in', ['primary', 'referral']), eb('primary_returns_at', '<=', sql<Date>`now()`)]),
    ]));
}

/**
 * Books a slot in one transaction: claim the slot (free → busy, with release and quota rules in the same UPDATE),
 * insert the appointment (the partial unique index is the last line of defence), history, audit, notification and
 * the idempotency record. A retried request with the same Idempotency-Key gets the first answer.
 */
export async function book(db: Db, caller: Caller, input: BookInput, key?: string): Promise<Answer> {
  authorize(caller, 'appointment.book', { patientId: input.patientId });
  if (key) { const prior = await storedAnswer(db, caller, key); if (prior) return prior; }
  // In a release burst most requests find the slot taken: answer those without a transaction (the claim below is
  // what guarantees a slot is never booked twice; this read only spares the losers a queue for a connection).
  const seen = await db.selectFrom('slot').select('status').where('id', '=', input.slotId).executeTakeFirst();
  if (seen?.status === 'busy') {
    // …unless it was this very request, retried while the first try was committing.
    if (key) { const prior = await storedAnswer(db, caller, key); if (prior) return prior; }
    throw slotFull();
  }
  try {
    return await db.transaction().execute(async (tx) => {
      const a = await bookInTransaction(tx, caller, input);
      const answer = { status: 201, body: appointmentView(a) };
      if (key) await tx.insertInto('idempotency_key').values({ key, user_id: caller.userId, route: BOOK_ROUTE, status: 201, body: JSON.stringify(answer.body) }).execute();
      return answer;
    });
  } catch (err) {
    // A concurrent retry with the same key may have won: give its answer instead of an error.
    if (key) { const prior = await storedAnswer(db, caller, key); if (prior) return prior; }
    if ((err as { code?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'appointment_one_live_per_slot') throw slotFull();
    throw err;
  }
}

/**
 * Books a slot inside the caller's transaction: the patient check, then claim + appointment + history in one
 * statement, the audit entry and the patient's notice. `referralOnly` (a referral's green-channel booking) accepts
 * only a slot of the referral pool. Used by `book` and by workflows that book as one of their steps.
 */
export async function bookInTransaction(tx: Tx, caller: Caller, input: BookInput, opts: { referralOnly?: boolean } = {}) {
  // The patient and, for the notice, their accounts; then claim, appointment and history in one statement.
  const patient = await tx.selectFrom('patient').select(['id', 'status', (eb) => eb.fn<string[]>('array', [
    eb.selectFrom('user_account').select('user_account.id').whereRef('user_account.patient_id', '=', 'patient.id')
      .where('user_account.active', '=', true).where('user_account.id', '<>', caller.userId),
  ]).as('accounts')]).where('id', '=', input.patientId).executeTakeFirst();
  if (!patient) throw notFound({ zh: '患者', en: 'Patient' }, 'patientId');
  if (patient.status === 'merged') throw conflict('patient_merged', '该患者档案已合并，请使用合并后的档案', 'This patient record was merged; use the surviving record', 'patientId');
  const channel = input.greenChannel ? 'referral' as const : input.via ?? channelOf(caller);
  const a = await tx
    .with('c', () => {
      const claim = claimQuery(tx, caller, input.slotId, !!input.greenChannel);
      return (opts.referralOnly ? claim.where('pool', '=', 'referral') : claim).returning(['id', 'starts_at']);
    })
    .with('a', (q) => q.insertInto('appointment')
      .columns(['slot_id', 'patient_id', 'booked_by', 'booked_for_institution_id', 'channel', 'reason'])
      .expression((eb) => eb.selectFrom('c').select((e) => [
        'c.id', e.val(input.patientId).as('patient_id'), e.val(caller.userId).as('booked_by'),
        sql<string | null>`${caller.role.institutionId}::uuid`.as('booked_for_institution_id'), e.val(channel).as('channel'),
        sql<string | null>`${input.reason ?? null}::text`.as('reason'),
      ]))
      .returningAll())
    .with('e', (q) => q.insertInto('appointment_event').columns(['appointment_id', 'user_id', 'to_status'])
      .expression((eb) => eb.selectFrom('a').select((e) => ['a.id', e.val(caller.userId).as('user_id'), e.val('booked').as('to_status')])))
    .selectFrom('a').innerJoin('c', 'c.id', 'a.slot_id').selectAll('a').select('c.starts_at').executeTakeFirst();
  if (!a) {
    if (opts.referralOnly) {
      const s = await tx.selectFrom('slot').innerJoin('schedule_resource as r', 'r.id', 'slot.resource_id')
        .select(['slot.status', 'slot.pool', 'r.institution_id']).where('slot.id', '=', input.slotId).executeTakeFirst();
      if (s && s.status === 'free' && (s.pool !== 'referral' || s.institution_id !== greenChannelInstitution(caller)))
        throw badRequest('not_green_channel', '须选择接收机构的转诊预留号源（绿色通道）', 'Choose a referral-pool (green channel) slot of the receiving institution', 'slotId');
    }
    throw await refusal(tx, input.slotId);
  }
  const claimed = { starts_at: a.starts_at };
  await audit(tx, actorOf(caller), { action: 'appointment.book', objectType: 'appointment', objectId: a.id, patientId: a.patient_id, detail: { slotId: a.slot_id, channel } });
  const accounts = patient.accounts.map((id) => ({ id }));
  const when = claimed.starts_at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  await notify(tx, {
    userIds: accounts.map((u) => u.id), kind: 'appointment', title: { zh: '预约成功', en: 'Appointment booked' },
    body: { zh: `就诊时间：${when}`, en: `Visit at ${claimed.starts_at.toISOString()}` }, caseType: 'appointment', caseId: a.id,
  });
  return a;
}

async function loadAppointment(tx: Reader, id: string) {
  const a = await tx.selectFrom('appointment').innerJoin('slot', 'slot.id', 'appointment.slot_id')
    .innerJoin('schedule_resource as r', 'r.id', 'slot.resource_id')
    .innerJoin('patient', 'patient.id', 'appointment.patient_id')
    .selectAll('appointment').select(['r.institution_id', 'r.id as resource_id', 'r.name as resource_name', 'r.department_id', 'slot.starts_at', 'slot.ends_at', 'slot.category', 'slot.status as slot_status', 'patient.name as patient_name'])
    .where('appointment.id', '=', id).executeTakeFirst();
  if (!a) throw notFound({ zh: '预约', en: 'Appointment' }, 'id');
  return a;
}

export async function getAppointment(db: Db, caller: Caller, id: string) {
  const a = await loadAppointment(db, id);
  authorize(caller, 'appointment.read', { patientId: a.patient_id });
  const history = await db.selectFrom('appointment_event').leftJoin('user_account as u', 'u.id', 'appointment_event.user_id')
    .select(['appointment_event.at', 'appointment_event.user_id', 'u.display_name', 'from_status', 'to_status', 'note']).where('appointment_id', '=', id).orderBy('appointment_event.id').execute();
  const replacedBy = await db.selectFrom('appointment').select('id').where('replaces_id', '=', id).where('status', 'in', LIVE).executeTakeFirst();
  return {
    ...appointmentView(a), institutionId: a.institution_id, startsAt: a.starts_at, endsAt: a.ends_at, resourceId: a.resource_id, resourceName: a.resource_name,
    patientName: a.patient_name, slotStatus: a.slot_status, replacedById: replacedBy?.id ?? null,
    history: history.map((h) => ({ at: h.at, userId: h.user_id, userName: h.display_name, from: h.from_status, to: h.to_status, note: h.note })),
  };
}

const LIVE: AppointmentStatus[] = ['booked', 'checked_in', 'completed'];

const TRANSITIONS: Record<'cancel' | 'check_in' | 'no_show' | 'complete', { from: AppointmentStatus[]; to: AppointmentStatus }> = {
  cancel: { from: ['booked'], to: 'cancelled' },
  check_in: { from: ['booked'], to: 'checked_in' },
  no_show: { from: ['booked'], to: 'no_show' },
  complete: { from: ['checked_in'], to: 'completed' },
};

/** Cancel (frees the slot and serves the waitlist), check in, mark a no-show or complete a visit; each with a history row and an audit entry. */
export async function transition(db: Db, caller: Caller, id: string, op: keyof typeof TRANSITIONS, note?: string | null) {
  return db.transaction().execute(async (tx) => {
    const a = await loadAppointment(tx, id);
    if (op === 'cancel') authorize(caller, 'appointment.cancel', { patientId: a.patient_id });
    else authorize(caller, 'appointment.attend', { institutionId: a.institution_id });
    const t = TRANSITIONS[op];
    const updated = await tx.updateTable('appointment')
      .set({ status: t.to, ...(op === 'cancel' ? { cancelled_at: new Date() } : {}) })
      .where('id', '=', id).where('status', 'in', t.from).returningAll().executeTakeFirst();
    if (!updated) throw conflict('invalid_state', `预约当前状态（${a.status}）不允许此操作`, `Not possible while the appointment is ${a.status}`, 'id');
    if (op === 'cancel') {
      await tx.updateTable('slot').set({ status: 'free' }).where('id', '=', a.slot_id).where('status', '=', 'busy').execute();
      await offerToWaitlist(tx, caller, a.slot_id);
    }
    await tx.insertInto('appointment_event').values({ appointment_id: id, user_id: caller.userId, from_status: a.status, to_status: t.to, note: note ?? null }).execute();
    await audit(tx, actorOf(caller), { action: `appointment.${op}`, objectType: 'appointment', objectId: id, patientId: a.patient_id, reason: note ?? null });
    return appointmentView(updated);
  });
}


// ——— listing appointments ———

export interface AppointmentQuery {
  patientId?: string; institutionId?: string; resourceId?: string; status?: AppointmentStatus; from?: string; to?: string;
  /** `mine`: booked by the caller; `clinic`: visits in the caller's own clinics (resources of the caller's practitioner record). */
  scope?: 'mine' | 'clinic'; limit: number; offset: number;
}

/** A patient sees their own appointments; booking staff filter by patient, institution and time. */
export async function listAppointments(db: Db, caller: Caller, q: AppointmentQuery) {
  const patientId = caller.role.role === 'patient' ? q.patientId ?? caller.patientId ?? undefined : q.patientId;
  authorize(caller, 'appointment.read', caller.role.role === 'patient' ? { patientId: patientId ?? null } : {});
  let sel = db.selectFrom('appointment').innerJoin('slot', 'slot.id', 'appointment.slot_id')
    .innerJoin('schedule_resource as r', 'r.id', 'slot.resource_id').innerJoin('patient', 'patient.id', 'appointment.patient_id')
    .selectAll('appointment').select(['slot.starts_at', 'slot.ends_at', 'r.id as resource_id', 'r.name as resource_name', 'r.institution_id', 'patient.name as patient_name']);
  if (patientId) sel = sel.where('appointment.patient_id', '=', patientId);
  if (q.institutionId) sel = sel.where('r.institution_id', '=', q.institutionId);
  if (q.resourceId) sel = sel.where('r.id', '=', q.resourceId);
  if (q.scope === 'mine') sel = sel.where('appointment.booked_by', '=', caller.userId);
  if (q.scope === 'clinic') sel = caller.practitionerId ? sel.where('r.practitioner_id', '=', caller.practitionerId) : sel.where(sql<boolean>`false`);
  if (q.status) sel = sel.where('appointment.status', '=', q.status);
  if (q.from) sel = sel.where('slot.starts_at', '>=', new Date(q.from));
  if (q.to) sel = sel.where('slot.starts_at', '<', new Date(q.to));
  const rows = await sel.orderBy('slot.starts_at').orderBy('appointment.id').limit(q.limit).offset(q.offset).execute();
  return {
    items: rows.map((a) => ({
      ...appointmentView(a), startsAt: a.starts_at, endsAt: a.ends_at, resourceId: a.resource_id, resourceName: a.resource_name,
      institutionId: a.institution_id, patientName: a.patient_name,
    })),
  };
}

// ——— stop-clinic (停诊), closure days and rebooking offers ———

/**
 * Stops slots in one transaction: free and booked slots of the resources in [from, to) become blocked, live bookings
 * are cancelled with a history note, and each patient's accounts and the booker are notified with rebooking offers
 * (the first free slots they may book instead; `GET /appointments/:id/alternatives` lists them all).
 */
async function stopSlots(tx: Tx, caller: Caller, where: { resourceId?: string; institutionId?: string }, from: Date, to: Date, reason: string) {
  let blockedQ = tx.updateTable('slot').set({ status: 'blocked' })
    .where('starts_at', '>=', from).where('starts_at', '<', to).where('status', '<>', 'blocked');
  if (where.resourceId) blockedQ = blockedQ.where('resource_id', '=', where.resourceId);
  if (where.institutionId) blockedQ = blockedQ.where('resource_id', 'in', tx.selectFrom('schedule_resource').select('id').where('institution_id', '=', where.institutionId));
  const blocked = await blockedQ.returning(['id', 'starts_at']).execute();
  const cancelled = blocked.length
    ? await tx.updateTable('appointment').set({ status: 'cancelled', cancelled_at: new Date(), reason })
      .where('slot_id', 'in', blocked.map((s) => s.id)).where('status', '=', 'booked').returningAll().execute()
    : [];
  if (cancelled.length)
    await tx.insertInto('appointment_event').values(cancelled.map((a) => ({
      appointment_id: a.id, user_id: caller.userId, from_status: 'booked', to_status: 'cancelled', note: `停诊 stop-clinic: ${reason}`,
    }))).execute();
  const accounts = cancelled.length
    ? await tx.selectFrom('user_account').select(['id', 'patient_id']).where('patient_id', 'in', cancelled.map((a) => a.patient_id)).where('active', '=', true).execute()
    : [];
  for (const c of cancelled) {
    const a = await loadAppointment(tx, c.id);
    const primary = a.channel === 'family_doctor' || (a.booked_for_institution_id ? await isPrimaryInstitution(tx, a.booked_for_institution_id) : false);
    const offers = await alternativesFor(tx, a, { primary, limit: 3 });
    const fmt = (d: Date) => d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    const userIds = [...accounts.filter((u) => u.patient_id === a.patient_id).map((u) => u.id), a.booked_by];
    await notify(tx, {
      userIds, kind: 'appointment', title: { zh: '停诊通知：预约已取消', en: 'Clinic stopped: appointment cancelled' },
      body: offers.length
        ? { zh: `${a.resource_name} 停诊（${reason}）。可一键改约：${offers.map((o) => `${fmt(o.startsAt)} ${o.resourceName}`).join('；')}`,
            en: `${a.resource_name} is not available (${reason}). Rebook in one click: ${offers.map((o) => `${o.startsAt.toISOString()} ${o.resourceName}`).join('; ')}` }
        : { zh: `${a.resource_name} 停诊（${reason}），近期暂无可改约号源，已为您保留改约入口。`, en: `${a.resource_name} is not available (${reason}); no other slot is free soon.` },
      caseType: 'appointment', caseId: a.id,
    });
  }
  return { blocked: blocked.length, cancelled: cancelled.map((a) => a.id) };
}

/** Stops a resource over a period (停诊): see `stopSlots`. */
export async function stopClinic(db: Db, caller: Caller, resourceId: string, input: { from: string; to: string; reason: string }) {
  const resource = await loadResource(db, resourceId);
  authorize(caller, 'schedule.manage', { institutionId: resource.institution_id });
  const from = new Date(input.from), to = new Date(input.to);
  if (!(to > from)) throw badRequest('invalid_range', '结束时间须晚于开始时间', 'The end must be after the start', 'to');
  return db.transaction().execute(async (tx) => {
    const result = await stopSlots(tx, caller, { resourceId: resource.id }, from, to, input.reason);
    await audit(tx, actorOf(caller), { action: 'schedule.stop', objectType: 'schedule_resource', objectId: resource.id, reason: input.reason,
      detail: { from: input.from, to: input.to, ...result } });
    return result;
  });
}

const exceptionView = (e: { id: string; institution_id: string; date: string; name: string; created_at: Date }) => ({
  id: e.id, institutionId: e.institution_id, date: e.date, name: e.name, createdAt: e.created_at,
});

/** A closure day (节假日) of an institution: slots are not made that day, and those already made are stopped. */
export async function createException(db: Db, caller: Caller, input: { institutionId: string; date: string; name: string }) {
  authorize(caller, 'schedule.manage', { institutionId: input.institutionId });
  if (input.date < todayCst()) throw badRequest('date_past', '日期已过', 'The date is in the past', 'date');
  return db.transaction().execute(async (tx) => {
    if (!await tx.selectFrom('institution').select('id').where('id', '=', input.institutionId).executeTakeFirst())
      throw notFound({ zh: '机构', en: 'Institution' }, 'institutionId');
    const e = await tx.insertInto('schedule_exception').values({ institution_id: input.institutionId, date: input.date, name: input.name, created_by: caller.userId })
      .onConflict((oc) => oc.columns(['institution_id', 'date']).doNothing()).returningAll().executeTakeFirst();
    if (!e) throw conflict('exception_exists', '该日期已设为停诊日', 'This date is already a closure day', 'date');
    const from = new Date(`${input.date}T00:00:00${TZ_OFFSET}`);
    const result = await stopSlots(tx, caller, { institutionId: input.institutionId }, from, new Date(from.getTime() + DAY_MS), input.name);
    await audit(tx, actorOf(caller), { action: 'schedule.exception.create', objectType: 'institution', objectId: input.institutionId, reason: input.name,
      detail: { date: input.date, ...result } });
    return { ...exceptionView(e), ...result };
  });
}

export async function listExceptions(db: Db, caller: Caller, q: { institutionId?: string; from?: string; to?: string; limit: number; offset: number }) {
  authorize(caller, 'schedule.read');
  let sel = db.selectFrom('schedule_exception').selectAll();
  if (q.institutionId) sel = sel.where('institution_id', '=', q.institutionId);
  if (q.from) sel = sel.where('date', '>=', q.from);
  if (q.to) sel = sel.where('date', '<=', q.to);
  return { items: (await sel.orderBy('date').orderBy('id').limit(q.limit).offset(q.offset).execute()).map(exceptionView) };
}

async function isPrimaryInstitution(db: Reader, institutionId: string) {
  const inst = await db.selectFrom('institution').select('level').where('id', '=', institutionId).executeTakeFirst();
  return !!inst && ['1', '0'].includes(inst.level);
}

const ALTERNATIVE_DAYS = 14;

/**
 * Slots to offer instead of an appointment's: free, open, in the future, in a pool open to the booker, of the same
 * resource first, then of the same department (or institution, when the resource has no department) and category,
 * up to 14 days after the original visit, earliest first.
 */
async function alternativesFor(db: Reader, a: Awaited<ReturnType<typeof loadAppointment>>, o: { primary: boolean; limit: number }) {
  const latest = new Date(Math.max(a.starts_at.getTime(), Date.now()) + ALTERNATIVE_DAYS * DAY_MS);
  const rows = await db.selectFrom('slot').innerJoin('schedule_resource as r', 'r.id', 'slot.resource_id')
    .selectAll('slot').select(['r.name as resource_name', sql<boolean>`(slot.resource_id = ${a.resource_id})`.as('same')])
    .where('slot.status', '=', 'free').where('r.active', '=', true)
    .where('slot.opens_at', '<=', sql<Date>`now()`).where('slot.starts_at', '>', sql<Date>`now()`).where('slot.starts_at', '<', latest)
    .where((eb) => eb.or([
      eb('slot.pool', '=', 'public'),
      ...(o.primary ? [eb('slot.pool', '=', 'primary')] : []),
      eb.and([eb('slot.pool', 'in', ['primary', 'referral']), eb('slot.primary_returns_at', '<=', sql<Date>`now()`)]),
    ]))
    .where((eb) => eb.or([
      eb('slot.resource_id', '=', a.resource_id),
      eb.and([
        eb('slot.category', '=', a.category), eb('r.institution_id', '=', a.institution_id),
        a.department_id ? eb('r.department_id', '=', a.department_id) : eb('r.department_id', 'is', null),
      ]),
    ]))
    .orderBy(sql`(slot.resource_id = ${a.resource_id})`, 'desc').orderBy('slot.starts_at').orderBy('slot.id').limit(o.limit).execute();
  return rows.map((r) => ({ ...slotView(r), resourceName: r.resource_name }));
}

/** Rebooking offers for an appointment, as the caller may book them. */
export async function alternatives(db: Db, caller: Caller, id: string) {
  const a = await loadAppointment(db, id);
  authorize(caller, 'appointment.read', { patientId: a.patient_id });
  return { items: await alternativesFor(db, a, { primary: await isPrimaryCaller(db, caller), limit: 10 }) };
}

// ——— reschedule ———

/**
 * Moves a booking to another slot in one transaction: the new slot is claimed first, then the old one is freed. An
 * appointment cancelled by stop-clinic is rebooked the same way (its slot stays blocked). The new appointment points
 * at the one it replaces.
 */
export async function reschedule(db: Db, caller: Caller, id: string, input: { slotId: string; note?: string | null }) {
  try {
    return await db.transaction().execute(async (tx) => {
      const a = await loadAppointment(tx, id);
      authorize(caller, 'appointment.cancel', { patientId: a.patient_id });
      authorize(caller, 'appointment.book', { patientId: a.patient_id });
      const rebook = a.status === 'cancelled' && a.slot_status === 'blocked';
      if (a.status !== 'booked' && !rebook) throw conflict('invalid_state', `预约当前状态（${a.status}）不允许改约`, `Cannot reschedule while the appointment is ${a.status}`, 'id');
      if (input.slotId === a.slot_id) throw badRequest('same_slot', '新号源与原号源相同', 'The new slot is the current one', 'slotId');
      if (rebook && await tx.selectFrom('appointment').select('id').where('replaces_id', '=', id).where('status', 'in', LIVE).executeTakeFirst())
        throw conflict('already_rebooked', '该预约已改约', 'This appointment was already rebooked', 'id');
      // Lock the appointment row so two reschedules of the same booking cannot both succeed.
      await tx.selectFrom('appointment').select('id').where('id', '=', id).forUpdate().execute();
      const claimed = await claimSlot(tx, caller, input.slotId, a.channel === 'referral' && caller.role.institutionId === a.institution_id);
      if (!rebook) {
        const old = await tx.updateTable('appointment').set({ status: 'cancelled', cancelled_at: new Date(), reason: 'rescheduled' })
          .where('id', '=', id).where('status', '=', 'booked').returning('id').executeTakeFirst();
        if (!old) throw conflict('invalid_state', '预约状态已变化，请刷新', 'The appointment changed meanwhile; reload', 'id');
        await tx.updateTable('slot').set({ status: 'free' }).where('id', '=', a.slot_id).where('status', '=', 'busy').execute();
      }
      const next = await tx.insertInto('appointment').values({
        slot_id: claimed.id, patient_id: a.patient_id, booked_by: caller.userId, booked_for_institution_id: a.booked_for_institution_id,
        channel: a.channel, reason: a.reason, replaces_id: id,
      }).returningAll().executeTakeFirstOrThrow();
      await tx.insertInto('appointment_event').values([
        rebook
          ? { appointment_id: id, user_id: caller.userId, from_status: 'cancelled', to_status: 'cancelled', note: `停诊后改约 rebooked as ${next.id}${input.note ? `: ${input.note}` : ''}` }
          : { appointment_id: id, user_id: caller.userId, from_status: 'booked', to_status: 'cancelled', note: `改约至 rescheduled to ${next.id}${input.note ? `: ${input.note}` : ''}` },
        { appointment_id: next.id, user_id: caller.userId, from_status: null, to_status: 'booked', note: `由 rescheduled from ${id}` },
      ]).execute();
      if (!rebook) await offerToWaitlist(tx, caller, a.slot_id);
      await audit(tx, actorOf(caller), { action: rebook ? 'appointment.rebook' : 'appointment.reschedule', objectType: 'appointment', objectId: next.id, patientId: a.patient_id, reason: input.note ?? null, detail: { from: id, fromSlot: a.slot_id, toSlot: claimed.id } });
      return appointmentView(next);
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'appointment_one_live_per_slot') throw slotFull();
    throw err;
  }
}

// ——— waitlist (候补) ———

const channelOf = (caller: Caller) => caller.role.role === 'patient' ? 'patient' as const : caller.role.role === 'family_doctor' ? 'family_doctor' as const : 'doctor' as const;

export async function joinWaitlist(db: Db, caller: Caller, input: { resourceId: string; patientId: string; earliest?: string | null; latest?: string | null }) {
  authorize(caller, 'appointment.book', { patientId: input.patientId });
  if (input.earliest && input.latest && Date.parse(input.latest) <= Date.parse(input.earliest))
    throw badRequest('invalid_range', '结束时间须晚于开始时间', 'The end must be after the start', 'latest');
  return db.transaction().execute(async (tx) => {
    await loadResource(tx, input.resourceId);
    if (!await tx.selectFrom('patient').select('id').where('id', '=', input.patientId).executeTakeFirst()) throw notFound({ zh: '患者', en: 'Patient' }, 'patientId');
    if (await tx.selectFrom('waitlist_entry').select('id').where('resource_id', '=', input.resourceId).where('patient_id', '=', input.patientId).where('status', '=', 'waiting').executeTakeFirst())
      throw conflict('already_waiting', '该患者已在候补队列中', 'This patient is already on the waitlist', 'patientId');
    const e = await tx.insertInto('waitlist_entry').values({
      resource_id: input.resourceId, patient_id: input.patientId, added_by: caller.userId, added_for_institution_id: caller.role.institutionId,
      channel: channelOf(caller), earliest: input.earliest ? new Date(input.earliest) : null, latest: input.latest ? new Date(input.latest) : null,
    }).returningAll().executeTakeFirstOrThrow();
    await audit(tx, actorOf(caller), { action: 'appointment.waitlist.join', objectType: 'waitlist_entry', objectId: e.id, patientId: e.patient_id });
    return waitlistView(e);
  });
}

const waitlistView = (e: { id: string; resource_id: string; patient_id: string; added_by: string; channel: string; earliest: Date | null; latest: Date | null; status: string; appointment_id: string | null; created_at: Date }) => ({
  id: e.id, resourceId: e.resource_id, patientId: e.patient_id, addedBy: e.added_by, channel: e.channel, earliest: e.earliest, latest: e.latest,
  status: e.status, appointmentId: e.appointment_id, createdAt: e.created_at,
});

export async function leaveWaitlist(db: Db, caller: Caller, id: string) {
  return db.transaction().execute(async (tx) => {
    const e = await tx.selectFrom('waitlist_entry').selectAll().where('id', '=', id).executeTakeFirst();
    if (!e) throw notFound({ zh: '候补记录', en: 'Waitlist entry' }, 'id');
    authorize(caller, 'appointment.cancel', { patientId: e.patient_id });
    const u = await tx.updateTable('waitlist_entry').set({ status: 'cancelled' }).where('id', '=', id).where('status', '=', 'waiting').returningAll().executeTakeFirst();
    if (!u) throw conflict('invalid_state', `候补记录当前状态（${e.status}）不允许取消`, `Not possible while the entry is ${e.status}`, 'id');
    await audit(tx, actorOf(caller), { action: 'appointment.waitlist.leave', objectType: 'waitlist_entry', objectId: id, patientId: e.patient_id });
    return waitlistView(u);
  });
}

export async function listWaitlist(db: Db, caller: Caller, q: { resourceId?: string; patientId?: string; limit: number; offset: number }) {
  const patientId = caller.role.role === 'patient' ? q.patientId ?? caller.patientId ?? undefined : q.patientId;
  authorize(caller, 'appointment.read', caller.role.role === 'patient' ? { patientId: patientId ?? null } : {});
  let sel = db.selectFrom('waitlist_entry').selectAll().where('status', '=', 'waiting');
  if (q.resourceId) sel = sel.where('resource_id', '=', q.resourceId);
  if (patientId) sel = sel.where('patient_id', '=', patientId);
  return { items: (await sel.orderBy('created_at').orderBy('id').limit(q.limit).offset(q.offset).execute()).map(waitlistView) };
}

/**
 * A freed slot goes to the first waiting patient of its resource whose window covers it, in the transaction that
 * freed it: the slot is claimed like any booking (free → busy), so it can still never be booked twice. Slots not
 * yet open, in the past, or in a pool still reserved for primary care are left to normal booking.
 */
export async function offerToWaitlist(tx: Tx, caller: Caller, slotId: string) {
  const slot = await tx.selectFrom('slot').selectAll().where('id', '=', slotId).where('status', '=', 'free')
    .where('opens_at', '<=', sql<Date>`now()`).where('starts_at', '>', sql<Date>`now()`).executeTakeFirst();
  if (!slot || slot.pool === 'referral' || (slot.pool === 'primary' && !(slot.primary_returns_at && slot.primary_returns_at.getTime() <= Date.now()))) return null;
  const entry = await tx.selectFrom('waitlist_entry').selectAll()
    .where('resource_id', '=', slot.resource_id).where('status', '=', 'waiting')
    .where((eb) => eb.or([eb('earliest', 'is', null), eb('earliest', '<=', slot.starts_at)]))
    .where((eb) => eb.or([eb('latest', 'is', null), eb('latest', '>', slot.starts_at)]))
    .orderBy('created_at').orderBy('id').limit(1).forUpdate().skipLocked().executeTakeFirst();
  if (!entry) return null;
  const claimed = await tx.updateTable('slot').set({ status: 'busy' }).where('id', '=', slotId).where('status', '=', 'free').returning('id').executeTakeFirst();
  if (!claimed) return null;
  const a = await tx.insertInto('appointment').values({
    slot_id: slotId, patient_id: entry.patient_id, booked_by: entry.added_by, booked_for_institution_id: entry.added_for_institution_id,
    channel: entry.channel, reason: 'waitlist',
  }).returningAll().executeTakeFirstOrThrow();
  await tx.updateTable('waitlist_entry').set({ status: 'booked', appointment_id: a.id }).where('id', '=', entry.id).execute();
  await tx.insertInto('appointment_event').values({ appointment_id: a.id, user_id: caller.userId, from_status: null, to_status: 'booked', note: `候补 waitlist ${entry.id}` }).execute();
  await audit(tx, actorOf(caller), { action: 'appointment.waitlist.book', objectType: 'appointment', objectId: a.id, patientId: a.patient_id, detail: { slotId, waitlistEntryId: entry.id } });
  const accounts = await tx.selectFrom('user_account').select('id').where('patient_id', '=', a.patient_id).where('active', '=', true).execute();
  const when = slot.starts_at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  await notify(tx, {
    userIds: [...accounts.map((u) => u.id), entry.added_by], kind: 'appointment', title: { zh: '候补成功', en: 'Waitlist: appointment booked' },
    body: { zh: `已为您预约：${when}`, en: `Booked for ${slot.starts_at.toISOString()}` }, caseType: 'appointment', caseId: a.id,
  });
  return a;
}

// ——— reports ———

/** Minutes after the slot start a check-in still counts as on time (按时就诊). */
export const ON_TIME_GRACE_MINUTES = 15;

/**
 * Per institution, for visits in [from, to): slots, the primary-care share reserved, how many of those primary
 * institutions and family doctors booked, how many returned to the public pool; and attendance: checked in,
 * no-shows, on-time rate (checked in no later than the grace period after the start, over checked in + no-shows).
 */
export async function quotaReport(db: Db, caller: Caller, q: { institutionId?: string; from: string; to: string }) {
  authorize(caller, 'schedule.report', q.institutionId ? { institutionId: q.institutionId } : {});
  const limit = institutionLimit(caller, 'schedule.report');
  const institutionId = q.institutionId ?? limit ?? null;
  const from = new Date(`${q.from}T00:00:00${TZ_OFFSET}`), to = new Date(`${q.to}T00:00:00${TZ_OFFSET}`);
  if (!(to > from)) throw badRequest('invalid_range', '结束日期须晚于开始日期', 'The end date must be after the start date', 'to');
  const rows = await sql<{
    institution_id: string; name: string; slots: string; reserved: string; booked_by_primary: string; returned: string;
    checked_in: string; no_show: string; on_time: string;
  }>`
    WITH s AS (
      SELECT slot.*, r.institution_id FROM slot JOIN schedule_resource r ON r.id = slot.resource_id
      WHERE slot.starts_at >= ${from} AND slot.starts_at < ${to} ${institutionId ? sql`AND r.institution_id = ${institutionId}` : sql``}
    ), a AS (
      SELECT ap.*, s.institution_id, s.starts_at, s.pool,
        (ap.channel = 'family_doctor' OR bi.level IN ('1','0')) AS by_primary,
        (SELECT min(e.at) FROM appointment_event e WHERE e.appointment_id = ap.id AND e.to_status = 'checked_in') AS checked_in_at
      FROM appointment ap JOIN s ON s.id = ap.slot_id LEFT JOIN institution bi ON bi.id = ap.booked_for_institution_id
      WHERE ap.status IN ('booked','checked_in','completed','no_show')
    )
    SELECT i.id AS institution_id, i.name,
      (SELECT count(*) FROM s WHERE s.institution_id = i.id) AS slots,
      (SELECT count(*) FROM s WHERE s.institution_id = i.id AND s.pool = 'primary') AS reserved,
      (SELECT count(*) FROM a WHERE a.institution_id = i.id AND a.pool = 'primary' AND a.by_primary) AS booked_by_primary,
      (SELECT count(*) FROM s WHERE s.institution_id = i.id AND s.pool = 'primary' AND s.primary_returns_at <= now()
         AND NOT EXISTS (SELECT 1 FROM a WHERE a.slot_id = s.id AND a.by_primary)) AS returned,
      (SELECT count(*) FROM a WHERE a.institution_id = i.id AND a.checked_in_at IS NOT NULL) AS checked_in,
      (SELECT count(*) FROM a WHERE a.institution_id = i.id AND a.status = 'no_show') AS no_show,
      (SELECT count(*) FROM a WHERE a.institution_id = i.id AND a.checked_in_at <= a.starts_at + make_interval(mins => ${ON_TIME_GRACE_MINUTES})) AS on_time
    FROM institution i
    WHERE i.id IN (SELECT institution_id FROM s)
    ORDER BY i.name, i.id`.execute(db);
  return {
    from: q.from, to: q.to,
    items: rows.rows.map((r) => {
      const n = (v: string) => Number(v);
      const attended = n(r.checked_in) + n(r.no_show);
      return {
        institutionId: r.institution_id, institutionName: r.name, slots: n(r.slots), reserved: n(r.reserved),
        reservedShare: n(r.slots) ? n(r.reserved) / n(r.slots) : null, bookedByPrimary: n(r.booked_by_primary), returned: n(r.returned),
        checkedIn: n(r.checked_in), noShow: n(r.no_show), onTime: n(r.on_time), onTimeRate: attended ? n(r.on_time) / attended : null,
      };
    }),
  };
}
