/**
 * Unread counts for the header bell and the 消息 menu entry, kept live from the realtime events, and the toast
 * that announces a new notification.
 */
import { App } from 'antd';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import { get } from '../api';
import type { Action } from '@yilian/core';
import { useAuth } from '../auth';
import { useRealtimeEvent } from '../realtime/RealtimeProvider';
import { localized, toMessage, toNotification, toThread, type Thread } from './types';
import { threadsOnScreen } from './onScreen';

interface InboxState {
  notificationsUnread: number;
  messagesUnread: number;
  /** My threads as last fetched (newest activity first), for per-case badges. */
  threads: Thread[];
  /** Bumped on every notification event: lists showing notifications reload. */
  notificationVersion: number;
  refreshNotifications: () => void;
  refreshThreads: () => void;
}

const InboxContext = createContext<InboxState | null>(null);

/** Runs `fn` at most once per `ms`, the last call winning. */
function useDebounced(fn: () => void, ms: number) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => latest.current(), ms);
  }, [ms]);
}

export function InboxProvider({ children }: { children: ReactNode }) {
  const { me, roleVersion, can } = useAuth();
  const messaging = can('message.use' as Action);
  const { i18n, t } = useTranslation();
  const { notification } = App.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  const [notificationsUnread, setNotificationsUnread] = useState(0);
  const [threads, setThreads] = useState<Thread[]>([]);
  const [unreadTotal, setUnreadTotal] = useState<number | null>(null);
  const [notificationVersion, setNotificationVersion] = useState(0);

  const loadNotifications = useCallback(() => {
    get<{ unread?: number; total?: number }>('notifications', { unread: true, limit: 1 })
      .then((d) => setNotificationsUnread(Number(d?.unread ?? d?.total ?? 0) || 0))
      .catch(() => { /* the bell keeps its count */ });
  }, []);
  const loadThreads = useCallback(() => {
    if (!messaging) { setThreads([]); setUnreadTotal(null); return; }
    get<{ items?: unknown[]; unreadTotal?: number }>('threads', { limit: 200 })
      .then((d) => {
        setThreads((d?.items ?? []).map(toThread).filter((x): x is Thread => !!x));
        setUnreadTotal(typeof d?.unreadTotal === 'number' ? d.unreadTotal : null);
      })
      .catch(() => { /* the badge keeps its count */ });
  }, [messaging]);
  const refreshNotifications = useDebounced(() => { loadNotifications(); setNotificationVersion((v) => v + 1); }, 250);
  const refreshThreads = useDebounced(loadThreads, 300);

  useEffect(() => {
    if (!me) return;
    loadNotifications();
    loadThreads();
  }, [me?.userId, roleVersion, loadNotifications, loadThreads]); // eslint-disable-line react-hooks/exhaustive-deps

  const here = useRef(location.pathname);
  here.current = location.pathname;

  useRealtimeEvent('notification.created', (e) => {
    const n = toNotification(e.data);
    setNotificationsUnread((c) => c + 1);
    refreshNotifications();
    const onScreen = n?.link?.match(/^\/messages\/([^/?#]+)/)?.[1];
    if (!n || (n.link && n.link === here.current) || (onScreen && threadsOnScreen.has(onScreen))) return;
    const en = i18n.language.startsWith('en');
    notification.info({
      key: `n${n.id}`,
      title: localized(n.title, en) || t('notifications.newOne'),
      description: localized(n.body, en) || undefined,
      placement: 'topRight',
      duration: 6,
      onClick: n.link ? () => { notification.destroy(`n${n.id}`); navigate(n.link!); } : undefined,
      style: n.link ? { cursor: 'pointer' } : undefined,
    });
  });
  useRealtimeEvent('notification.read', refreshNotifications);
  useRealtimeEvent('message.created', (e) => {
    const m = toMessage((e.data as { message?: unknown }).message ?? e.data, String(e.data.threadId ?? ''));
    if (m && m.senderId === me?.userId) { refreshThreads(); return; }
    // Count it at once; the refetch settles the exact figure (and marks read elsewhere).
    const threadId = m?.threadId || String(e.data.threadId ?? '');
    setThreads((ts) => {
      const i = ts.findIndex((x) => x.id === threadId);
      if (i < 0) return ts;
      const next = [...ts];
      next[i] = { ...next[i]!, unread: next[i]!.unread + 1, lastMessage: m ?? next[i]!.lastMessage, lastMessageAt: m?.createdAt ?? next[i]!.lastMessageAt };
      return next;
    });
    setUnreadTotal((n) => (n === null ? n : n + 1));
    refreshThreads();
  });
  useRealtimeEvent('message.read', refreshThreads);
  useRealtimeEvent('thread.created', refreshThreads);
  useRealtimeEvent('resync', () => { refreshThreads(); refreshNotifications(); });

  const messagesUnread = useMemo(() => unreadTotal ?? threads.reduce((s, x) => s + x.unread, 0), [threads, unreadTotal]);
  const value = useMemo(() => ({ notificationsUnread, messagesUnread, threads, notificationVersion, refreshNotifications, refreshThreads }),
    [notificationsUnread, messagesUnread, threads, notificationVersion, refreshNotifications, refreshThreads]);
  return <InboxContext.Provider value={value}>{children}</InboxContext.Provider>;
}

export function useInbox(): InboxState {
  const ctx = useContext(InboxContext);
  if (!ctx) throw new Error('useInbox outside InboxProvider');
  return ctx;
}
