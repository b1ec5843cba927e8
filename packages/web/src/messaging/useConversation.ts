/**
 * One thread's conversation: the thread with its participants (read receipts), the messages loaded so far (oldest
 * first, older pages on request), live messages and receipts from the realtime events, and sending with a clientId
 * so a retry never posts twice (the optimistic message is replaced by the server's).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, get, post } from '../api';
import { useMe } from '../auth';
import { useRealtimeEvent } from '../realtime/RealtimeProvider';
import { useInbox } from './inbox';
import { threadsOnScreen } from './onScreen';
import { compareIds, toMessage, toThread, type ChatMessage, type FileInfo, type MessageKind, type Thread } from './types';

export const PAGE = 30;

export interface Draft {
  kind: MessageKind;
  body?: string;
  /** A file to upload first (image, file, voice note). */
  file?: File;
  replyTo?: ChatMessage | null;
}

/** Message ids travel as numbers (they are bigint serials); kept as strings here. */
const wireId = (id: string) => (/^\d+$/.test(id) ? Number(id) : id);

const newClientId = () => (typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID()
  : `c-${Date.now()}-${Math.random().toString(16).slice(2)}`);

/** Merges messages into a list: one entry per id, a server message replacing the optimistic one with its clientId. */
export function mergeMessages(list: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  let out = [...list];
  for (const m of incoming) {
    const byId = out.findIndex((x) => !x.pending && x.id === m.id);
    if (byId >= 0) { out[byId] = { ...m, localUrl: out[byId]!.localUrl }; continue; }
    const byClient = m.clientId ? out.findIndex((x) => x.pending && x.clientId === m.clientId) : -1;
    if (byClient >= 0) { out[byClient] = { ...m, localUrl: out[byClient]!.localUrl }; continue; }
    out.push(m);
  }
  const sent = out.filter((x) => !x.pending);
  const pending = out.filter((x) => x.pending);
  const order = (a: ChatMessage, b: ChatMessage) => {
    const numeric = /^\d+$/.test(a.id) && /^\d+$/.test(b.id);
    if (numeric) return compareIds(a.id, b.id);
    return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
  };
  sent.sort(order);
  out = [...sent, ...pending];
  return out;
}

export function useConversation(threadId: string | null, visible = true) {
  const me = useMe();
  const { refreshThreads } = useInbox();
  const [thread, setThread] = useState<Thread | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(!!threadId);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const drafts = useRef(new Map<string, Draft & { fileInfo?: FileInfo }>());
  const current = useRef(threadId);
  current.current = threadId;

  const loadThread = useCallback(async (id: string) => {
    const t = toThread(await get<unknown>(`threads/${id}`));
    if (current.current === id && t) setThread(t);
  }, []);

  const loadLatest = useCallback(async (id: string) => {
    const page = await get<{ items?: unknown[]; hasMore?: boolean } | unknown[]>(`threads/${id}/messages`, { limit: PAGE });
    const items = (Array.isArray(page) ? page : page?.items ?? []).map((r) => toMessage(r, id)).filter((m): m is ChatMessage => !!m);
    return { items, hasMore: !Array.isArray(page) && typeof page?.hasMore === 'boolean' ? page.hasMore : items.length >= PAGE };
  }, []);

  useEffect(() => {
    setThread(null); setMessages([]); setHasMore(false); setError(null);
    if (!threadId) { setLoading(false); return; }
    setLoading(true);
    let live = true;
    Promise.all([loadThread(threadId), loadLatest(threadId)])
      .then(([, page]) => {
        if (!live) return;
        setMessages((cur) => mergeMessages(cur, page.items));
        setHasMore(page.hasMore);
      })
      .catch((e: unknown) => { if (live) setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e), String(e))); })
      .finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [threadId, loadThread, loadLatest]);

  const loadOlder = useCallback(async () => {
    if (!threadId || loadingOlder) return;
    const oldest = messages.find((m) => !m.pending);
    if (!oldest) return;
    setLoadingOlder(true);
    try {
      const page = await get<{ items?: unknown[]; hasMore?: boolean } | unknown[]>(`threads/${threadId}/messages`, { before: oldest.id, limit: PAGE });
      const items = (Array.isArray(page) ? page : page?.items ?? []).map((r) => toMessage(r, threadId)).filter((m): m is ChatMessage => !!m);
      if (current.current !== threadId) return;
      setMessages((cur) => mergeMessages(cur, items));
      setHasMore(!Array.isArray(page) && typeof page?.hasMore === 'boolean' ? page.hasMore : items.length >= PAGE);
    } finally {
      setLoadingOlder(false);
    }
  }, [threadId, messages, loadingOlder]);

  // Live: new messages of this thread, receipts, and a catch-up after a reconnect.
  useRealtimeEvent('message.created', (e) => {
    const data = e.data as { message?: unknown; threadId?: unknown };
    const m = toMessage(data.message ?? data, typeof data.threadId === 'string' ? data.threadId : undefined);
    if (!m || !threadId || m.threadId !== threadId) return;
    setMessages((cur) => mergeMessages(cur, [m]));
  });
  useRealtimeEvent('message.read', (e) => {
    const d = e.data as { threadId?: unknown; userId?: unknown; messageId?: unknown; lastReadMessageId?: unknown };
    if (!threadId || String(d.threadId) !== threadId) return;
    const userId = String(d.userId ?? '');
    const messageId = d.messageId ?? d.lastReadMessageId;
    if (!userId || messageId === undefined || messageId === null) return;
    setThread((t) => t && ({
      ...t,
      participants: t.participants.some((p) => p.userId === userId)
        ? t.participants.map((p) => (p.userId === userId ? { ...p, lastReadMessageId: String(messageId) } : p))
        : t.participants,
    }));
  });
  useRealtimeEvent('resync', () => {
    if (!threadId) return;
    void loadLatest(threadId).then((page) => { if (current.current === threadId) setMessages((cur) => mergeMessages(cur, page.items)); }).catch(() => undefined);
    void loadThread(threadId).catch(() => undefined);
  });
  useRealtimeEvent('thread.updated', (e) => {
    if (threadId && String(e.data.threadId ?? e.data.id) === threadId) void loadThread(threadId).catch(() => undefined);
  });

  const deliver = useCallback(async (clientId: string) => {
    const d = drafts.current.get(clientId);
    if (!d || !threadId) return;
    setMessages((cur) => cur.map((m) => (m.clientId === clientId && m.pending ? { ...m, pending: 'sending' } : m)));
    try {
      if (d.file && !d.fileInfo) {
        const form = new FormData();
        form.append('file', d.file, d.file.name);
        const info = await api<FileInfo & { file?: FileInfo }>('files', { method: 'POST', body: form });
        d.fileInfo = info.file ?? info;
      }
      const body: Record<string, unknown> = { kind: d.kind, clientId };
      if (d.body) body.body = d.body;
      if (d.fileInfo) body.fileId = d.fileInfo.id;
      if (d.replyTo) body.replyTo = wireId(d.replyTo.id);
      const reply = await post<unknown>(`threads/${threadId}/messages`, body);
      const m = toMessage(reply, threadId);
      drafts.current.delete(clientId);
      if (m) {
        if (!m.clientId) m.clientId = clientId;
        if (!m.file && d.fileInfo) m.file = d.fileInfo;
        if (!m.replyToMessage && d.replyTo) m.replyToMessage = d.replyTo;
        if (!m.senderName) m.senderName = me.displayName;
        setMessages((cur) => mergeMessages(cur, [m]));
      }
      return m;
    } catch (e) {
      setMessages((cur) => cur.map((m) => (m.clientId === clientId && m.pending ? { ...m, pending: 'failed' } : m)));
      throw e;
    }
  }, [threadId, me.displayName]);

  /** Shows the message at once and sends it; a failure leaves it marked for retry (same clientId). */
  const send = useCallback((draft: Draft) => {
    if (!threadId) return Promise.resolve(undefined);
    const clientId = newClientId();
    drafts.current.set(clientId, draft);
    const localUrl = draft.file && (draft.kind === 'image' || draft.kind === 'voice') ? URL.createObjectURL(draft.file) : undefined;
    const optimistic: ChatMessage = {
      id: `local-${clientId}`, threadId, senderId: me.userId, senderName: me.displayName, kind: draft.kind,
      body: draft.body ?? null, fileId: null,
      file: draft.file ? { id: '', name: draft.file.name, size: draft.file.size, contentType: draft.file.type } : null,
      replyTo: draft.replyTo?.id ?? null, replyToMessage: draft.replyTo ?? null, clientId,
      createdAt: new Date().toISOString(), pending: 'sending', localUrl,
    };
    setMessages((cur) => [...cur, optimistic]);
    return deliver(clientId);
  }, [threadId, me.userId, me.displayName, deliver]);

  const retry = useCallback((clientId: string) => deliver(clientId), [deliver]);
  const discard = useCallback((clientId: string) => {
    drafts.current.delete(clientId);
    setMessages((cur) => cur.filter((m) => !(m.pending && m.clientId === clientId)));
  }, []);

  // Receipts: tell the server what I have seen, once per newest message, while the conversation is on screen.
  const lastMarked = useRef<string | null>(null);
  useEffect(() => { lastMarked.current = null; }, [threadId]);
  const markRead = useCallback(() => {
    if (!threadId || document.visibilityState !== 'visible') return;
    const newest = [...messages].reverse().find((m) => !m.pending);
    if (!newest || lastMarked.current === newest.id) return;
    lastMarked.current = newest.id;
    const mine = thread?.participants.find((p) => p.userId === me.userId)?.lastReadMessageId;
    if (mine && compareIds(mine, newest.id, messages.map((m) => m.id)) >= 0) return;
    post(`threads/${threadId}/read`, { messageId: wireId(newest.id) })
      .then(() => refreshThreads())
      .catch(() => { lastMarked.current = null; });
  }, [threadId, messages, thread, me.userId, refreshThreads]);

  useEffect(() => {
    if (!threadId || !visible) return;
    threadsOnScreen.add(threadId);
    return () => { threadsOnScreen.delete(threadId); };
  }, [threadId, visible]);

  useEffect(() => {
    if (!visible || loading) return;
    markRead();
    const onVisible = () => markRead();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('focus', onVisible);
    return () => { document.removeEventListener('visibilitychange', onVisible); window.removeEventListener('focus', onVisible); };
  }, [visible, loading, markRead]);

  return { thread, setThread, messages, hasMore, loading, loadingOlder, error, loadOlder, send, retry, discard, markRead, reloadThread: loadThread };
}
