/** Account administration: the consortium office manages all accounts, an institution admin those of its institution. */
import { AppError, badRequest, conflict, forbidden, maskPhone, notFound, type Role } from '@yilian/core';
import type { Transaction } from 'kysely';
import { audit } from '../audit/audit.js';
import { notify } from '../messaging/notifications.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { actorOf, type Caller } from '../http/context.js';
import { institutionLimit } from '../policy/policy.js';
import { hashPassword } from './password.js';

/** Roles an institution admin may not hand out: they reach beyond one institution. */
const CONSORTIUM_WIDE: Role[] = ['consortium_admin', 'regulator'];

export interface UserInput {
  username: string; displayName: string; password: string; practitionerId?: string | null; patientId?: string | null;
  /** Where notifications also go (e-mail, SMS); optional. */
  email?: string | null; phone?: string | null;
  roles: { role: Role; institutionId?: string | null }[];
}

function checkGrant(caller: Caller, role: { role: Role; institutionId?: string | null }, field: string) {
  const limit = institutionLimit(caller, 'user.manage');
  if (limit && (CONSORTIUM_WIDE.includes(role.role) || role.institutionId !== limit))
    throw new AppError(403, 'forbidden', '机构管理员只能授予本机构的角色', 'An institution admin may only grant roles at their own institution', field);
  if (role.role !== 'patient' && role.role !== 'regulator' && !role.institutionId)
    throw badRequest('institution_required', '该角色必须指定机构', 'This role needs an institution', field);
}

/**
 * An institution admin may only touch accounts whose every role is held at their institution: an account that
 * also works elsewhere, or holds a consortium-wide role, is managed by the consortium office.
 */
export async function loadManaged(db: Db | Transaction<Database>, caller: Caller, userId: string) {
  const user = await db.selectFrom('user_account').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) throw notFound({ zh: '账号', en: 'Account' }, 'id');
  const limit = institutionLimit(caller, 'user.manage');
  if (limit) {
    const roles = await db.selectFrom('user_role').select(['role', 'institution_id']).where('user_id', '=', userId).execute();
    if (!roles.length || roles.some((r) => r.institution_id !== limit || CONSORTIUM_WIDE.includes(r.role as Role)))
      throw forbidden('该账号不只属于本机构，请由医联体办公室管理', 'This account is not only your institution’s; the consortium office manages it');
  }
  return user;
}

export async function listUsers(db: Db, caller: Caller, q: { q?: string; limit: number; offset: number }) {
  let sel = db.selectFrom('user_account');
  const limit = institutionLimit(caller, 'user.manage');
  if (limit) sel = sel.where('id', 'in', db.selectFrom('user_role').select('user_id').where('institution_id', '=', limit));
  if (q.q) sel = sel.where((eb) => eb.or([eb('username', 'like', `${q.q}%`), eb('display_name', 'like', `${q.q}%`)]));
  const [rows, total] = await Promise.all([
    sel.select(['id', 'username', 'display_name', 'practitioner_id', 'patient_id', 'active', 'totp_enabled', 'locked_until', 'created_at', 'email', 'phone'])
      .orderBy('username').limit(q.limit).offset(q.offset).execute(),
    sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const roles = rows.length
    ? await db.selectFrom('user_role').leftJoin('institution', 'institution.id', 'user_role.institution_id')
      .select(['user_role.id', 'user_role.user_id', 'user_role.role', 'user_role.institution_id', 'institution.name'])
      .where('user_role.user_id', 'in', rows.map((r) => r.id)).execute()
    : [];
  return {
    total: Number(total.n),
    items: rows.map((u) => ({
      id: u.id, username: u.username, displayName: u.display_name, practitionerId: u.practitioner_id, patientId: u.patient_id,
      active: u.active, totpEnabled: u.totp_enabled, lockedUntil: u.locked_until, createdAt: u.created_at,
      email: u.email, phoneMasked: maskPhone(u.phone),
      roles: roles.filter((r) => r.user_id === u.id).map((r) => ({ id: r.id, role: r.role, institutionId: r.institution_id, institutionName: r.name })),
    })),
  };
}

export async function createUser(db: Db, caller: Caller, input: UserInput) {
  input.roles.forEach((r, i) => checkGrant(caller, r, `roles.${i}`));
  const hash = await hashPassword(input.password);
  return db.transaction().execute(async (tx) => {
    if (await tx.selectFrom('user_account').select('id').where('username', '=', input.username).executeTakeFirst())
      throw conflict('duplicate_username', '用户名已存在', 'This username is taken', 'username');
    const user = await tx.insertInto('user_account').values({
      username: input.username, display_name: input.displayName, password_hash: hash,
      practitioner_id: input.practitionerId ?? null, patient_id: input.patientId ?? null,
      email: input.email ?? null, phone: input.phone ?? null,
    }).returning(['id']).executeTakeFirstOrThrow();
    await tx.insertInto('user_role').values(input.roles.map((r) => ({ user_id: user.id, role: r.role, institution_id: r.institutionId ?? null }))).execute();
    await audit(tx, actorOf(caller), { action: 'user.create', objectType: 'user', objectId: user.id, detail: { username: input.username, roles: input.roles } });
    return { id: user.id };
  });
}

export async function addRole(db: Db, caller: Caller, userId: string, role: { role: Role; institutionId?: string | null }) {
  checkGrant(caller, role, 'role');
  return db.transaction().execute(async (tx) => {
    await loadManaged(tx, caller, userId);
    const dup = await tx.selectFrom('user_role').select('id').where('user_id', '=', userId).where('role', '=', role.role)
      .where('institution_id', role.institutionId ? '=' : 'is', role.institutionId ?? null).executeTakeFirst();
    if (dup) throw conflict('duplicate_role', '该账号已有此角色', 'The account already holds this role', 'role');
    const r = await tx.insertInto('user_role').values({ user_id: userId, role: role.role, institution_id: role.institutionId ?? null }).returning('id').executeTakeFirstOrThrow();
    await audit(tx, actorOf(caller), { action: 'user.role_add', objectType: 'user', objectId: userId, detail: role });
    return { id: r.id };
  });
}

export async function removeRole(db: Db, caller: Caller, userId: string, roleId: string) {
  await db.transaction().execute(async (tx) => {
    await loadManaged(tx, caller, userId);
    const r = await tx.selectFrom('user_role').selectAll().where('id', '=', roleId).where('user_id', '=', userId).executeTakeFirst();
    if (!r) throw notFound({ zh: '角色', en: 'Role' }, 'roleId');
    checkGrant(caller, { role: r.role as Role, institutionId: r.institution_id }, 'roleId');
    const count = await tx.selectFrom('user_role').select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    if (Number(count.n) <= 1) throw conflict('last_role', '不能删除账号的最后一个角色，请停用账号', 'Cannot remove the last role; deactivate the account instead', 'roleId');
    await tx.updateTable('user_session').set({ active_role_id: null }).where('active_role_id', '=', roleId).execute();
    await tx.deleteFrom('user_role').where('id', '=', roleId).execute();
    await audit(tx, actorOf(caller), { action: 'user.role_remove', objectType: 'user', objectId: userId, detail: { role: r.role, institutionId: r.institution_id } });
  });
}

export async function setActive(db: Db, caller: Caller, userId: string, active: boolean) {
  if (userId === caller.userId && !active) throw new AppError(409, 'self_deactivate', '不能停用自己的账号', 'You cannot deactivate your own account');
  await db.transaction().execute(async (tx) => {
    await loadManaged(tx, caller, userId);
    await tx.updateTable('user_account').set({ active }).where('id', '=', userId).execute();
    if (!active) await tx.updateTable('user_session').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    await audit(tx, actorOf(caller), { action: active ? 'user.activate' : 'user.deactivate', objectType: 'user', objectId: userId });
    await notify(tx, active
      ? { userIds: [userId], kind: 'account', link: '/account', title: { zh: '您的账号已重新启用', en: 'Your account was reactivated' }, body: { zh: `操作人：${caller.displayName}`, en: `By ${caller.displayName}` } }
      : { userIds: [userId], kind: 'account', title: { zh: '您的账号已被停用', en: 'Your account was deactivated' }, body: { zh: `操作人：${caller.displayName}，如有疑问请联系管理员`, en: `By ${caller.displayName}; ask your administrator if this is unexpected` } });
  });
}

export async function resetPassword(db: Db, caller: Caller, userId: string, password: string) {
  const hash = await hashPassword(password);
  await db.transaction().execute(async (tx) => {
    await loadManaged(tx, caller, userId);
    await tx.updateTable('user_account').set({ password_hash: hash, failed_attempts: 0, locked_until: null, password_changed_at: new Date() }).where('id', '=', userId).execute();
    await tx.updateTable('user_session').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    await audit(tx, actorOf(caller), { action: 'user.reset_password', objectType: 'user', objectId: userId });
    // The person hears of it at once (and by e-mail/SMS when they have an address): a reset they did not ask for is a warning sign.
    await notify(tx, {
      userIds: [userId], kind: 'account', link: '/account',
      title: { zh: '您的密码已被管理员重置', en: 'Your password was reset by an administrator' },
      body: { zh: `操作人：${caller.displayName}，如非本人要求请立即联系管理员`, en: `By ${caller.displayName}; contact your administrator at once if you did not ask for it` },
    });
  });
}

/** Name and contact addresses of an account (the addresses outbound notifications go to). */
export async function updateUser(db: Db, caller: Caller, userId: string, patch: { displayName?: string; email?: string | null; phone?: string | null }) {
  await db.transaction().execute(async (tx) => {
    await loadManaged(tx, caller, userId);
    const set = {
      ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.phone !== undefined ? { phone: patch.phone } : {}),
    };
    if (!Object.keys(set).length) return;
    await tx.updateTable('user_account').set(set).where('id', '=', userId).execute();
    // Which fields changed, never the addresses themselves.
    await audit(tx, actorOf(caller), { action: 'user.update', objectType: 'user', objectId: userId, detail: { fields: Object.keys(patch) } });
  });
}
