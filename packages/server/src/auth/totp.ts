/** Optional TOTP second factor (RFC 6238, 30 s, 6 digits): enrol, confirm with a first code, disable with the password. */
import { AppError, badRequest } from '@yilian/core';
import { Secret, TOTP } from 'otpauth';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { verifyPassword } from './password.js';

const totpFor = (secret: string, label = 'user') =>
  new TOTP({ issuer: 'Yilian 医联', label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

export const verifyTotp = (secret: string, code: string) => totpFor(secret).validate({ token: code, window: 1 }) !== null;

export async function startTotpEnrolment(db: Db, caller: Caller) {
  const secret = new Secret({ size: 20 }).base32;
  await db.updateTable('user_account').set({ totp_secret: secret, totp_enabled: false }).where('id', '=', caller.userId).execute();
  await audit(db, actorOf(caller), { action: 'auth.totp_setup', objectType: 'user', objectId: caller.userId });
  return { secret, uri: totpFor(secret, caller.username).toString() };
}

export async function enableTotp(db: Db, caller: Caller, code: string) {
  const u = await db.selectFrom('user_account').select(['totp_secret']).where('id', '=', caller.userId).executeTakeFirstOrThrow();
  if (!u.totp_secret) throw badRequest('totp_not_started', '请先生成动态验证码密钥', 'Start the enrolment first', 'code');
  if (!verifyTotp(u.totp_secret, code)) throw badRequest('bad_totp', '动态验证码错误', 'Wrong authenticator code', 'code');
  await db.updateTable('user_account').set({ totp_enabled: true }).where('id', '=', caller.userId).execute();
  await audit(db, actorOf(caller), { action: 'auth.totp_enable', objectType: 'user', objectId: caller.userId });
}

export async function disableTotp(db: Db, caller: Caller, password: string) {
  const u = await db.selectFrom('user_account').select(['password_hash']).where('id', '=', caller.userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(u.password_hash, password)))
    throw new AppError(400, 'bad_password', '密码错误', 'Wrong password', 'password');
  await db.updateTable('user_account').set({ totp_enabled: false, totp_secret: null }).where('id', '=', caller.userId).execute();
  await audit(db, actorOf(caller), { action: 'auth.totp_disable', objectType: 'user', objectId: caller.userId });
}
