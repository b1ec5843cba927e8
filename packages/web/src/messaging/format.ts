/** How times, sizes and message previews read in the message centre. */
import dayjs from 'dayjs';
import i18n, { type TFunction } from 'i18next';
import type { ChatMessage } from './types';

/** In a list: 14:30 today, 昨天 / Yesterday, 03-05 this year, 2025-03-05 before. */
export function listTime(iso: string | null | undefined, t: TFunction): string {
  if (!iso) return '';
  const d = dayjs(iso);
  const now = dayjs();
  if (d.isSame(now, 'day')) return d.format('HH:mm');
  if (d.isSame(now.subtract(1, 'day'), 'day')) return t('messages.yesterday');
  if (d.isSame(now, 'year')) return d.format('MM-DD');
  return d.format('YYYY-MM-DD');
}

/** A day divider in a conversation: 今天 / 昨天 / 2026-03-05. */
export function dayLabel(iso: string, t: TFunction): string {
  const d = dayjs(iso);
  const now = dayjs();
  if (d.isSame(now, 'day')) return t('messages.today');
  if (d.isSame(now.subtract(1, 'day'), 'day')) return t('messages.yesterday');
  return d.format('YYYY-MM-DD');
}

export const clockTime = (iso: string) => dayjs(iso).format('HH:mm');

export function fileSize(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** One line standing for a message: its text, or [图片] / [语音] / [文件] name. */
/** A workflow's line (kind `system`): its body is `{"zh":…,"en":…}`; the reader's language, else the text as stored. */
export function systemText(body: string | null, language: string): string {
  if (!body?.startsWith('{')) return body ?? '';
  try {
    const b = JSON.parse(body) as { zh?: string; en?: string };
    return (language.startsWith('en') ? b.en : b.zh) ?? b.zh ?? body;
  } catch { return body; }
}

export function preview(m: ChatMessage | null, t: TFunction): string {
  if (!m) return '';
  switch (m.kind) {
    case 'system': return systemText(m.body, i18n.language);
    case 'image': return t('messages.previewImage');
    case 'voice': return t('messages.previewVoice');
    case 'file': return `${t('messages.previewFile')} ${m.file?.name ?? m.body ?? ''}`.trim();
    default: return (m.body ?? '').replace(/\s+/g, ' ');
  }
}

export const fileUrl = (id: string) => `/api/v1/files/${encodeURIComponent(id)}`;

/** 患者 / 会诊 / 转诊 … for a case thread's kind of case. */
export const caseTypeText = (t: TFunction, caseType: string | null) =>
  t(`messages.caseType.${caseType ?? 'other'}`, { defaultValue: t('messages.caseType.other') });
