/** My threads, newest activity first: title, last message, time, unread count; searchable (GET /threads?q). */
import { TeamOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Avatar, Badge, Empty, Input, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get } from '../api';
import { useMe } from '../auth';
import { threadTitle } from './Conversation';
import { caseTypeText, listTime, preview } from './format';
import { useInbox } from './inbox';
import { toThread, type Thread } from './types';

export function ThreadList({ selectedId, onOpen }: { selectedId?: string; onOpen: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const inbox = useInbox();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Thread[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [firstLoad, setFirstLoad] = useState(true);

  // The unfiltered list is the inbox's (kept live); a search asks the server.
  const { refreshThreads } = inbox;
  useEffect(() => { refreshThreads(); const timer = setTimeout(() => setFirstLoad(false), 600); return () => clearTimeout(timer); }, [refreshThreads]);
  useEffect(() => {
    if (!q) { setFound(null); setError(null); return; }
    const ctrl = new AbortController();
    setLoading(true);
    get<{ items?: unknown[] }>('threads', { q, limit: 100 }, ctrl.signal)
      .then((d) => { setFound((d?.items ?? []).map(toThread).filter((x): x is Thread => !!x)); setError(null); })
      .catch((e: unknown) => { if ((e as Error).name !== 'AbortError') setError(e instanceof ApiError ? e : null); })
      .finally(() => { if (!ctrl.signal.aborted) setLoading(false); });
    return () => ctrl.abort();
  }, [q]);

  const list = q ? found ?? [] : inbox.threads;
  return (
    <div className="yl-thread-list">
      <div style={{ padding: 12, borderBottom: '1px solid rgba(0,0,0,0.06)' }}>
        <Input.Search allowClear placeholder={t('messages.searchThreads')} onSearch={(v) => setQ(v.trim())}
          onChange={(e) => { if (!e.target.value) setQ(''); }} aria-label={t('messages.searchThreads')} />
      </div>
      <div className="yl-thread-items">
        {error && <Alert type="error" showIcon title={error.text(i18n.language)} style={{ margin: 12 }} />}
        <Spin spinning={loading || (firstLoad && !list.length)}>
          {!list.length && !loading && !(firstLoad && !q) && (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} style={{ margin: '40px 0' }}
              description={q ? t('messages.noThreadsFound') : t('messages.noThreads')} />
          )}
          {list.map((th) => {
            const title = threadTitle(th, me.userId, t('messages.untitled'));
            const last = th.lastMessage;
            const who = last && th.kind !== 'direct' && last.senderName ? `${last.senderId === me.userId ? t('messages.me') : last.senderName}：` : '';
            const text = last ? `${who}${preview(last, t)}` : th.lastMessageText ?? t('messages.noMessagesYet');
            return (
              <button type="button" key={th.id} className={`yl-thread-item${th.id === selectedId ? ' active' : ''}`} onClick={() => onOpen(th.id)}>
                <Badge count={th.unread} size="small" offset={[-4, 4]}>
                  <Avatar style={{ background: th.kind === 'case' ? '#13a8a8' : '#0f6fbf', flex: 'none' }}
                    icon={th.kind === 'case' ? <TeamOutlined /> : th.title || th.participants.length ? undefined : <UserOutlined />}>
                    {th.kind === 'case' ? null : title.slice(0, 1)}
                  </Avatar>
                </Badge>
                <span className="yl-thread-main">
                  <span className="yl-thread-top">
                    <Typography.Text strong={th.unread > 0} ellipsis className="yl-thread-title">{title}</Typography.Text>
                    <span className="yl-thread-time">{listTime(th.lastMessageAt, t)}</span>
                  </span>
                  <span className="yl-thread-preview yl-ellipsis">
                    {th.kind === 'case' && <span className="yl-case-tag">{caseTypeText(t, th.caseType)}</span>}
                    {text}
                  </span>
                </span>
              </button>
            );
          })}
        </Spin>
      </div>
    </div>
  );
}
