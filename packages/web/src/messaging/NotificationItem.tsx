/** One notification in a list (the drawer, the workbench's to-do card): kind icon, title, body, time, unread dot. */
import {
  AlertOutlined, BellOutlined, CalendarOutlined, MergeCellsOutlined, MessageOutlined, SafetyOutlined, SwapOutlined, VideoCameraOutlined,
} from '@ant-design/icons';
import { Tooltip } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { fmtTime } from '../format';
import { listTime } from './format';
import { localized, type AppNotification } from './types';

const KINDS: Record<string, { icon: ReactNode; color: string }> = {
  message: { icon: <MessageOutlined />, color: '#0f6fbf' },
  account: { icon: <SafetyOutlined />, color: '#d46b08' },
  patient_merge: { icon: <MergeCellsOutlined />, color: '#722ed1' },
  referral: { icon: <SwapOutlined />, color: '#08979c' },
  consultation: { icon: <VideoCameraOutlined />, color: '#1d39c4' },
  booking: { icon: <CalendarOutlined />, color: '#389e0d' },
  critical: { icon: <AlertOutlined />, color: '#cf1322' },
};

export function NotificationItem({ n, onOpen }: { n: AppNotification; onOpen: (n: AppNotification) => void }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const kind = KINDS[n.kind] ?? KINDS[n.kind.split(/[._]/)[0] ?? ''] ?? { icon: <BellOutlined />, color: '#8c8c8c' };
  const body = localized(n.body, en);
  return (
    <button type="button" className={`yl-notif-item${n.readAt ? '' : ' unread'}${n.link ? ' linked' : ''}`} onClick={() => onOpen(n)}>
      <span className="yl-notif-icon" style={{ color: kind.color, background: `${kind.color}14` }} aria-hidden>{kind.icon}</span>
      <span style={{ flex: 1, minWidth: 0 }}>
        <span className="yl-notif-top">
          <span className="yl-notif-title">{localized(n.title, en) || t('notifications.newOne')}</span>
          <Tooltip title={fmtTime(n.createdAt)}><span className="yl-notif-time">{listTime(n.createdAt, t)}</span></Tooltip>
          <span className="yl-notif-dot" aria-label={n.readAt ? undefined : t('notifications.unreadMark')} />
        </span>
        {body && <span className="yl-notif-body">{body}</span>}
      </span>
    </button>
  );
}
