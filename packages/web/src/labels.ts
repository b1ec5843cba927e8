/** Vocabulary labels from @yilian/core in the current language, and Select options built from them. */
import { useTranslation } from 'react-i18next';

export type LabelTable = Record<string, { zh: string; en: string }>;

export function useLabels() {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const pick = (l: { zh: string; en: string } | undefined) => (l ? (en ? l.en : l.zh) : undefined);
  return {
    en,
    /** The label of `key` in `table`, or the key itself when it is unknown (never an empty cell). */
    label: (table: LabelTable, key: string | null | undefined) => (key ? pick(table[key]) ?? key : ''),
    pick,
    options: (table: LabelTable) => Object.entries(table).map(([value, l]) => ({ value, label: en ? l.en : l.zh })),
  };
}
