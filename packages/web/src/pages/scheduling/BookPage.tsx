/**
 * 预约挂号 (patient, phone first): institution → clinic or exam → a day with free places → a time → confirm for oneself.
 * Only what the patient may book now is offered (`status=free` applies the release and quota rules).
 */
import { CheckCircleFilled, LeftOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Input, Result, Segmented, Select, Spin, Typography } from 'antd';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useAuth, useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { useApiData } from '../../hooks';
import type { Page } from '../../api';
import type { Institution } from '../../types';
import { BookingDialog } from './BookingDialog';
import { dayStart, hhmm, type Appointment, type Resource, type Slot } from './model';
import { useResources } from './ResourceSelect';
import { SlotChip } from './SlotGrid';
import { WaitlistDialog } from './WaitlistDialog';

const DAYS_AHEAD = 14;

export default function BookPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [kind, setKind] = useState<'doctor' | 'exam'>('doctor');
  const [institutionId, setInstitutionId] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [resource, setResource] = useState<Resource | null>(null);
  const [day, setDay] = useState<string | null>(null);
  const [picked, setPicked] = useState<Slot | null>(null);
  const [waitOpen, setWaitOpen] = useState(false);
  const [booked, setBooked] = useState<{ a: Appointment; slot: Slot } | null>(null);

  const { data: resData, loading: resLoading } = useResources(null);
  // Staff testing the flow may read the directory; patients get names from the resources themselves.
  const { data: instData } = useApiData<Page<Institution>>(can('directory.read') ? 'institutions' : null, { limit: 500 });
  const instName = (id: string, r?: Resource) => r?.institutionName ?? instData?.items.find((i) => i.id === id)?.name;
  const resources = (resData?.items ?? []).filter((r) => r.kind === kind);
  const institutions = [...new Map(resources.map((r) => [r.institutionId, instName(r.institutionId, r)])).entries()]
    .filter((e): e is [string, string] => !!e[1]);
  const shown = resources.filter((r) => (!institutionId || r.institutionId === institutionId) && (!q || r.name.includes(q.trim())));

  const from = useMemo(() => dayjs().startOf('day'), []);
  const { data: slotData, loading: slotsLoading, reload } = useApiData<{ items: Slot[] }>(resource ? 'scheduling/slots' : null,
    { resourceId: resource?.id, status: 'free', from: dayStart(from), to: dayStart(from.add(DAYS_AHEAD, 'day')), limit: 500 });
  const byDay = new Map<string, Slot[]>();
  for (const s of slotData?.items ?? []) { const k = dayjs(s.startsAt).format('YYYY-MM-DD'); byDay.set(k, [...(byDay.get(k) ?? []), s]); }
  const firstDay = [...byDay.keys()].sort()[0] ?? null;
  const activeDay = day && byDay.has(day) ? day : firstDay;

  if (!me.patientId) return <div><PageHeader title={t('nav.book')} /><Result status="info" title={t('patient.noOwnRecord')} /></div>;
  const self = { value: me.patientId, label: me.displayName };

  if (booked) {
    return (
      <div className="yl-narrow">
        <Result status="success" icon={<CheckCircleFilled />} title={t('sched.bookedTitle')}
          subTitle={`${resource?.name ?? ''} · ${dayjs(booked.slot.startsAt).format('YYYY-MM-DD dddd')} ${hhmm(booked.slot.startsAt)}`}
          extra={[
            <Button type="primary" key="mine" onClick={() => navigate('/scheduling/mine')}>{t('nav.myAppointments')}</Button>,
            <Button key="again" onClick={() => { setBooked(null); setResource(null); }}>{t('sched.bookAnother')}</Button>,
          ]} />
      </div>
    );
  }

  return (
    <div className="yl-narrow">
      <PageHeader title={t('nav.book')} subtitle={t('sched.bookFor', { name: me.displayName })} />
      {!resource ? (
        <>
          <Segmented<'doctor' | 'exam'> block value={kind} onChange={(k) => { setKind(k); setInstitutionId(undefined); }} style={{ marginBottom: 12 }}
            options={[{ value: 'doctor', label: t('sched.kindPlural.doctor') }, { value: 'exam', label: t('sched.kindPlural.exam') }]} />
          <div style={{ display: 'flex', gap: 8, marginBottom: 12, flexWrap: 'wrap' }}>
            {institutions.length > 1 && (
              <Select allowClear style={{ flex: '1 1 200px' }} placeholder={t('sched.allInstitutions')} value={institutionId} onChange={setInstitutionId}
                options={institutions.map(([value, label]) => ({ value, label }))} />
            )}
            <Input.Search allowClear style={{ flex: '1 1 160px' }} placeholder={t('sched.searchResource')} onChange={(e) => setQ(e.target.value)} />
          </div>
          <Spin spinning={resLoading}>
            <div className="yl-card-list">
              {shown.map((r) => (
                <Card key={r.id} size="small" hoverable onClick={() => { setResource(r); setDay(null); }}>
                  <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'center' }}>
                    <div style={{ minWidth: 0 }}>
                      <Typography.Text strong>{r.name}</Typography.Text>
                      <div className="yl-muted" style={{ fontSize: 13 }}>{[instName(r.institutionId, r), r.departmentName].filter(Boolean).join(' · ')}</div>
                    </div>
                    <Button type="link">{t('sched.chooseTime')}</Button>
                  </div>
                </Card>
              ))}
              {!resLoading && !shown.length && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('sched.noResources')} />}
            </div>
          </Spin>
        </>
      ) : (
        <Card size="small"
          title={<span><Button type="text" size="small" icon={<LeftOutlined />} aria-label={t('common.back')} onClick={() => setResource(null)} /> {resource.name}</span>}>
          <div className="yl-muted" style={{ fontSize: 13, marginBottom: 8 }}>{t('sched.pickDay')}</div>
          <div className="yl-date-strip" role="listbox" aria-label={t('sched.pickDay')}>
            {Array.from({ length: DAYS_AHEAD }, (_, i) => from.add(i, 'day')).map((d, i) => {
              const k = d.format('YYYY-MM-DD');
              const n = byDay.get(k)?.length ?? 0;
              return (
                <button key={k} type="button" role="option" aria-selected={k === activeDay} className={`yl-date-chip${k === activeDay ? ' active' : ''}`}
                  disabled={!n} onClick={() => setDay(k)}>
                  <div className="w">{i === 0 ? t('sched.today') : d.format('ddd')}</div>
                  <div className="d">{d.format('D')}</div>
                  <div className="n">{n ? t('sched.nFree', { count: n }) : t('sched.full')}</div>
                </button>
              );
            })}
          </div>
          <div style={{ marginTop: 12 }}>
            {slotsLoading ? <div className="yl-center"><Spin /></div> : activeDay ? (
              <>
                <div className="yl-muted" style={{ fontSize: 13, marginBottom: 8 }}>{t('sched.pickTime', { day: dayjs(activeDay).format('MM-DD dddd') })}</div>
                <div className="yl-day-slots wrap">
                  {byDay.get(activeDay)!.map((s) => <SlotChip key={s.id} s={s} bookable onPick={setPicked} />)}
                </div>
              </>
            ) : (
              <Alert type="warning" showIcon title={t('sched.nothingFreeTwoWeeks')}
                action={<Button size="small" type="primary" onClick={() => setWaitOpen(true)}>{t('sched.joinWaitlist')}</Button>} />
            )}
          </div>
        </Card>
      )}
      <BookingDialog slot={picked} resource={resource ?? undefined} selfPatient={self} onClose={() => setPicked(null)} onStale={reload}
        onBooked={(a) => { if (picked) setBooked({ a, slot: picked }); setPicked(null); }} />
      <WaitlistDialog open={waitOpen} resource={resource ?? undefined} selfPatient={self} onClose={() => setWaitOpen(false)} />
    </div>
  );
}
