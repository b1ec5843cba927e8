/** Password (and TOTP) check with lockout after repeated failures; every attempt is audited. */
import { AppError } from '@yilian/core';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { dummyVerify, verifyPassword } from './password.js';
import { rolesOf } from './session.js';
import { verifyTotp } from './totp.js';

const badCredentials = () => new AppError(401, 'bad_credentials', '用户名或密码错误', 'Wrong username or password', 'password');

export async function login(db: Db, config: Config, input: { username: string; password: string; totp?: string }, ip: string) {
  const user = await db.selectFrom('user_account').selectAll().where('username', '=', input.username).executeTakeFirst();
  // A sign-in is recorded under the role and institution the session starts in.
  const startRole = user ? (await rolesOf(db, user.id))[0] : undefined;
  const actor = { userId: user?.id ?? null, username: input.username, role: startRole?.role ?? null, institutionId: startRole?.institutionId ?? null, ip };
  if (!user || !user.active) {
    await dummyVerify(input.password);
    await audit(db, actor, { action: 'auth.login', outcome: 'failed', detail: { reason: user ? 'inactive' : 'unknown_user' } });
    throw badCredentials();
  }
  if (user.locked_until && new Date(user.locked_until) > new Date()) {
    await audit(db, actor, { action: 'auth.login', objectType: 'user', objectId: user.id, outcome: 'denied', detail: { reason: 'locked' } });
    throw lockedError(new Date(user.locked_until));
  }
  const passwordOk = await verifyPassword(user.password_hash, input.password);
  if (passwordOk && user.totp_enabled && !input.totp)
    throw new AppError(401, 'totp_required', '请输入动态验证码', 'Enter the code from your authenticator app', 'totp');
  const totpOk = !user.totp_enabled || (!!input.totp && verifyTotp(user.totp_secret!, input.totp));
  if (!passwordOk || !totpOk) {
    // Count atomically so parallel attempts cannot slip past the limit.
    const r = await db.updateTable('user_account')
      .set({
        failed_attempts: sql`failed_attempts + 1`,
        locked_until: sql`CASE WHEN failed_attempts + 1 >= ${config.loginMaxFailures} THEN now() + make_interval(mins => ${config.loginLockMinutes}) ELSE locked_until END`,
      })
      .where('id', '=', user.id).returning(['failed_attempts', 'locked_until']).executeTakeFirstOrThrow();
    await audit(db, actor, { action: 'auth.login', objectType: 'user', objectId: user.id, outcome: 'failed', detail: { reason: passwordOk ? 'bad_totp' : 'bad_password', attempts: r.failed_attempts } });
    if (r.locked_until && new Date(r.locked_until) > new Date()) throw lockedError(new Date(r.locked_until));
    if (!passwordOk) throw badCredentials();
    throw new AppError(401, 'bad_totp', '动态验证码错误', 'Wrong authenticator code', 'totp');
  }
  await db.updateTable('user_account').set({ failed_attempts: 0, locked_until: null }).where('id', '=', user.id).execute();
  await audit(db, actor, { action: 'auth.login', objectType: 'user', objectId: user.id });
  return user;
}

export const lockedError = (until: Date) => {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60000));
  return new AppError(429, 'account_locked', `登录失败次数过多，账户已锁定，请${minutes}分钟后再试`, `Too many failed sign-ins; the account is locked for ${minutes} more minute(s)`, 'username');
};
