/** 工作台: greeting, the active role, a to-do area later capabilities fill, shortcuts and directory counts. */
import {
  AuditOutlined, BankOutlined, BarChartOutlined, CalendarOutlined, CarryOutOutlined, ClusterOutlined, FieldTimeOutlined, CloudUploadOutlined, IdcardOutlined, SafetyOutlined, SearchOutlined,
  SolutionOutlined, StarOutlined, UserAddOutlined, UserSwitchOutlined,
} from '@ant-design/icons';
import { ROLE_LABELS, type Action } from '@yilian/core';
import { BellOutlined, MessageOutlined, SwapOutlined, VideoCameraOutlined } from '@ant-design/icons';
import { Card, Col, Empty, Row, Statistic, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { post, type Page } from '../../api';
import { useAuth, useMe } from '../../auth';
import { useApiData, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import { NotificationItem } from '../../messaging/NotificationItem';
import { useInbox } from '../../messaging/inbox';
import { toNotification, type AppNotification } from '../../messaging/types';
import { useRealtimeEvent } from '../../realtime/RealtimeProvider';
import type { Me } from '../../types';
import { ConsultationCountsCard } from '../consultation/ConsultationCountsCard';
import { ReferralCountsCard } from '../referral/ReferralCountsCard';
import { scopeQuery, scopesFor } from '../scheduling/AppointmentsPage';
import { dayStart, type Appointment } from '../scheduling/model';

/** Shortcuts whose labels live with their capability's translations. */
const SC_LABELS: Record<string, string> = { consultations: 'consultation.sc.list', newConsultation: 'consultation.sc.create' };

interface Shortcut { key: string; to: string; icon: ReactNode; needs?: Action; show?: boolean }

function useCount(path: string, allowed: boolean) {
  const { data, loading, reload } = useApiData<Page<unknown>>(allowed ? path : null, { limit: 1 });
  return { value: data?.total, loading, reload };
}

/**
 * 今日预约: today's visits in the role's first appointment list (a doctor's clinic, an institution for its admin, what
 * a family doctor booked); for a patient, the upcoming ones.
 */
function useAppointmentsToday(me: Me) {
  const patient = me.role.role === 'patient' && !!me.patientId;
  const scope = scopesFor(me)[0];
  const today = dayjs();
  const query = patient ? { from: dayStart(today), status: 'booked', limit: 500 }
    : scope ? { ...scopeQuery(me, scope), from: dayStart(today), to: dayStart(today.add(1, 'day')), limit: 500 } : undefined;
  const { data, reload } = useApiData<{ items: Appointment[] }>(query ? 'scheduling/appointments' : null, query);
  if (!query) return null;
  const open = data?.items.filter((a) => a.status !== 'cancelled');
  return { value: open?.length, to: patient ? '/scheduling/mine' : '/scheduling/appointments', label: patient ? 'sched.upcomingCount' : 'sched.todayCount', reload };
}

/** 待办: what the notification centre has not had read yet, newest first; live. */
function TodoCard({ mobile, appointments }: { mobile: boolean; appointments: ReturnType<typeof useAppointmentsToday> }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { notificationsUnread, messagesUnread, notificationVersion, refreshNotifications } = useInbox();
  const { data, reload } = useApiData<Page<unknown>>('notifications', { unread: true, limit: 5 });
  useEffect(() => { if (notificationVersion) reload(); }, [notificationVersion, reload]);
  const items = (data?.items ?? []).map(toNotification).filter((n): n is AppNotification => !!n);
  const open = (n: AppNotification) => {
    post(`notifications/${n.id}/read`).then(refreshNotifications).catch(() => undefined);
    if (n.link) navigate(n.link);
  };
  return (
    <Card title={t('home.todo')} style={{ height: '100%' }}>
      <Row gutter={12} style={{ marginBottom: items.length ? 8 : 0 }}>
        {appointments && (
          <Col span={8}>
            <Card size="small" hoverable onClick={() => navigate(appointments.to)} className="yl-home-stat">
              <Statistic title={<span><CarryOutOutlined /> {t(appointments.label)}</span>} value={appointments.value ?? '—'} styles={{ content: { fontSize: mobile ? 20 : 24, color: appointments.value ? '#389e0d' : undefined } }} />
            </Card>
          </Col>
        )}
        <Col span={appointments ? 8 : 12}>
          <Card size="small" hoverable onClick={() => navigate('/messages')} className="yl-home-stat">
            <Statistic title={<span><MessageOutlined /> {t('home.unreadMessages')}</span>} value={messagesUnread} styles={{ content: { fontSize: mobile ? 20 : 24, color: messagesUnread ? '#0f6fbf' : undefined } }} />
          </Card>
        </Col>
        <Col span={appointments ? 8 : 12}>
          <Card size="small" className="yl-home-stat">
            <Statistic title={<span><BellOutlined /> {t('home.unreadNotifications')}</span>} value={notificationsUnread} styles={{ content: { fontSize: mobile ? 20 : 24, color: notificationsUnread ? '#d4380d' : undefined } }} />
          </Card>
        </Col>
      </Row>
      {items.length ? (
        <div>
          {items.map((n) => <NotificationItem key={n.id} n={n} onOpen={open} />)}
        </div>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} style={{ margin: mobile ? '8px 0' : '32px 0' }} description={
          <span>{t('home.todoEmpty')}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('home.todoHint')}</Typography.Text></span>
        } />
      )}
    </Card>
  );
}

function greetingKey(hour: number) {
  if (hour < 11) return 'home.morning';
  if (hour < 13) return 'home.noon';
  if (hour < 18) return 'home.afternoon';
  return 'home.evening';
}

export default function HomePage() {
  const me = useMe();
  const { can } = useAuth();
  const { t } = useTranslation();
  const { label } = useLabels();
  const navigate = useNavigate();
  const directory = can('directory.read');
  const mobile = useIsMobile();

  const all: Shortcut[] = [
    { key: 'searchPatient', to: '/patients', icon: <SearchOutlined />, needs: 'patient.search' },
    { key: 'newPatient', to: '/patients/new', icon: <UserAddOutlined />, needs: 'patient.create' },
    { key: 'myAppointments', to: '/scheduling/mine', icon: <CarryOutOutlined />, show: me.role.role === 'patient' && !!me.patientId },
    { key: 'book', to: '/scheduling/book', icon: <CalendarOutlined />, show: me.role.role === 'patient' && !!me.patientId },
    { key: 'newReferral', to: '/referrals/new', icon: <SwapOutlined />, needs: 'referral.create' },
    { key: 'referrals', to: '/referrals', icon: <SwapOutlined />, needs: 'referral.read', show: me.role.role !== 'patient' },
    { key: 'myReferrals', to: '/referrals/mine', icon: <SwapOutlined />, show: me.role.role === 'patient' && !!me.patientId },
    { key: 'consultations', to: '/consultations', icon: <VideoCameraOutlined />, needs: 'consultation.read', show: me.role.role !== 'patient' },
    { key: 'newConsultation', to: '/consultations/new', icon: <VideoCameraOutlined />, needs: 'consultation.create' },
    { key: 'schedCalendar', to: '/scheduling/calendar', icon: <CalendarOutlined />, needs: 'appointment.book', show: me.role.role !== 'patient' },
    { key: 'schedAppointments', to: '/scheduling/appointments', icon: <CarryOutOutlined />, show: me.role.role !== 'patient' && (can('appointment.cancel') || can('appointment.attend')) },
    { key: 'schedResources', to: '/scheduling/resources', icon: <FieldTimeOutlined />, needs: 'schedule.manage' },
    { key: 'schedReport', to: '/scheduling/report', icon: <BarChartOutlined />, needs: 'schedule.report' },
    { key: 'myRecord', to: '/me', icon: <IdcardOutlined />, show: me.role.role === 'patient' && !!me.patientId },
    { key: 'institutions', to: '/directory/institutions', icon: <BankOutlined />, needs: 'directory.read' },
    { key: 'practitioners', to: '/directory/practitioners', icon: <SolutionOutlined />, needs: 'directory.read' },
    { key: 'experts', to: '/directory/experts', icon: <StarOutlined />, needs: 'directory.read' },
    { key: 'consortia', to: '/directory/consortia', icon: <ClusterOutlined />, needs: 'consortium.manage' },
    { key: 'import', to: '/directory/import', icon: <CloudUploadOutlined />, needs: 'directory.import' },
    { key: 'users', to: '/admin/users', icon: <UserSwitchOutlined />, needs: 'user.manage' },
    { key: 'audit', to: '/audit', icon: <AuditOutlined />, needs: 'audit.read' },
    { key: 'account', to: '/account', icon: <SafetyOutlined /> },
  ];
  const shortcuts = all.filter((s) => (s.show ?? true) && (!s.needs || can(s.needs)));

  const counts = [
    { key: 'consortia', to: '/directory/consortia', ...useCount('consortia', directory) },
    { key: 'institutions', to: '/directory/institutions', ...useCount('institutions', directory) },
    { key: 'practitioners', to: '/directory/practitioners', ...useCount('practitioners', directory) },
    { key: 'experts', to: '/directory/experts', ...useCount('experts', directory) },
  ];

  const appointments = useAppointmentsToday(me);
  // Workflow events arrive as notifications: the figures here may have changed.
  useRealtimeEvent('notification.created', () => { for (const c of counts) c.reload(); appointments?.reload(); });

  return (
    <div>
      <Card variant="borderless" style={{ marginBottom: 16, background: 'linear-gradient(120deg, #0f6fbf, #2a8bd8)', color: '#fff' }}>
        <Typography.Title level={4} style={{ color: '#fff', margin: 0 }}>
          {t(greetingKey(new Date().getHours()), { name: me.displayName })}
        </Typography.Title>
        <div style={{ marginTop: 6, opacity: 0.9 }}>
          {label(ROLE_LABELS, me.role.role)}{me.role.institutionName ? ` · ${me.role.institutionName}` : ''}
        </div>
      </Card>
      <Row gutter={[16, 16]}>
        {/* On a phone the shortcuts come first: they are what one reaches for there. */}
        {can('referral.read') && me.role.role !== 'patient' && (
          <Col xs={{ span: 24, order: 1 }} lg={{ span: can('consultation.read') ? 12 : 24, order: 0 }}><ReferralCountsCard /></Col>
        )}
        {can('consultation.read') && me.role.role !== 'patient' && (
          <Col xs={{ span: 24, order: 1 }} lg={{ span: can('referral.read') ? 12 : 24, order: 0 }}><ConsultationCountsCard /></Col>
        )}
        <Col xs={{ span: 24, order: 2 }} lg={{ span: 14, order: 1 }}>
          <TodoCard mobile={mobile} appointments={appointments} />
        </Col>
        <Col xs={{ span: 24, order: 1 }} lg={{ span: 10, order: 2 }}>
          <Card title={t('home.shortcuts')} style={{ height: '100%' }} styles={{ body: { padding: 12 } }}>
            <Row gutter={[8, 8]}>
              {shortcuts.map((s) => (
                <Col key={s.key} xs={6} sm={6} lg={8}>
                  <Card size="small" hoverable onClick={() => navigate(s.to)} styles={{ body: { padding: 4 } }}>
                    <div className="yl-shortcut" style={mobile ? { height: 76, gap: 4 } : undefined}>
                      {s.icon}<span style={{ fontSize: mobile ? 12 : 13, lineHeight: 1.3 }}>{t(SC_LABELS[s.key] ?? `home.sc.${s.key}`)}</span>
                    </div>
                  </Card>
                </Col>
              ))}
            </Row>
          </Card>
        </Col>
        {directory && counts.map((c) => (
          <Col key={c.key} xs={{ span: 12, order: 3 }} md={{ span: 6, order: 3 }}>
            <Card hoverable size={mobile ? 'small' : undefined} onClick={() => navigate(c.to)}>
              <Statistic title={t(`home.count.${c.key}`)} value={c.value ?? '—'} loading={c.loading} styles={mobile ? { content: { fontSize: 20 } } : undefined} />
            </Card>
          </Col>
        ))}
      </Row>
    </div>
  );
}
