/** Slots of one resource as day columns of coloured chips: status (free / busy / blocked) and pool (public / primary / referral). */
import { Empty, Tooltip } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { fmtTime } from '../../format';
import { hhmm, type Slot } from './model';

/** Why a free slot cannot be booked by this user now. */
function blockedBy(s: Slot, now: number): 'past' | 'notOpen' | 'reserved' | null {
  if (Date.parse(s.startsAt) <= now) return 'past';
  if (Date.parse(s.opensAt) > now) return 'notOpen';
  return 'reserved';
}

export function SlotChip({ s, bookable, onPick }: { s: Slot; bookable: boolean; onPick?: (s: Slot) => void }) {
  const { t } = useTranslation();
  const now = Date.now();
  const past = Date.parse(s.startsAt) <= now;
  // A reserved place not booked in time belongs to everyone again: no reserve edge.
  const returned = s.pool !== 'public' && !!s.primaryReturnsAt && Date.parse(s.primaryReturnsAt) <= now;
  const why = s.status === 'free' && !bookable ? blockedBy(s, now) : null;
  const state = s.status === 'free'
    ? bookable ? t('sched.slot.bookable') : why === 'notOpen' ? t('sched.slot.notOpen') : why === 'past' ? t('sched.slot.past') : t('sched.slot.reserved')
    : t(`sched.slotStatus.${s.status}`);
  const tip = (
    <div style={{ fontSize: 12 }}>
      <div>{fmtTime(s.startsAt).slice(0, 16)}–{hhmm(s.endsAt)} · {t(`sched.category.${s.category}`)}</div>
      <div>{t('sched.pool.label')}：{t(`sched.pool.${s.pool}`)}{returned ? `（${t('sched.returned')}）` : ''} · {t(`sched.slotStatus.${s.status}`)}</div>
      <div>{t('sched.opensAt')}：{fmtTime(s.opensAt).slice(0, 16)}</div>
      {s.primaryReturnsAt && <div>{t('sched.returnsAt')}：{fmtTime(s.primaryReturnsAt).slice(0, 16)}</div>}
    </div>
  );
  const cls = ['yl-slot', s.status, bookable ? 'bookable' : '', past ? 'past' : '', returned ? '' : `pool-${s.pool}`].join(' ');
  return (
    <Tooltip title={tip} mouseEnterDelay={0.3}>
      <button type="button" className={cls} disabled={!bookable} data-slot={s.id} aria-label={`${hhmm(s.startsAt)} ${state}`}
        onClick={bookable && onPick ? () => onPick(s) : undefined}>
        <span className="t">{hhmm(s.startsAt)}</span>
        <span className="s">{state}</span>
      </button>
    </Tooltip>
  );
}

export function SlotLegend() {
  const { t } = useTranslation();
  const item = (cls: string, text: string) => <span><span className={`yl-slot ${cls}`} />{text}</span>;
  return (
    <div className="yl-legend">
      {item('free bookable', t('sched.slot.bookable'))}
      {item('free', t('sched.slot.freeOther'))}
      {item('busy', t('sched.slotStatus.busy'))}
      {item('blocked', t('sched.slotStatus.blocked'))}
      <span><span className="yl-pool-dot" style={{ background: '#fa8c16' }} />{t('sched.pool.primary')}</span>
      <span><span className="yl-pool-dot" style={{ background: '#722ed1' }} />{t('sched.pool.referral')}</span>
    </div>
  );
}

interface Props {
  days: Dayjs[];
  slots: Slot[];
  bookable: Set<string>;
  onPick?: (s: Slot) => void;
  /** Days one under another (phones, or a single day). */
  stacked?: boolean;
}

export function SlotGrid({ days, slots, bookable, onPick, stacked }: Props) {
  const { t } = useTranslation();
  const byDay = new Map<string, Slot[]>();
  for (const s of slots) {
    const k = dayjs(s.startsAt).format('YYYY-MM-DD');
    byDay.set(k, [...(byDay.get(k) ?? []), s]);
  }
  const today = dayjs().format('YYYY-MM-DD');
  if (!slots.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('sched.noSlots')} />;
  return (
    <div className={`yl-week${stacked || days.length === 1 ? ' stacked' : ''}`}>
      {days.map((d) => {
        const k = d.format('YYYY-MM-DD');
        const list = byDay.get(k) ?? [];
        const open = list.filter((s) => bookable.has(s.id)).length;
        return (
          <div key={k} className="yl-day">
            <div className={`yl-day-head${k === today ? ' today' : ''}`}>
              <span>{d.format('MM-DD ddd')}</span>
              {list.length > 0 && <span className="yl-day-count">{open}/{list.length}</span>}
            </div>
            <div className="yl-day-slots">
              {list.map((s) => <SlotChip key={s.id} s={s} bookable={bookable.has(s.id)} onPick={onPick} />)}
              {!list.length && <span className="yl-muted" style={{ fontSize: 12, padding: '0 6px' }}>{t('sched.noSlotsDay')}</span>}
            </div>
          </div>
        );
      })}
    </div>
  );
}
