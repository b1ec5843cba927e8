/** What the messaging service files share. */
export { inTx, type Reader, type Tx } from '../db/database.js';
export { contains } from '../http/query.js';

export const THREAD = { zh: '会话', en: 'Thread' };
export const MESSAGE = { zh: '消息', en: 'Message' };
export const FILE = { zh: '文件', en: 'File' };
