/** The buttons of an appointment (签到 / 完成 / 爽约 / 改约 / 取消), shown when its state and the user's role allow them. */
import { App, Button, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useAuth } from '../../auth';
import { useErrorReporter } from '../../hooks';
import { ACTIONS, type Appointment } from './model';

type Op = keyof typeof ACTIONS;

export function useAppointmentActions(onChanged: () => void, onReschedule: (a: Appointment) => void) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message, modal } = App.useApp();
  const report = useErrorReporter();
  const [busy, setBusy] = useState<string | null>(null);

  const allowed = (a: Appointment, op: Op) => {
    if (!ACTIONS[op].from.includes(a.status)) return false;
    if (op === 'cancel' || op === 'reschedule') return can('appointment.cancel');
    return can('appointment.attend', a.institutionId ?? null);
  };

  const run = async (a: Appointment, op: Op, note?: string) => {
    setBusy(`${a.id}:${op}`);
    try {
      await post(`scheduling/appointments/${a.id}/${ACTIONS[op].path}`, note ? { note } : {});
      void message.success(t(`sched.done.${op}`));
      onChanged();
    } catch (e) { report(e); onChanged(); } finally { setBusy(null); }
  };

  /** Cancelling and no-shows ask first (with an optional note); check-in and completion are one tap. */
  const confirm = (a: Appointment, op: 'cancel' | 'noShow') => {
    let note = '';
    modal.confirm({
      title: t(`sched.confirm.${op}`, { name: a.patientName ?? '' }),
      content: <Input.TextArea rows={2} maxLength={500} placeholder={t('sched.noteOptional')} onChange={(e) => { note = e.target.value; }} />,
      okText: t(`sched.op.${op}`), okButtonProps: { danger: op === 'cancel' }, cancelText: t('common.cancel'),
      onOk: () => run(a, op, note.trim() || undefined),
    });
  };

  const buttons = (a: Appointment, size: 'small' | 'middle' = 'small') => {
    const b = (op: Op, onClick: () => void, primary = false) => allowed(a, op) && (
      <Button key={op} size={size} type={primary ? 'primary' : 'default'} danger={op === 'cancel'} loading={busy === `${a.id}:${op}`}
        onClick={(e) => { e.stopPropagation(); onClick(); }}>{t(`sched.op.${op}`)}</Button>
    );
    const list = [
      b('checkIn', () => void run(a, 'checkIn'), true),
      b('complete', () => void run(a, 'complete'), true),
      b('noShow', () => confirm(a, 'noShow')),
      b('reschedule', () => onReschedule(a)),
      b('cancel', () => confirm(a, 'cancel')),
    ].filter(Boolean);
    return list.length ? <Space size={4} wrap>{list}</Space> : null;
  };

  return { buttons, allowed };
}
