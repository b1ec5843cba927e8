/** Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes). */
import argon2 from 'argon2';

const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const hashPassword = (plain: string) => argon2.hash(plain, OPTIONS);
export const verifyPassword = (hash: string, plain: string) => argon2.verify(hash, plain).catch(() => false);
/** Compared against when the user does not exist, so both paths take the same time. */
let dummy: Promise<string> | undefined;
export const dummyVerify = async (plain: string) => { dummy ??= hashPassword('not-a-real-password'); await verifyPassword(await dummy, plain); };
