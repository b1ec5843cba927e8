/** One appointment with its history (GET /appointments/:id): booked, checked in, cancelled, rescheduled … */
import { Alert, Descriptions, Drawer, Spin, Tag, Timeline } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { fmtTime } from '../../format';
import { useApiData, useIsMobile } from '../../hooks';
import { STATUS_COLORS, type Appointment, type AppointmentDetail } from './model';

export function AppointmentDrawer({ appointment, version, onClose, actions }: {
  appointment: Appointment | null; version: number; onClose: () => void; actions?: (a: Appointment) => ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const mobile = useIsMobile();
  const { data, error, loading } = useApiData<AppointmentDetail>(appointment ? `scheduling/appointments/${appointment.id}` : null, { v: version });
  const a = data && appointment && data.id === appointment.id ? { ...appointment, ...data } : appointment;
  const status = (s: string | null) => (s ? t(`sched.status.${s}`, { defaultValue: s }) : t('sched.created'));

  return (
    <Drawer open={!!appointment} onClose={onClose} title={t('sched.appointmentTitle')} size={mobile ? '100%' : 480} destroyOnHidden>
      {error && <Alert type="error" showIcon title={error.text(i18n.language)} style={{ marginBottom: 12 }} />}
      {a && (
        <>
          <Descriptions size="small" column={1} bordered items={[
            { key: 'p', label: t('sched.patient'), children: a.patientName ?? '—' },
            { key: 't', label: t('sched.visitTime'), children: a.startsAt ? `${dayjs(a.startsAt).format('YYYY-MM-DD dddd HH:mm')}${a.endsAt ? `–${dayjs(a.endsAt).format('HH:mm')}` : ''}` : '—' },
            { key: 'r', label: t('sched.resource'), children: a.resourceName ?? '—' },
            { key: 's', label: t('common.status'), children: <Tag color={STATUS_COLORS[a.status]}>{status(a.status)}</Tag> },
            { key: 'c', label: t('sched.channel'), children: t(`sched.channels.${a.channel}`, { defaultValue: a.channel }) },
            { key: 'why', label: t('sched.reason'), children: a.reason ?? '—' },
            { key: 'at', label: t('sched.bookedAt'), children: fmtTime(a.createdAt) },
          ]} />
          {actions && <div style={{ margin: '12px 0' }}>{actions(a)}</div>}
          <h4 style={{ margin: '16px 0 12px' }}>{t('sched.history')}</h4>
          {loading && !data ? <Spin /> : (
            <Timeline items={(data?.history ?? []).map((h, i) => ({
              key: i,
              color: h.to === 'cancelled' ? 'red' : h.to === 'no_show' ? 'orange' : h.to === 'completed' ? 'green' : 'blue',
              content: (
                <div>
                  <div>{h.from ? `${status(h.from)} → ` : ''}<b>{status(h.to)}</b></div>
                  <div className="yl-muted" style={{ fontSize: 12 }}>{fmtTime(h.at)}</div>
                  {h.note && <div style={{ fontSize: 13 }}>{h.note}</div>}
                </div>
              ),
            }))} />
          )}
        </>
      )}
    </Drawer>
  );
}
