/** 我的预约 (patient): own appointments as cards (upcoming first), cancel and reschedule, waitlist entries; made for a phone. */
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Result, Segmented, Spin, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { post } from '../../api';
import { useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { useApiData, useErrorReporter } from '../../hooks';
import { AppointmentDrawer } from './AppointmentDrawer';
import { STATUS_COLORS, type Appointment } from './model';
import { RescheduleModal } from './RescheduleModal';
import { useAppointmentActions } from './useAppointmentActions';

interface WaitlistEntry { id: string; resourceId: string; earliest: string | null; latest: string | null; createdAt: string; resourceName?: string }

export function AppointmentCard({ a, actions, onOpen }: { a: Appointment; actions?: React.ReactNode; onOpen?: () => void }) {
  const { t } = useTranslation();
  const d = a.startsAt ? dayjs(a.startsAt) : null;
  return (
    <Card size="small" hoverable={!!onOpen} onClick={onOpen}>
      <div className="yl-appt-card">
        <div className="yl-appt-date">
          <div className="m">{d?.format(t('sched.monthFmt')) ?? ''}</div>
          <div className="d">{d?.format('D') ?? '—'}</div>
          <div className="w">{d?.format('ddd') ?? ''}</div>
        </div>
        <div className="yl-appt-body">
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'flex-start' }}>
            <Typography.Text strong style={{ fontSize: 15 }}>{d?.format('HH:mm')}{a.endsAt ? `–${dayjs(a.endsAt).format('HH:mm')}` : ''}</Typography.Text>
            <Tag color={STATUS_COLORS[a.status]} style={{ marginInlineEnd: 0 }}>{t(`sched.status.${a.status}`)}</Tag>
          </div>
          <div style={{ margin: '2px 0 6px' }}>{a.resourceName}</div>
          {actions && <div onClick={(e) => e.stopPropagation()}>{actions}</div>}
        </div>
      </div>
    </Card>
  );
}

export default function MyAppointmentsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [tab, setTab] = useState<'upcoming' | 'past'>('upcoming');
  const [open, setOpen] = useState<Appointment | null>(null);
  const [moving, setMoving] = useState<Appointment | null>(null);
  const [version, setVersion] = useState(0);
  const { data, loading, reload } = useApiData<{ items: Appointment[] }>(me.patientId ? 'scheduling/appointments' : null, { limit: 500 });
  const waitlist = useApiData<{ items: WaitlistEntry[] }>(me.patientId ? 'scheduling/waitlist' : null, { limit: 50 });
  const changed = () => { reload(); waitlist.reload(); setVersion((v) => v + 1); };
  const { buttons } = useAppointmentActions(changed, setMoving);

  if (!me.patientId) return <div><PageHeader title={t('nav.myAppointments')} /><Result status="info" title={t('patient.noOwnRecord')} /></div>;

  const now = Date.now();
  const all = data?.items ?? [];
  const upcoming = all.filter((a) => a.startsAt && Date.parse(a.startsAt) > now - 3_600_000 && ['booked', 'checked_in'].includes(a.status));
  const past = all.filter((a) => !upcoming.includes(a)).reverse();
  const list = tab === 'upcoming' ? upcoming : past;

  const leave = async (id: string) => {
    try { await post(`scheduling/waitlist/${id}/cancel`); void message.success(t('sched.waitlistLeft')); waitlist.reload(); } catch (e) { report(e); }
  };

  return (
    <div className="yl-narrow">
      <PageHeader title={t('nav.myAppointments')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/scheduling/book')}>{t('sched.bookNew')}</Button>} />
      <Segmented block value={tab} onChange={setTab} style={{ marginBottom: 12 }}
        options={[{ value: 'upcoming', label: `${t('sched.upcoming')} ${upcoming.length || ''}` }, { value: 'past', label: t('sched.past') }]} />
      <Spin spinning={loading}>
        <div className="yl-card-list">
          {list.map((a) => <AppointmentCard key={a.id} a={a} actions={buttons(a, 'middle')} onOpen={() => setOpen(a)} />)}
          {!loading && !list.length && (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={tab === 'upcoming' ? t('sched.noUpcoming') : t('sched.noPast')}>
              {tab === 'upcoming' && <Button type="primary" onClick={() => navigate('/scheduling/book')}>{t('sched.bookNew')}</Button>}
            </Empty>
          )}
        </div>
      </Spin>
      {!!waitlist.data?.items.length && (
        <Card size="small" title={t('sched.myWaitlist')} style={{ marginTop: 16 }}>
          {waitlist.data.items.map((w) => (
            <div key={w.id} style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8, padding: '6px 0' }}>
              <span>
                {w.resourceName ?? t('sched.waitlistEntry')}
                <div className="yl-muted" style={{ fontSize: 12 }}>
                  {w.earliest || w.latest ? `${w.earliest ? dayjs(w.earliest).format('MM-DD') : '…'} ~ ${w.latest ? dayjs(w.latest).format('MM-DD') : '…'}` : t('sched.anyTime')}
                  {' · '}{t('sched.waitingSince', { time: dayjs(w.createdAt).format('MM-DD HH:mm') })}
                </div>
              </span>
              <Button size="small" onClick={() => void leave(w.id)}>{t('sched.leaveWaitlist')}</Button>
            </div>
          ))}
        </Card>
      )}
      <AppointmentDrawer appointment={open} version={version} onClose={() => setOpen(null)} actions={(a) => buttons(a, 'middle')} />
      <RescheduleModal appointment={moving} onClose={() => setMoving(null)} onDone={() => { setMoving(null); changed(); }} />
    </div>
  );
}
