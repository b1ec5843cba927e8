/** The resident ID input with a live check: how many digits so far, which part is wrong, or what it tells us. */
import { parseResidentId, type ResidentIdInfo } from '@yilian/core';
import { Form, Input } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export type IdState =
  | { kind: 'empty' }
  | { kind: 'typing'; length: number }
  | { kind: 'invalid'; zh: string; en: string }
  | { kind: 'valid'; info: ResidentIdInfo };

export function idState(raw: string | undefined): IdState {
  const v = (raw ?? '').trim();
  if (!v) return { kind: 'empty' };
  if (v.length < 18 && /^\d*$/.test(v)) return { kind: 'typing', length: v.length };
  if (v.length === 17 && /^\d{17}$/.test(v)) return { kind: 'typing', length: 17 };
  const r = parseResidentId(v);
  return r.ok ? { kind: 'valid', info: r.value } : { kind: 'invalid', zh: r.zh, en: r.en };
}

/**
 * `strict`: the form was submitted, so an unfinished number is now an error rather than progress.
 * `autoFocus`: the number is what one types first (new record); off when editing, where it usually stays as it is.
 * `error`: what the server said about the number (already on file …), shown until the number is changed.
 */
export function ResidentIdField({ state, strict = false, autoFocus = true, error }: {
  state: IdState; strict?: boolean; autoFocus?: boolean; error?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  const status = error || state.kind === 'invalid' || (strict && state.kind === 'typing') ? 'error' : state.kind === 'valid' ? 'success' : undefined;
  const help = error ? error
    : state.kind === 'typing' ? t('patient.idTyping', { n: state.length })
    : state.kind === 'invalid' ? (en ? state.en : state.zh)
    : state.kind === 'valid' ? t('patient.idValid', { birthDate: state.info.birthDate, sex: t(`common.${state.info.sex}`), area: state.info.areaCode })
    : t('patient.idHelp');
  return (
    <Form.Item
      name="residentId"
      label={t('patient.residentId')}
      validateStatus={status}
      hasFeedback={!!error || state.kind === 'valid' || state.kind === 'invalid'}
      help={help}
      rules={[{ validator: async (_r, v: string | undefined) => {
        const s = idState(v);
        if (s.kind === 'invalid') throw new Error(en ? s.en : s.zh);
        if (s.kind === 'typing') throw new Error(t('patient.idTyping', { n: s.length }));
      } }]}
      normalize={(v: string) => v.toUpperCase().replace(/\s/g, '')}
    >
      <Input size="large" maxLength={18} className="yl-mono" autoFocus={autoFocus} autoComplete="off" placeholder={t('patient.idPlaceholder')} />
    </Form.Item>
  );
}
