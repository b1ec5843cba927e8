export * from './errors.js';
export * from './residentId.js';
export * from './phone.js';
export * from './pinyin.js';
export * from './roles.js';
export * from './directory.js';
export * from './schemas.js';
export * from './referral.js';
