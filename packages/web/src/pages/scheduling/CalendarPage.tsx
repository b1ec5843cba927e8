/**
 * 号源日历: the slots of one resource by day or week, coloured by status and pool; a bookable slot opens the booking
 * dialog, and when nothing is bookable the patient can be put on the waitlist (候补).
 * The choice lives in the URL (?institutionId&resourceId&date&view) so links can open it; the patient one came from
 * (a patient record's 预约 button) arrives in the page state.
 */
import { ClockCircleOutlined, LeftOutlined, ReloadOutlined, RightOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, DatePicker, Row, Segmented, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api';
import { useAuth, useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useIsMobile } from '../../hooks';
import { BookingDialog, type PatientOption } from './BookingDialog';
import { loadSlots, type Slot } from './model';
import { ResourceSelect, useResources } from './ResourceSelect';
import { SlotGrid, SlotLegend } from './SlotGrid';
import { WaitlistDialog } from './WaitlistDialog';

type View = 'day' | 'week';

/**
 * The slots of a resource over [from, to) and which of them this user may book now (`status=free` applies the
 * release and quota rules for the caller; staff of the slot's institution also get the referral pool).
 */
export function useSlots(resourceId: string | undefined, from: Dayjs, to: Dayjs, greenChannel: boolean) {
  const [slots, setSlots] = useState<Slot[] | undefined>();
  const [bookable, setBookable] = useState<Set<string>>(new Set());
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const fromKey = from.valueOf(), toKey = to.valueOf();
  useEffect(() => {
    if (!resourceId) { setSlots(undefined); return; }
    let live = true;
    setLoading(true);
    const free = greenChannel
      // A server without the green-channel filter refuses the unknown parameter: ask again without it.
      ? loadSlots(resourceId, from, to, 'free', { greenChannel: true }).catch(() => loadSlots(resourceId, from, to, 'free'))
      : loadSlots(resourceId, from, to, 'free');
    Promise.all([loadSlots(resourceId, from, to), free])
      .then(([all, open]) => { if (live) { setSlots(all.items); setBookable(new Set(open.items.map((s) => s.id))); setError(null); } })
      .catch((e: unknown) => { if (live) setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e), String(e))); })
      .finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
    // from/to are compared by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [resourceId, fromKey, toKey, greenChannel, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { slots, bookable, error, loading, reload };
}

export default function CalendarPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const [params, setParams] = useSearchParams();
  const institutionId = params.get('institutionId') ?? me.role.institutionId ?? undefined;
  const resourceId = params.get('resourceId') ?? undefined;
  const view: View = (params.get('view') as View | null) ?? (mobile ? 'day' : 'week');
  const date = params.get('date') ? dayjs(params.get('date')) : dayjs();
  const fromRecord = (useLocation().state as { patient?: PatientOption } | null)?.patient;
  const [lastPatient, setLastPatient] = useState<PatientOption | undefined>(fromRecord);
  const [picked, setPicked] = useState<Slot | null>(null);
  const [waitlistOpen, setWaitlistOpen] = useState(false);

  const set = (next: Record<string, string | undefined>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) if (v) p.set(k, v); else p.delete(k);
    setParams(p, { replace: true });
  };

  const { data: resData, loading: resLoading } = useResources(institutionId, !!institutionId);
  const resources = resData?.items;
  const resource = resources?.find((r) => r.id === resourceId);
  // One resource only: take it.
  useEffect(() => {
    if (!resourceId && resources?.length === 1) set({ resourceId: resources[0]!.id });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [resources, resourceId]);

  const from = view === 'day' ? date.startOf('day') : date.startOf('day').subtract((date.day() + 6) % 7, 'day');
  const days = useMemo(() => Array.from({ length: view === 'day' ? 1 : 7 }, (_, i) => from.add(i, 'day')), [from.valueOf(), view]); // eslint-disable-line react-hooks/exhaustive-deps
  const to = from.add(days.length, 'day');
  const ownInstitution = !!resource && resource.institutionId === me.role.institutionId;
  const { slots, bookable, error, loading, reload } = useSlots(resourceId, from, to, ownInstitution);
  const canBook = can('appointment.book');
  const bookableCount = bookable.size;

  const shift = (n: number) => set({ date: date.add(n * days.length, 'day').format('YYYY-MM-DD') });
  const nextOpen = slots?.filter((s) => s.status === 'free' && Date.parse(s.opensAt) > Date.now()).sort((a, b) => a.opensAt.localeCompare(b.opensAt))[0];

  return (
    <div>
      <PageHeader title={t('nav.schedCalendar')} subtitle={lastPatient ? t('sched.bookingFor', { name: lastPatient.label }) : !mobile && t('sched.calendarSubtitle')}
        extra={<Link to="/scheduling/appointments"><Button>{t('nav.schedAppointments')}</Button></Link>} />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Row gutter={[8, 8]}>
          <Col xs={24} md={12} xl={7}>
            <InstitutionSelect style={{ width: '100%' }} value={institutionId}
              known={institutionId && me.role.institutionId === institutionId && me.role.institutionName ? [{ value: institutionId, label: me.role.institutionName }] : []}
              onChange={(v) => set({ institutionId: v as string | undefined, resourceId: undefined })} />
          </Col>
          <Col xs={24} md={12} xl={7}>
            <ResourceSelect style={{ width: '100%' }} resources={resources} loading={resLoading} value={resource ? resourceId : undefined}
              disabled={!institutionId} onChange={(v) => set({ resourceId: v })}
              notFoundContent={<span className="yl-muted">{t('sched.noResources')}</span>} />
          </Col>
          <Col xs={24} xl={10}>
            <Space wrap size={6}>
              <Segmented<View> value={view} onChange={(v) => set({ view: v })}
                options={[{ value: 'day', label: t('sched.day') }, { value: 'week', label: t('sched.week') }]} />
              <Button icon={<LeftOutlined />} aria-label={t('sched.prev')} onClick={() => shift(-1)} />
              <DatePicker value={date} allowClear={false} style={{ width: 128 }} onChange={(d) => set({ date: d?.format('YYYY-MM-DD') })} />
              <Button icon={<RightOutlined />} aria-label={t('sched.next')} onClick={() => shift(1)} />
              <Button onClick={() => set({ date: undefined })}>{t('sched.today')}</Button>
            </Space>
          </Col>
        </Row>
      </Card>
      {!resourceId ? (
        <Alert type="info" showIcon title={t(institutionId ? 'sched.pickResource' : 'sched.pickInstitution')} />
      ) : (
        <Card size="small" loading={loading && !slots}
          title={<span>{resource?.name} <Typography.Text type="secondary" style={{ fontSize: 13, fontWeight: 400 }}>
            {days[0]!.format('YYYY-MM-DD')}{days.length > 1 ? ` ~ ${days[days.length - 1]!.format('MM-DD')}` : ''}</Typography.Text></span>}
          extra={(
            <Space size={4}>
              {canBook && resource && (
                <Button size="small" type={slots && bookableCount === 0 ? 'primary' : 'default'} onClick={() => setWaitlistOpen(true)}>
                  {t('sched.joinWaitlist')}
                </Button>
              )}
              <Button size="small" icon={<ReloadOutlined />} aria-label={t('sched.refresh')} onClick={reload} loading={loading} />
            </Space>
          )}>
          {error && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={error.text(i18n.language)} />}
          <SlotLegend />
          {slots && bookableCount === 0 && slots.length > 0 && (
            <Alert type="warning" showIcon style={{ marginBottom: 12 }}
              title={nextOpen ? t('sched.nothingFreeOpens', { time: dayjs(nextOpen.opensAt).format('MM-DD HH:mm') }) : t('sched.nothingFree')}
              icon={<ClockCircleOutlined />} />
          )}
          <SlotGrid days={days} slots={slots ?? []} bookable={canBook ? bookable : new Set()} stacked={mobile}
            onPick={(s) => setPicked(s)} />
        </Card>
      )}
      <BookingDialog slot={picked} resource={resource} defaultPatient={lastPatient} onClose={() => setPicked(null)}
        onStale={reload} onBooked={(_, p) => { setPicked(null); if (p.label) setLastPatient(p); reload(); }} />
      <WaitlistDialog open={waitlistOpen} resource={resource} defaultPatient={lastPatient} onClose={() => setWaitlistOpen(false)} />
    </div>
  );
}
