/**
 * 预约 dialog: one free slot, a patient, a reason. One Idempotency-Key per opened dialog, so pressing 确认 again after
 * a lost answer never books twice; a slot taken meanwhile (409 slot_full) says so and refreshes the grid.
 */
import { Alert, App, Descriptions, Form, Input, Modal } from 'antd';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { useMe } from '../../auth';
import { PatientSelect } from '../../components/RemoteSelect';
import { useErrorReporter } from '../../hooks';
import type { PatientSummary } from '../../types';
import { ageText, sexText } from '../patients/format';
import { bookSlot, hhmm, newIdempotencyKey, type Appointment, type Resource, type Slot } from './model';

export interface PatientOption { value: string; label: string }

interface Props {
  slot: Slot | null;
  resource: Resource | undefined;
  /** Book for this patient without asking (the patient role books for itself). */
  selfPatient?: PatientOption;
  /** Who to offer first (the patient the user came from, or the last one booked). */
  defaultPatient?: PatientOption;
  onClose: () => void;
  onBooked: (a: Appointment, patient: PatientOption) => void;
  /** The slot was taken meanwhile: reload what the grid shows. */
  onStale: () => void;
}

export function usePatientDescriber() {
  const { t } = useTranslation();
  return (p: PatientSummary) => [p.name, sexText(t, p.sex), ageText(t, p.age), p.residentIdMasked ?? p.phoneMasked ?? ''].filter(Boolean).join(' · ');
}

export function BookingDialog(props: Props) {
  // Mounted per slot: the key and the form start afresh for each dialog.
  return props.slot ? <BookingForm key={props.slot.id} {...props} slot={props.slot} /> : null;
}

function BookingForm({ slot, resource, selfPatient, defaultPatient, onClose, onBooked, onStale }: Props & { slot: Slot }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const report = useErrorReporter();
  const describe = usePatientDescriber();
  const [form] = Form.useForm<{ patientId: string; reason?: string }>();
  const key = useMemo(newIdempotencyKey, []);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [known, setKnown] = useState<PatientOption[]>(defaultPatient ? [defaultPatient] : []);
  const ownSlot = !!resource && resource.institutionId === me.role.institutionId && me.role.role !== 'patient';

  const submit = async (v: { patientId: string; reason?: string }) => {
    const patientId = selfPatient?.value ?? v.patientId;
    setBusy(true);
    setFailure(null);
    try {
      const a = await bookSlot({ slotId: slot.id, patientId, reason: v.reason?.trim(), greenChannel: slot.pool === 'referral' }, key);
      const patient = selfPatient ?? known.find((o) => o.value === patientId) ?? { value: patientId, label: '' };
      void message.success(t('sched.booked', { time: `${dayjs(slot.startsAt).format('MM-DD')} ${hhmm(slot.startsAt)}` }));
      onBooked(a, patient);
    } catch (e) {
      if (e instanceof ApiError && ['slot_full', 'slot_blocked', 'slot_past', 'slot_not_open'].includes(e.code)) {
        void message.error(e.text(i18n.language));
        onStale();
        onClose();
      } else if (e instanceof ApiError && e.status === 0) {
        // Nothing is known about the booking: the same key makes a retry safe.
        setFailure(t('sched.retrySafe'));
      } else report(e, form);
    } finally { setBusy(false); }
  };

  return (
    <Modal open title={t('sched.bookTitle')} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy}
      okText={failure ? t('sched.retry') : t('sched.confirmBook')} destroyOnHidden width={520}>
      <Descriptions size="small" column={1} bordered style={{ marginBottom: 16 }} items={[
        { key: 'r', label: t('sched.resource'), children: resource?.name ?? '' },
        { key: 't', label: t('sched.visitTime'), children: `${dayjs(slot.startsAt).format('YYYY-MM-DD dddd')} ${hhmm(slot.startsAt)}–${hhmm(slot.endsAt)}` },
        { key: 'p', label: t('sched.pool.label'), children: `${t(`sched.pool.${slot.pool}`)} · ${t(`sched.category.${slot.category}`)}` },
      ]} />
      {slot.pool === 'referral' && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t(ownSlot ? 'sched.greenChannel' : 'sched.referralOnly')} />}
      {failure && <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={failure} />}
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ patientId: defaultPatient?.value }}>
        {selfPatient
          ? <Form.Item label={t('sched.patient')}><Input value={selfPatient.label} disabled /></Form.Item>
          : (
            <Form.Item name="patientId" label={t('sched.patient')} rules={[{ required: true, message: t('sched.patientRequired') }]}
              extra={t('sched.patientSearchHelp')}>
              <PatientSelect describe={describe} known={known} autoFocus={!defaultPatient} placeholder={t('patient.searchPlaceholder')}
                onSelect={(v: unknown, o?: unknown) => {
                  const opt = o as PatientOption | undefined;
                  if (typeof v === 'string' && opt?.label) setKnown((k) => [...k.filter((x) => x.value !== v), { value: v, label: String(opt.label) }]);
                }} />
            </Form.Item>
          )}
        <Form.Item name="reason" label={t('sched.reason')}>
          <Input.TextArea rows={2} maxLength={500} placeholder={t('sched.reasonPlaceholder')} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
