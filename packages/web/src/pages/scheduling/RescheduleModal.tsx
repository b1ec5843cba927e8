/**
 * 改约: the server's rebooking offers for an appointment (same resource first, then same department and category);
 * where that endpoint is not there yet, the free slots of the same resource in the next two weeks.
 */
import { Alert, App, Empty, Input, Modal, Spin } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { asPage, post, type Page } from '../../api';
import { useErrorReporter } from '../../hooks';
import { getOptional, hhmm, loadSlots, type Appointment, type Slot } from './model';
import { SlotChip } from './SlotGrid';

type Offer = Slot & { resourceName?: string };

export function RescheduleModal({ appointment, onClose, onDone }: { appointment: Appointment | null; onClose: () => void; onDone: (a: Appointment) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [offers, setOffers] = useState<Offer[] | undefined>();
  const [picked, setPicked] = useState<Offer | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setOffers(undefined); setPicked(null); setNote('');
    if (!appointment) return;
    let live = true;
    (async () => {
      const alt = await getOptional<Page<Offer> | Offer[]>(`scheduling/appointments/${appointment.id}/alternatives`);
      if (alt) return asPage(alt).items;
      if (!appointment.resourceId) return [];
      const from = dayjs().startOf('day');
      return (await loadSlots(appointment.resourceId, from, from.add(15, 'day'), 'free')).items.filter((s) => s.id !== appointment.slotId);
    })().then((o) => { if (live) setOffers(o); }).catch((e: unknown) => { if (live) { setOffers([]); report(e); } });
    return () => { live = false; };
  }, [appointment, report]);

  const save = async () => {
    if (!appointment || !picked) return;
    setBusy(true);
    try {
      const a = await post<Appointment>(`scheduling/appointments/${appointment.id}/reschedule`, { slotId: picked.id, ...(note.trim() ? { note: note.trim() } : {}) });
      void message.success(t('sched.rescheduled', { time: `${dayjs(picked.startsAt).format('MM-DD')} ${hhmm(picked.startsAt)}` }));
      onDone(a);
    } catch (e) { report(e); } finally { setBusy(false); }
  };

  const byDay = new Map<string, Offer[]>();
  for (const s of offers ?? []) { const k = dayjs(s.startsAt).format('YYYY-MM-DD dd'); byDay.set(k, [...(byDay.get(k) ?? []), s]); }

  return (
    <Modal open={!!appointment} title={t('sched.rescheduleTitle')} onCancel={onClose} onOk={save} okButtonProps={{ disabled: !picked }}
      confirmLoading={busy} okText={t('sched.confirmReschedule')} destroyOnHidden>
      {appointment?.startsAt && (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('sched.currentVisit', {
          time: `${dayjs(appointment.startsAt).format('YYYY-MM-DD HH:mm')}`, name: appointment.resourceName ?? '',
        })} />
      )}
      {offers === undefined ? <div className="yl-center"><Spin /></div> : !offers.length ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('sched.noAlternatives')} />
      ) : (
        <div style={{ maxHeight: 320, overflowY: 'auto', marginBottom: 12 }}>
          {[...byDay].map(([day, list]) => (
            <div key={day} style={{ marginBottom: 10 }}>
              <div className="yl-muted" style={{ fontSize: 12, marginBottom: 4 }}>{day}</div>
              <div className="yl-day-slots wrap">
                {list.map((s) => (
                  <span key={s.id} style={{ outline: picked?.id === s.id ? '2px solid #0f6fbf' : undefined, borderRadius: 7 }}>
                    <SlotChip s={{ ...s, status: 'free' }} bookable onPick={setPicked} />
                    {s.resourceName && s.resourceName !== appointment?.resourceName && <div className="yl-muted" style={{ fontSize: 11 }}>{s.resourceName}</div>}
                  </span>
                ))}
              </div>
            </div>
          ))}
        </div>
      )}
      <Input placeholder={t('sched.noteOptional')} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
    </Modal>
  );
}
