/** 重置密码: a new password for someone else's account; it also lifts a lockout and ends the account's sessions. */
import { Alert, App, Form, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useErrorReporter } from '../../hooks';
import type { UserAccount } from '../../types';
import { PasswordField } from './password';

export function ResetPasswordModal({ user, onClose }: { user: UserAccount | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<{ password: string }>();
  const [busy, setBusy] = useState(false);

  const save = async ({ password }: { password: string }) => {
    if (!user) return;
    setBusy(true);
    try {
      await post(`users/${user.id}/reset-password`, { password });
      void message.success(t('users.passwordReset', { name: user.displayName }));
      onClose();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Modal open={!!user} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden
      okText={t('users.resetPassword')} okButtonProps={{ danger: true }}
      title={user ? t('users.resetPasswordTitle', { name: user.displayName }) : ''}>
      <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('users.resetPasswordHint')} />
      <Form form={form} layout="vertical" onFinish={save} preserve={false}>
        <PasswordField label={t('users.newPassword')} />
      </Form>
    </Modal>
  );
}
