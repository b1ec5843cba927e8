/** Directory label helpers: 三级甲等, 主任医师 · 心内科 … in the current language. */
import { INSTITUTION_GRADES, INSTITUTION_LEVELS } from '@yilian/core';
import type { useLabels } from '../../labels';

type Labels = ReturnType<typeof useLabels>;

export const levelText = (l: Labels, level: string, grade?: string | null) =>
  level === '0' || !grade ? l.label(INSTITUTION_LEVELS, level) : `${l.label(INSTITUTION_LEVELS, level)}${l.en ? ' ' : ''}${l.label(INSTITUTION_GRADES, grade)}`;
