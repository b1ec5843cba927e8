/** The little tags every consultation page shows: state, kind, and the answer clock (due in / overdue by). */
import { CONSULTATION_KIND_LABELS, CONSULTATION_MATERIAL_LABELS, CONSULTATION_STATE_LABELS } from '@yilian/core';
import { Tag, Tooltip } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { asPage, type Page } from '../../api';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import type { Institution } from '../../types';
import { isFinal, isOverdue, KIND_COLORS, STATE_COLORS, type Consultation } from './model';

export const fmt = (v?: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');

export function StateTag({ c }: { c: Pick<Consultation, 'status'> }) {
  const { label } = useLabels();
  return <Tag color={STATE_COLORS[c.status]} style={{ marginInlineEnd: 4 }}>{label(CONSULTATION_STATE_LABELS, c.status)}</Tag>;
}

export function KindTag({ c }: { c: Pick<Consultation, 'kind' | 'materialType'> }) {
  const { label } = useLabels();
  return (
    <Tag color={KIND_COLORS[c.kind]} style={{ marginInlineEnd: 4 }}>
      {/* 资料会诊 · 影像: the kind's list of material types gives way to the one it is. */}
      {c.kind === 'material' && c.materialType
        ? `${label(CONSULTATION_KIND_LABELS, c.kind).replace(/（.*）|\s*\(.*\)/, '')} · ${label(CONSULTATION_MATERIAL_LABELS, c.materialType)}`
        : label(CONSULTATION_KIND_LABELS, c.kind)}
    </Tag>
  );
}

/** "2 小时" / "3 天" for a span of minutes. */
export function useSpan() {
  const { t } = useTranslation();
  return (minutes: number) => {
    const m = Math.max(0, Math.round(Math.abs(minutes)));
    if (m < 120) return t('consultation.minutes', { n: m });
    if (m < 48 * 60) return t('consultation.hours', { n: Math.round(m / 60) });
    return t('consultation.days', { n: Math.round(m / 1440) });
  };
}

/** The answer clock: red when past `dueAt`, otherwise the time left (only while the centre still owes the answer). */
export function DueTag({ c }: { c: Pick<Consultation, 'overdue' | 'dueAt' | 'answeredAt' | 'status'> }) {
  const { t } = useTranslation();
  const span = useSpan();
  if (!c.dueAt || c.answeredAt || isFinal(c.status) || c.status === 'answered') return null;
  const left = (Date.parse(c.dueAt) - Date.now()) / 60_000;
  const late = isOverdue(c);
  return (
    <Tooltip title={`${t('consultation.dueAt')} ${fmt(c.dueAt)}`}>
      <Tag color={late ? 'red' : left < 60 ? 'orange' : 'default'} style={{ marginInlineEnd: 4 }}>
        {late ? t('consultation.overdueBy', { time: span(left) }) : t('consultation.dueIn', { time: span(left) })}
      </Tag>
    </Tooltip>
  );
}

/** Institution names by id (lists and opinions carry ids only): the directory's active institutions, loaded once. */
export function useInstitutionNames() {
  const { data } = useApiData<Page<Institution>>('institutions', { limit: 500 });
  const names = new Map(asPage(data).items.map((i) => [i.id, i.name]));
  return (id?: string | null, known?: string | null) => known ?? (id ? names.get(id) ?? '' : '');
}
