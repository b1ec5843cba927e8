/**
 * A conversation: header (title, who takes part, search, add someone), the messages with day dividers and read
 * receipts (older ones paged in with “加载更早消息”), and the composer. The message centre shows it beside the
 * thread list; ChatPanel shows it compact beside a case.
 */
import { ArrowLeftOutlined, CloseOutlined, IdcardOutlined, SearchOutlined, TeamOutlined, UserAddOutlined } from '@ant-design/icons';
import { Alert, App, Button, Empty, Input, Modal, Result, Spin, Tooltip, Typography } from 'antd';
import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post } from '../api';
import { useNavigate } from 'react-router-dom';
import { useAuth, useMe } from '../auth';
import { useErrorReporter, useIsMobile } from '../hooks';
import { dayLabel, systemText } from './format';
import { MessageBubble, type Receipt } from './MessageBubble';
import { Composer } from './Composer';
import { compareIds, toMessage, type ChatMessage, type Thread } from './types';
import { useConversation } from './useConversation';
import { UserPicker } from './UserPicker';

/** A thread's name: its title, else the other people in it. */
export function threadTitle(th: Pick<Thread, 'title' | 'participants'> | null, myId: string, fallback: string): string {
  if (!th) return fallback;
  if (th.title) return th.title;
  const others = th.participants.filter((p) => p.userId !== myId).map((p) => p.displayName).filter(Boolean);
  return others.length ? others.join('、') : fallback;
}

function SearchResults({ threadId, q, myId }: { threadId: string; q: string; myId: string }) {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<ChatMessage[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    setItems(null); setError(null);
    const ctrl = new AbortController();
    get<{ items?: unknown[] }>(`threads/${threadId}/messages`, { q, limit: 50 }, ctrl.signal)
      .then((d) => setItems((d?.items ?? []).map((r) => toMessage(r, threadId)).filter((m): m is ChatMessage => !!m)))
      .catch((e: unknown) => { if ((e as Error).name !== 'AbortError') setError(e instanceof ApiError ? e : null); });
    return () => ctrl.abort();
  }, [threadId, q]);
  if (error) return <Alert type="error" showIcon title={error.text(i18n.language)} style={{ margin: 12 }} />;
  if (!items) return <div className="yl-center"><Spin /></div>;
  if (!items.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('messages.noSearchResults')} style={{ marginTop: 48 }} />;
  return (
    <div>
      <Typography.Text type="secondary" style={{ display: 'block', padding: '0 4px 8px', fontSize: 12 }}>{t('messages.searchCount', { count: items.length })}</Typography.Text>
      {items.map((m) => (
        <div key={m.id}>
          <div className="yl-chat-day">{dayLabel(m.createdAt, t)}</div>
          <MessageBubble m={m} mine={m.senderId === myId} showSender q={q} />
        </div>
      ))}
    </div>
  );
}

export function Conversation({ threadId, compact, onBack, visible = true, headerExtra, emptyTitle }: {
  threadId: string; compact?: boolean; onBack?: () => void; visible?: boolean; headerExtra?: ReactNode; emptyTitle?: string;
}) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const c = useConversation(threadId, visible);
  const mobile = useIsMobile();
  const { thread, messages } = c;
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [searchOpen, setSearchOpen] = useState(false);
  const [q, setQ] = useState('');
  const [inviting, setInviting] = useState(false);
  const [invitees, setInvitees] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  // Scrolling: stay at the bottom as messages arrive (if one was there), keep one's place when older ones load.
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prev = useRef<{ first?: string; last?: string; height: number }>({ height: 0 });
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const first = messages[0]?.id;
    const last = messages[messages.length - 1];
    const p = prev.current;
    if (p.first && first !== p.first && last?.id === p.last) el.scrollTop += el.scrollHeight - p.height; // older page above
    else if (atBottom.current || (last && last.senderId === me.userId && last.id !== p.last)) el.scrollTop = el.scrollHeight;
    prev.current = { first, last: last?.id, height: el.scrollHeight };
  }, [messages, me.userId, searchOpen, c.loading]);
  const onScroll = () => {
    const el = box.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };
  // Images change the height when they arrive: keep the bottom in view.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onLoad = () => { if (atBottom.current) el.scrollTop = el.scrollHeight; };
    el.addEventListener('load', onLoad, true);
    el.addEventListener('loadedmetadata', onLoad, true);
    return () => { el.removeEventListener('load', onLoad, true); el.removeEventListener('loadedmetadata', onLoad, true); };
  }, [c.error]);
  useEffect(() => { atBottom.current = true; setReplyTo(null); setSearchOpen(false); setQ(''); }, [threadId]);

  const order = useMemo(() => messages.map((m) => m.id), [messages]);
  const others = useMemo(() => (thread?.participants ?? []).filter((p) => p.userId !== me.userId), [thread, me.userId]);
  const receiptOf = useCallback((m: ChatMessage): Receipt => ({
    others: others.length,
    readBy: others.filter((p) => p.lastReadMessageId && compareIds(p.lastReadMessageId, m.id, order) >= 0).map((p) => p.displayName),
  }), [others, order]);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);

  const send = (d: Parameters<typeof c.send>[0]) => {
    atBottom.current = true;
    c.send(d).catch((e: unknown) => report(e));
  };

  const invite = async () => {
    if (!invitees.length) return;
    setSaving(true);
    try {
      for (const userId of invitees) await post(`threads/${threadId}/participants`, { userId });
      await c.reloadThread(threadId);
      void message.success(t('messages.invited'));
      setInviting(false);
      setInvitees([]);
    } catch (e) { report(e); } finally { setSaving(false); }
  };

  if (c.error) {
    const status = c.error.status === 404 ? '404' : c.error.status === 403 ? '403' : 'error';
    return <div className="yl-conversation"><Result status={status} title={c.error.text(i18n.language)}
      extra={onBack && <Button onClick={onBack}>{t('common.back')}</Button>} /></div>;
  }

  const title = threadTitle(thread, me.userId, emptyTitle ?? t('messages.untitled'));
  const direct = thread?.kind === 'direct';
  const names = (thread?.participants ?? []).map((p) => (p.userId === me.userId ? t('messages.me') : p.displayName)).join('、');

  let lastDay = '';
  let lastSender: string | null = null;
  return (
    <div className={`yl-conversation${compact ? ' compact' : ''}`}>
      <div className="yl-conv-head">
        {onBack && <Button type="text" icon={<ArrowLeftOutlined />} onClick={onBack} aria-label={t('common.back')} />}
        <div style={{ flex: 1, minWidth: 0 }}>
          {!compact && <div className="yl-conv-title yl-ellipsis">{title}</div>}
          <Tooltip title={names}>
            <Typography.Text type="secondary" className="yl-ellipsis" style={{ fontSize: 12, display: 'block' }}>
              <TeamOutlined /> {t('messages.participantsN', { count: thread?.participants.length ?? 0 })}{names ? ` · ${names}` : ''}
            </Typography.Text>
          </Tooltip>
        </div>
        {headerExtra}
        {thread?.patientId && can('patient.read') && !compact && (
          <Tooltip title={t('messages.openPatient')}>
            <Button type="text" icon={<IdcardOutlined />} onClick={() => navigate(`/patients/${thread.patientId}`)} aria-label={t('messages.openPatient')} />
          </Tooltip>
        )}
        <Tooltip title={t('messages.searchInThread')}>
          <Button type={searchOpen ? 'primary' : 'text'} ghost={searchOpen} icon={<SearchOutlined />} aria-label={t('messages.searchInThread')}
            onClick={() => { setSearchOpen((s) => !s); setQ(''); }} />
        </Tooltip>
        {!direct && thread && (
          <Tooltip title={t('messages.invite')}>
            <Button type="text" icon={<UserAddOutlined />} onClick={() => setInviting(true)} aria-label={t('messages.invite')} />
          </Tooltip>
        )}
      </div>
      {searchOpen && (
        <div className="yl-conv-search">
          <Input.Search allowClear autoFocus placeholder={t('messages.searchInThreadPlaceholder')} enterButton
            onSearch={(v) => setQ(v.trim())} />
          <Button type="text" icon={<CloseOutlined />} onClick={() => { setSearchOpen(false); setQ(''); }} aria-label={t('messages.closeSearch')} />
        </div>
      )}
      <div className="yl-conv-body" ref={box} onScroll={onScroll}>
        {searchOpen && q ? <SearchResults threadId={threadId} q={q} myId={me.userId} /> : c.loading ? (
          <div className="yl-center"><Spin /></div>
        ) : (
          <>
            {c.hasMore && (
              <div style={{ textAlign: 'center', margin: '4px 0 12px' }}>
                <Button size="small" loading={c.loadingOlder} onClick={() => void c.loadOlder().catch((e: unknown) => report(e))}>{t('messages.loadOlder')}</Button>
              </div>
            )}
            {!c.hasMore && messages.length > 0 && <div className="yl-chat-day" style={{ marginTop: 0 }}>{t('messages.beginning')}</div>}
            {!messages.length && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('messages.noMessages')} style={{ marginTop: compact ? 24 : 64 }} />}
            {messages.map((m) => {
              const day = dayLabel(m.createdAt, t);
              const newDay = day !== lastDay;
              const showSender = !direct && (newDay || m.senderId !== lastSender);
              lastDay = day;
              lastSender = m.senderId;
              const mine = m.senderId === me.userId;
              return (
                <Fragment key={m.pending ? `c-${m.clientId}` : m.id}>
                  {newDay && <div className="yl-chat-day">{day}</div>}
                  {/* A workflow's line in its case thread (移动问诊 answered, converted …): a note, not a bubble. */}
                  {m.kind === 'system' ? <div className="yl-chat-day">{systemText(m.body, i18n.language)}</div> : <MessageBubble m={m} mine={mine} showSender={showSender}
                    quoted={m.replyToMessage ?? (m.replyTo ? byId.get(m.replyTo) ?? null : null)}
                    receipt={mine && others.length ? receiptOf(m) : undefined}
                    onReply={() => setReplyTo(m)}
                    onRetry={m.pending === 'failed' && m.clientId ? () => { c.retry(m.clientId!).catch((e: unknown) => report(e)); } : undefined}
                    onDiscard={m.pending === 'failed' && m.clientId ? () => c.discard(m.clientId!) : undefined} />}
                </Fragment>
              );
            })}
          </>
        )}
      </div>
      <Composer onSend={send} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} disabled={c.loading || !thread} compact={compact || mobile} />
      <Modal open={inviting} title={t('messages.invite')} onCancel={() => setInviting(false)} onOk={() => void invite()}
        okButtonProps={{ disabled: !invitees.length, loading: saving }} okText={t('messages.inviteOk')} destroyOnHidden>
        <Typography.Paragraph type="secondary">{t('messages.inviteHint')}</Typography.Paragraph>
        <UserPicker multiple value={invitees} onChange={(ids) => setInvitees(ids)} exclude={(thread?.participants ?? []).map((p) => p.userId)} />
      </Modal>
    </div>
  );
}
