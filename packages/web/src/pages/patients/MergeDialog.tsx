/** Merge two records of one person: choose which survives, give a reason, confirm. Undoable from the history. */
import { Alert, Form, Input, Modal, Radio, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useErrorReporter } from '../../hooks';
import type { PatientSummary } from '../../types';
import { ageText, sexText } from './format';

export function MergeDialog({ open, a, b, onClose, onMerged }: {
  open: boolean; a: PatientSummary; b: PatientSummary | null; onClose: () => void; onMerged: (survivorId: string) => void;
}) {
  const { t } = useTranslation();
  const report = useErrorReporter();
  const [form] = Form.useForm<{ survivorId: string; reason: string }>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const survivorId = Form.useWatch('survivorId', form);
  if (!b) return null;

  const describe = (p: PatientSummary) => (
    <span>
      <Typography.Text strong>{p.name}</Typography.Text>{' '}
      <span className="yl-muted">{sexText(t, p.sex)} · {p.birthDate ?? ageText(t, p.age)} · <span className="yl-mono">{p.residentIdMasked ?? '—'}</span></span>
    </span>
  );

  const merge = async (v: { survivorId: string; reason: string }) => {
    if (!confirming) { setConfirming(true); return; }
    setBusy(true);
    const mergedId = v.survivorId === a.id ? b.id : a.id;
    try {
      await post('patients/merges', { survivorId: v.survivorId, mergedId, reason: v.reason.trim() });
      setConfirming(false);
      onMerged(v.survivorId);
    } catch (e) { report(e, form); setConfirming(false); } finally { setBusy(false); }
  };
  const survivor = survivorId === b.id ? b : a;
  const merged = survivor === a ? b : a;

  return (
    <Modal open={open} title={t('patient.mergeTitle')} onCancel={() => { setConfirming(false); onClose(); }} destroyOnHidden
      okText={confirming ? t('patient.confirmMerge') : t('patient.next')} okButtonProps={{ danger: confirming }} confirmLoading={busy}
      onOk={() => form.submit()}>
      <Form form={form} layout="vertical" onFinish={merge} initialValues={{ survivorId: a.id }}
        onValuesChange={() => setConfirming(false)}>
        <Form.Item name="survivorId" label={t('patient.chooseSurvivor')} extra={t('patient.survivorHelp')}>
          <Radio.Group>
            <Space orientation="vertical">
              <Radio value={a.id}>{describe(a)}</Radio>
              <Radio value={b.id}>{describe(b)}</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Form.Item name="reason" label={t('patient.mergeReason')} rules={[{ required: true, whitespace: true, message: t('patient.mergeReasonRequired') }]}>
          <Input.TextArea rows={3} maxLength={500} placeholder={t('patient.mergeReasonPlaceholder')} />
        </Form.Item>
      </Form>
      {confirming && (
        <Alert type="warning" showIcon title={t('patient.mergeConfirmText', { merged: merged.name, survivor: survivor.name })} />
      )}
    </Modal>
  );
}
