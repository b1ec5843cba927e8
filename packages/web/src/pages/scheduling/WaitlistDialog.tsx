/** 候补: put a patient on the waitlist of a resource; the first slot freed within the window is booked for them. */
import { Alert, App, DatePicker, Form, Input, Modal } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { PatientSelect } from '../../components/RemoteSelect';
import { useErrorReporter } from '../../hooks';
import { usePatientDescriber, type PatientOption } from './BookingDialog';
import type { Resource } from './model';

interface Values { patientId: string; window?: [Dayjs | null, Dayjs | null] | null }

export function WaitlistDialog({ open, resource, selfPatient, defaultPatient, onClose }: {
  open: boolean; resource: Resource | undefined; selfPatient?: PatientOption; defaultPatient?: PatientOption; onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const describe = usePatientDescriber();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);

  const submit = async (v: Values) => {
    if (!resource) return;
    setBusy(true);
    try {
      await post('scheduling/waitlist', {
        resourceId: resource.id, patientId: selfPatient?.value ?? v.patientId,
        earliest: v.window?.[0]?.startOf('day').format() ?? null, latest: v.window?.[1]?.endOf('day').format() ?? null,
      });
      void message.success(t('sched.waitlistJoined'));
      onClose();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Modal open={open} title={t('sched.waitlistTitle', { name: resource?.name ?? '' })} onCancel={onClose} onOk={() => form.submit()}
      confirmLoading={busy} okText={t('sched.joinWaitlist')} destroyOnHidden>
      <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('sched.waitlistHint')} />
      <Form form={form} layout="vertical" onFinish={submit} preserve={false} initialValues={{ patientId: defaultPatient?.value }}>
        {selfPatient
          ? <Form.Item label={t('sched.patient')}><Input value={selfPatient.label} disabled /></Form.Item>
          : (
            <Form.Item name="patientId" label={t('sched.patient')} rules={[{ required: true, message: t('sched.patientRequired') }]}>
              <PatientSelect describe={describe} known={defaultPatient ? [defaultPatient] : []} placeholder={t('patient.searchPlaceholder')} />
            </Form.Item>
          )}
        <Form.Item name="window" label={t('sched.waitlistWindow')} extra={t('sched.waitlistWindowHelp')}>
          <DatePicker.RangePicker style={{ width: '100%' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
