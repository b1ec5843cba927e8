/**
 * The discussion beside a case (a patient, a consultation, a referral …): finds the case's thread among mine or
 * creates it (POST /threads {kind:'case', …}), then shows the conversation compactly. ChatPanel is the card;
 * ChatDrawerButton opens it in a drawer (full screen on phones) and shows the thread's unread count.
 */
import { CommentOutlined, ExpandOutlined } from '@ant-design/icons';
import { Badge, Button, Card, Drawer, Result, Spin, Tooltip } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiError, post } from '../api';
import { useIsMobile } from '../hooks';
import { Conversation } from '../messaging/Conversation';
import { useInbox } from '../messaging/inbox';
import { toThread } from '../messaging/types';

export interface CaseRef { caseType: string; caseId: string; patientId?: string | null; title: string }

/** The id of the case's thread I take part in, if any (from the inbox, kept live). */
export function useCaseThread(caseType: string, caseId: string) {
  const { threads } = useInbox();
  return threads.find((th) => th.kind === 'case' && th.caseType === caseType && th.caseId === caseId) ?? null;
}

function useFindOrCreate({ caseType, caseId, patientId, title }: CaseRef) {
  const existing = useCaseThread(caseType, caseId);
  const { refreshThreads } = useInbox();
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (existing || asked.current) return;
    asked.current = true;
    post<unknown>('threads', { kind: 'case', caseType, caseId, ...(patientId ? { patientId } : {}), title, userIds: [] })
      .then((r) => { const th = toThread(r); if (th) setCreated(th.id); refreshThreads(); })
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e), String(e))));
  }, [existing, caseType, caseId, patientId, title, refreshThreads]);
  return { threadId: existing?.id ?? created, error };
}

/** The conversation of one case; `height` for the card, or it fills its parent (`fill`). */
export function ChatPanel({ caseType, caseId, patientId, title, height = 520, fill, bordered = true }: CaseRef & {
  height?: number | string; fill?: boolean; bordered?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { threadId, error } = useFindOrCreate({ caseType, caseId, patientId, title });
  const body = error
    ? <Result status={error.status === 403 ? '403' : 'error'} title={error.text(i18n.language)} />
    : threadId ? <Conversation threadId={threadId} compact emptyTitle={title} /> : <div className="yl-center" style={{ height: '100%' }}><Spin /></div>;
  const open = threadId && (
    <Tooltip title={t('chat.openInMessages')}>
      <Button type="text" size="small" icon={<ExpandOutlined />} onClick={() => navigate(`/messages/${threadId}`)} aria-label={t('chat.openInMessages')} />
    </Tooltip>
  );
  if (!bordered) return <div className="yl-chat-panel" style={{ height: fill ? '100%' : height }}>{body}</div>;
  return (
    <Card title={<span><CommentOutlined /> {title}</span>} extra={open} size="small"
      styles={{ body: { padding: 0, height: fill ? '100%' : height } }} className="yl-chat-panel-card">
      <div className="yl-chat-panel" style={{ height: '100%' }}>{body}</div>
    </Card>
  );
}

/** A button (with the thread's unread count) opening the case's ChatPanel in a drawer. */
export function ChatDrawerButton(props: CaseRef & { label?: string }) {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const thread = useCaseThread(props.caseType, props.caseId);
  const label = props.label ?? t('chat.discuss');
  return (
    <>
      <Badge count={thread?.unread ?? 0} size="small" offset={[-4, 2]}>
        <Button icon={<CommentOutlined />} onClick={() => setOpen(true)}>{label}</Button>
      </Badge>
      <Drawer open={open} onClose={() => setOpen(false)} size={mobile ? '100%' : 480} destroyOnHidden
        title={<span className="yl-ellipsis" style={{ display: 'block' }}>{props.title}</span>}
        extra={thread && (
          <Tooltip title={t('chat.openInMessages')}>
            <Button type="text" icon={<ExpandOutlined />} onClick={() => navigate(`/messages/${thread.id}`)} aria-label={t('chat.openInMessages')} />
          </Tooltip>
        )}
        styles={{ body: { padding: 0, display: 'flex', flexDirection: 'column' } }}>
        <ChatPanel {...props} bordered={false} fill />
      </Drawer>
    </>
  );
}
