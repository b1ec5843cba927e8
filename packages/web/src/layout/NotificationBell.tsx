/**
 * 通知: the bell in the header with the unread count (live), and the drawer listing notifications newest first —
 * click one to mark it read and open its case; 全部已读 marks all.
 */
import { BellOutlined, CheckOutlined } from '@ant-design/icons';
import { Alert, Badge, Button, Drawer, Empty, Segmented, Spin, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiError, get, post } from '../api';
import { useErrorReporter, useIsMobile } from '../hooks';
import { useInbox } from '../messaging/inbox';
import { NotificationItem } from '../messaging/NotificationItem';
import { toNotification, type AppNotification } from '../messaging/types';
import { useConnectionState } from '../realtime/RealtimeProvider';

const PAGE = 20;

/** A small dot: green when live updates flow, amber while reconnecting, grey offline. */
export function ConnectionDot() {
  const { t } = useTranslation();
  const state = useConnectionState();
  const color = state === 'open' ? '#52c41a' : state === 'offline' ? '#bfbfbf' : '#faad14';
  return (
    <Tooltip title={t(`realtime.${state}`)}>
      <span className={`yl-conn-dot${state === 'reconnecting' ? ' blink' : ''}`} style={{ background: color }}
        role="status" aria-label={t(`realtime.${state}`)} data-state={state} />
    </Tooltip>
  );
}

function NotificationList({ onNavigate }: { onNavigate: () => void }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const report = useErrorReporter();
  const { notificationVersion, refreshNotifications, notificationsUnread } = useInbox();
  const [filter, setFilter] = useState<'all' | 'unread'>('all');
  const [items, setItems] = useState<AppNotification[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async (offset: number) => {
    setLoading(true);
    try {
      const d = await get<{ total?: number; items?: unknown[] }>('notifications', { unread: filter === 'unread' ? true : undefined, limit: PAGE, offset });
      const list = (d?.items ?? []).map(toNotification).filter((n): n is AppNotification => !!n);
      setItems((cur) => {
        const merged = offset ? [...cur, ...list.filter((n) => !cur.some((c) => c.id === n.id))] : list;
        return merged.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
      });
      setTotal(d?.total ?? list.length);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    } finally { setLoading(false); }
  }, [filter]);
  useEffect(() => { void load(0); }, [load, notificationVersion]);

  const open = async (n: AppNotification) => {
    if (!n.readAt) {
      setItems((cur) => cur.map((x) => (x.id === n.id ? { ...x, readAt: new Date().toISOString() } : x)));
      post(`notifications/${n.id}/read`).then(refreshNotifications).catch((e: unknown) => report(e));
    }
    if (n.link) { onNavigate(); navigate(n.link); }
  };
  const readAll = async () => {
    try {
      await post('notifications/read-all');
      setItems((cur) => cur.map((x) => ({ ...x, readAt: x.readAt ?? new Date().toISOString() })));
      refreshNotifications();
    } catch (e) { report(e); }
  };

  return (
    <div className="yl-notif">
      <div className="yl-notif-bar">
        <Segmented size="small" value={filter} onChange={(v) => setFilter(v as 'all' | 'unread')}
          options={[{ value: 'all', label: t('notifications.all') }, { value: 'unread', label: t('notifications.unreadOnly') }]} />
        <Button size="small" type="link" icon={<CheckOutlined />} disabled={!notificationsUnread} onClick={() => void readAll()}>{t('notifications.readAll')}</Button>
      </div>
      {error && <Alert type="error" showIcon title={error.text(i18n.language)} style={{ margin: 12 }} />}
      <Spin spinning={loading && !items.length}>
        {!items.length && !loading && !error && (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} style={{ margin: '48px 0' }}
            description={filter === 'unread' ? t('notifications.noneUnread') : t('notifications.none')} />
        )}
        {items.map((n) => <NotificationItem key={n.id} n={n} onOpen={(x) => void open(x)} />)}
        {items.length < total && (
          <div style={{ textAlign: 'center', padding: 12 }}>
            <Button size="small" loading={loading} onClick={() => void load(items.length)}>{t('notifications.more')}</Button>
          </div>
        )}
      </Spin>
    </div>
  );
}

export function NotificationBell() {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const { notificationsUnread } = useInbox();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Tooltip title={mobile ? undefined : t('notifications.title')}>
        <Button type="text" onClick={() => setOpen(true)} aria-label={t('notifications.titleN', { count: notificationsUnread })}
          className="yl-bell" style={{ height: 40, paddingInline: 8 }}>
          <Badge count={notificationsUnread} size="small" overflowCount={99} offset={[2, -2]}>
            <BellOutlined style={{ fontSize: 18 }} />
          </Badge>
        </Button>
      </Tooltip>
      <Drawer open={open} onClose={() => setOpen(false)} size={mobile ? '100%' : 420} placement="right"
        title={<span>{t('notifications.title')}{notificationsUnread ? <Typography.Text type="secondary" style={{ fontWeight: 400, marginInlineStart: 8, fontSize: 13 }}>{t('notifications.unreadN', { count: notificationsUnread })}</Typography.Text> : null}</span>}
        styles={{ body: { padding: 0 } }} destroyOnHidden>
        <NotificationList onNavigate={() => setOpen(false)} />
      </Drawer>
    </>
  );
}
