/**
 * 预约管理 (staff): my clinic (scope=clinic), booked by me (scope=mine), the whole institution (admins); today by
 * default; check-in, no-show, complete, cancel and reschedule from the row, the history in a drawer.
 */
import { CalendarOutlined } from '@ant-design/icons';
import { Alert, Button, Col, DatePicker, Row, Segmented, Select, Tabs, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useAuth, useMe } from '../../auth';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { useApiData, useIsMobile } from '../../hooks';
import type { Me } from '../../types';
import { AppointmentDrawer } from './AppointmentDrawer';
import { APPOINTMENT_STATUSES, dayStart, STATUS_COLORS, type Appointment } from './model';
import { RescheduleModal } from './RescheduleModal';
import { useAppointmentActions } from './useAppointmentActions';

export type Scope = 'clinic' | 'mine' | 'institution';
type Period = 'today' | 'week' | 'upcoming' | 'day';

/** The lists this role has, best first: a doctor's own clinic, what one booked, the institution (admins). */
export function scopesFor(me: Me): Scope[] {
  const s: Scope[] = [];
  if (me.practitionerId && ['doctor', 'dept_head'].includes(me.role.role)) s.push('clinic');
  if (['doctor', 'family_doctor', 'institution_admin'].includes(me.role.role)) s.push('mine');
  if (me.role.role === 'institution_admin' && me.role.institutionId) s.push('institution');
  return me.role.role === 'institution_admin' ? [...s.filter((x) => x === 'institution'), ...s.filter((x) => x !== 'institution')] : s;
}

/** The query of a list scope: `scope=clinic|mine`, or the institution's id. */
export function scopeQuery(me: Me, scope: Scope) {
  return scope === 'institution' ? { institutionId: me.role.institutionId ?? undefined } : { scope };
}

export default function AppointmentsPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const scopes = scopesFor(me);
  const [scope, setScope] = useState<Scope | undefined>(scopes[0]);
  const [period, setPeriod] = useState<Period>('today');
  const [day, setDay] = useState<Dayjs>(dayjs());
  const [status, setStatus] = useState<string | undefined>();
  const [open, setOpen] = useState<Appointment | null>(null);
  const [moving, setMoving] = useState<Appointment | null>(null);
  const [version, setVersion] = useState(0);

  const range = period === 'today' ? [dayjs(), dayjs().add(1, 'day')]
    : period === 'week' ? [dayjs(), dayjs().add(7, 'day')]
      : period === 'day' ? [day, day.add(1, 'day')] : [dayjs(), null];
  const query = scope ? {
    ...scopeQuery(me, scope), status, from: dayStart(range[0]!), to: range[1] ? dayStart(range[1]) : undefined, limit: 500,
  } : undefined;
  const { data, error, loading, reload } = useApiData<{ items: Appointment[] }>(scope ? 'scheduling/appointments' : null, query);
  const changed = () => { reload(); setVersion((v) => v + 1); };
  const { buttons } = useAppointmentActions(changed, setMoving);
  const items = data?.items;
  const counts = APPOINTMENT_STATUSES.map((s) => ({ s, n: items?.filter((a) => a.status === s).length ?? 0 })).filter((c) => c.n);

  const when = (a: Appointment) => a.startsAt ? (period === 'today' || period === 'day' ? dayjs(a.startsAt).format('HH:mm') : dayjs(a.startsAt).format('MM-DD dd HH:mm')) : '';
  const statusTag = (a: Appointment) => <Tag color={STATUS_COLORS[a.status]} style={{ marginInlineEnd: 0 }}>{t(`sched.status.${a.status}`)}</Tag>;
  const columns: ColumnsType<Appointment> = [
    { title: t('sched.visitTime'), key: 'time', className: 'yl-nowrap', render: (_, a) => <b className="yl-mono">{when(a)}</b> },
    { title: t('sched.patient'), dataIndex: 'patientName', className: 'yl-nowrap', render: (v: string | undefined, a) => <Link to={`/patients/${a.patientId}`} onClick={(e) => e.stopPropagation()}>{v ?? a.patientId.slice(0, 8)}</Link> },
    { title: t('sched.resource'), dataIndex: 'resourceName' },
    { title: t('common.status'), dataIndex: 'status', render: (_, a) => statusTag(a) },
    { title: t('sched.channel'), dataIndex: 'channel', className: 'yl-nowrap', render: (v: string) => t(`sched.channels.${v}`, { defaultValue: v }) },
    { title: t('sched.reason'), dataIndex: 'reason', render: (v: string | null) => <Typography.Text ellipsis style={{ maxWidth: 200 }}>{v ?? ''}</Typography.Text> },
    { title: t('common.actions'), key: 'a', render: (_, a) => buttons(a) },
  ];

  if (!scopes.length) return <div><PageHeader title={t('nav.schedAppointments')} /><Alert type="info" showIcon title={t('sched.noAppointmentScope')} /></div>;

  return (
    <div>
      <PageHeader title={t('nav.schedAppointments')}
        extra={can('appointment.book') && <Link to="/scheduling/calendar"><Button type="primary" icon={<CalendarOutlined />}>{t('sched.newBooking')}</Button></Link>} />
      {scopes.length > 1 && (
        <Tabs activeKey={scope} onChange={(k) => setScope(k as Scope)} style={{ marginBottom: 4 }}
          items={scopes.map((s) => ({ key: s, label: t(`sched.scope.${s}`) }))} />
      )}
      <Row gutter={[8, 8]} className="yl-filters" align="middle">
        <Col xs={24} md={{ flex: 'none' }}>
          <Segmented<Period> block={mobile} value={period} onChange={setPeriod} options={(['today', 'week', 'upcoming', 'day'] as Period[]).map((p) => ({ value: p, label: t(`sched.period.${p}`) }))} />
        </Col>
        {period === 'day' && <Col xs={12} md={{ flex: 'none' }}><DatePicker value={day} allowClear={false} onChange={(d) => d && setDay(d)} style={{ width: '100%' }} /></Col>}
        <Col xs={period === 'day' ? 12 : 24} md={{ flex: '0 0 180px' }}>
          <Select allowClear style={{ width: '100%' }} placeholder={t('sched.allStatuses')} value={status} onChange={setStatus}
            options={APPOINTMENT_STATUSES.map((s) => ({ value: s, label: t(`sched.status.${s}`) }))} />
        </Col>
        {!mobile && (
          <Col flex="auto" style={{ textAlign: 'end' }}>
            {counts.map((c) => <Tag key={c.s} color={STATUS_COLORS[c.s]}>{t(`sched.status.${c.s}`)} {c.n}</Tag>)}
          </Col>
        )}
      </Row>
      {error && scope !== 'institution' && error.status === 400 && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('sched.scopeMissing')} description={error.text(i18n.language)} />
      )}
      <DataList<Appointment>
        rowKey={(a) => a.id} columns={columns} data={items} loading={loading} error={error && error.status === 400 && scope !== 'institution' ? null : error}
        onOpen={setOpen} empty={<span className="yl-muted">{t('sched.noAppointments')}</span>}
        renderCard={(a) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'center' }}>
              <span><b className="yl-mono" style={{ fontSize: 16 }}>{when(a)}</b> <Typography.Text strong style={{ marginInlineStart: 6 }}>{a.patientName}</Typography.Text></span>
              {statusTag(a)}
            </div>
            <div className="yl-muted" style={{ fontSize: 13, margin: '2px 0 6px' }}>{a.resourceName}{a.reason ? ` · ${a.reason}` : ''}</div>
            {buttons(a, 'middle')}
          </div>
        )}
      />
      <AppointmentDrawer appointment={open} version={version} onClose={() => setOpen(null)} actions={(a) => buttons(a, 'middle')} />
      <RescheduleModal appointment={moving} onClose={() => setMoving(null)} onDone={() => { setMoving(null); changed(); }} />
    </div>
  );
}
