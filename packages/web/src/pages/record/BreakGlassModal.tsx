/** 紧急访问 (break-glass): a mandatory reason, a clear warning that the access is logged and reviewed. */
import { Alert, App, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useErrorReporter, useIsMobile } from '../../hooks';

export function BreakGlassModal({ patientId, open, onClose, onGranted }: {
  patientId: string; open: boolean; onClose: () => void; onGranted: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async ({ reason }: { reason: string }) => {
    setBusy(true);
    try {
      await post(`patients/${patientId}/break-glass`, { reason: reason.trim() });
      void message.warning(t('record.bg.granted'));
      form.resetFields();
      onGranted();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };
  return (
    <Modal open={open} onCancel={onClose} title={t('record.bg.title')} okText={t('record.bg.confirm')} cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, loading: busy }} onOk={() => form.submit()} destroyOnHidden width={mobile ? '100%' : 520}>
      <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('record.bg.warnTitle')} description={t('record.bg.warning')} />
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item name="reason" label={t('record.bg.reason')} extra={t('record.bg.reasonHelp')}
          rules={[{ required: true, whitespace: true, message: t('record.bg.reasonRequired') },
            { validator: async (_r, v: string | undefined) => { if (v && v.trim().length < 4) throw new Error(t('record.bg.reasonShort')); } }]}>
          <Input.TextArea rows={3} maxLength={500} showCount placeholder={t('record.bg.reasonPlaceholder')} autoFocus />
        </Form.Item>
      </Form>
    </Modal>
  );
}
