/** Password change: the current password is required; other sessions of the user are ended. */
import { AppError } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { hashPassword, verifyPassword } from './password.js';

export async function changePassword(db: Db, caller: Caller, input: { currentPassword: string; newPassword: string }) {
  const u = await db.selectFrom('user_account').select(['password_hash']).where('id', '=', caller.userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(u.password_hash, input.currentPassword)))
    throw new AppError(400, 'bad_password', '当前密码错误', 'The current password is wrong', 'currentPassword');
  if (input.currentPassword === input.newPassword)
    throw new AppError(400, 'same_password', '新密码不能与当前密码相同', 'The new password must differ from the current one', 'newPassword');
  const hash = await hashPassword(input.newPassword);
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('user_account').set({ password_hash: hash, password_changed_at: new Date() }).where('id', '=', caller.userId).execute();
    await tx.updateTable('user_session').set({ revoked_at: new Date() })
      .where('user_id', '=', caller.userId).where('token_hash', '!=', caller.sessionId).where('revoked_at', 'is', null).execute();
    await audit(tx, actorOf(caller), { action: 'auth.password_change', objectType: 'user', objectId: caller.userId });
  });
}
