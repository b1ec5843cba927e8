/**
 * Threads, messages and notifications as the web app reads them (docs/api.md, "Messaging and notifications"),
 * and the normalisers that accept the small variations a reply may have (ids as numbers or strings, wrapped records).
 */

export type MessageKind = 'text' | 'image' | 'voice' | 'file' | 'system';

export interface FileInfo { id: string; name?: string | null; size?: number | null; contentType?: string | null }

export interface ChatMessage {
  id: string;
  threadId: string;
  senderId: string | null;
  senderName: string | null;
  kind: MessageKind;
  body: string | null;
  fileId: string | null;
  file: FileInfo | null;
  replyTo: string | null;
  /** The quoted message when the server sends it along. */
  replyToMessage: ChatMessage | null;
  clientId: string | null;
  createdAt: string;
  /** Only on messages of this tab not yet confirmed by the server. */
  pending?: 'sending' | 'failed';
  /** A local object URL for an image or voice note being sent. */
  localUrl?: string;
}

export interface Participant { userId: string; displayName: string; lastReadMessageId: string | null }

export interface Thread {
  id: string;
  kind: 'direct' | 'case' | string;
  caseType: string | null;
  caseId: string | null;
  patientId: string | null;
  title: string | null;
  lastMessage: ChatMessage | null;
  /** A text preview when the server sends one instead of a message. */
  lastMessageText: string | null;
  lastMessageAt: string | null;
  unread: number;
  participants: Participant[];
}

export type Localized = { zh?: string; en?: string } | string | null | undefined;

export interface AppNotification {
  id: string; kind: string; title: Localized; body: Localized; link: string | null;
  caseType: string | null; caseId: string | null; createdAt: string; readAt: string | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

/** Picks `key` when the reply wraps a record (`{message: {...}}`), otherwise the reply itself. */
export function unwrap(reply: unknown, key: string): Obj | null {
  if (!isObj(reply)) return null;
  if (isObj(reply[key])) return reply[key] as Obj;
  return reply;
}

export function toMessage(raw: unknown, threadId?: string): ChatMessage | null {
  const m = unwrap(raw, 'message');
  if (!m || str(m.id) === null) return null;
  const sender = isObj(m.sender) ? m.sender : null;
  const file = isObj(m.file) ? m.file : null;
  const fileId = str(m.fileId) ?? (file ? str(file.id) : null);
  const reply = m.replyTo;
  // The quoted message: `reply: {id, senderName, kind, body}` beside `replyTo: id` (or the message itself as replyTo).
  const quoted = isObj(reply) ? reply : isObj(m.reply) ? m.reply : isObj(m.replyToMessage) ? m.replyToMessage : null;
  const replyMsg = quoted ? toMessage({ createdAt: m.createdAt, ...quoted }, threadId) : null;
  return {
    id: str(m.id)!,
    threadId: str(m.threadId) ?? threadId ?? '',
    senderId: str(m.senderId) ?? str(m.userId) ?? (sender ? str(sender.userId) ?? str(sender.id) : null),
    senderName: str(m.senderName) ?? str(m.senderDisplayName) ?? (sender ? str(sender.displayName) ?? str(sender.name) : null),
    kind: (str(m.kind) ?? 'text') as MessageKind,
    body: str(m.body),
    fileId,
    file: file ? { id: str(file.id) ?? fileId ?? '', name: str(file.name), size: typeof file.size === 'number' ? file.size : null, contentType: str(file.contentType) }
      : fileId ? { id: fileId, name: str(m.fileName), size: typeof m.fileSize === 'number' ? m.fileSize : null, contentType: str(m.fileContentType) ?? str(m.contentType) } : null,
    replyTo: replyMsg ? replyMsg.id : str(reply) ?? str(m.replyToId),
    replyToMessage: replyMsg,
    clientId: str(m.clientId),
    createdAt: str(m.createdAt) ?? new Date().toISOString(),
  };
}

export function toParticipant(raw: unknown): Participant | null {
  if (!isObj(raw)) return null;
  const userId = str(raw.userId) ?? str(raw.id);
  if (!userId) return null;
  return { userId, displayName: str(raw.displayName) ?? str(raw.name) ?? str(raw.username) ?? '', lastReadMessageId: str(raw.lastReadMessageId) };
}

export function toThread(raw: unknown): Thread | null {
  const t = unwrap(raw, 'thread');
  if (!t || str(t.id) === null) return null;
  const id = str(t.id)!;
  const last = isObj(t.lastMessage) ? toMessage(t.lastMessage, id) : null;
  return {
    id,
    kind: str(t.kind) ?? 'direct',
    caseType: str(t.caseType), caseId: str(t.caseId), patientId: str(t.patientId),
    title: str(t.title),
    lastMessage: last,
    lastMessageText: typeof t.lastMessage === 'string' ? t.lastMessage : null,
    lastMessageAt: str(t.lastMessageAt) ?? last?.createdAt ?? str(t.updatedAt) ?? str(t.createdAt),
    unread: typeof t.unread === 'number' ? t.unread : Number(t.unread ?? t.unreadCount ?? 0) || 0,
    participants: (Array.isArray(t.participants) ? t.participants : []).map(toParticipant).filter((p): p is Participant => !!p),
  };
}

export function toNotification(raw: unknown): AppNotification | null {
  const n = unwrap(raw, 'notification');
  if (!n || str(n.id) === null) return null;
  return {
    id: str(n.id)!, kind: str(n.kind) ?? '', title: n.title as Localized, body: n.body as Localized, link: str(n.link),
    caseType: str(n.caseType), caseId: str(n.caseId), createdAt: str(n.createdAt) ?? new Date().toISOString(), readAt: str(n.readAt),
  };
}

/** The text of a {zh, en} pair in the reader's language. */
export function localized(v: Localized, en: boolean): string {
  if (!v) return '';
  if (typeof v === 'string') return v;
  return (en ? v.en || v.zh : v.zh || v.en) ?? '';
}

const numeric = (s: string) => /^\d+$/.test(s);
/**
 * Orders two message ids: numerically when both are numbers, otherwise by their place in `order` (oldest first);
 * an id not in `order` counts as older than all of them (everything newer is loaded).
 */
export function compareIds(a: string, b: string, order?: string[]): number {
  if (a === b) return 0;
  if (numeric(a) && numeric(b)) return a.length !== b.length ? a.length - b.length : a < b ? -1 : 1;
  if (!order) return a < b ? -1 : 1;
  return order.indexOf(a) - order.indexOf(b);
}
