/** 修改密码: the current password, a new one (at least 10 characters) twice. Other sessions end. */
import { passwordChangeInput } from '@yilian/core';
import { App, Button, Card, Form, Input } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useErrorReporter } from '../../hooks';
import { zodRule } from '../../validation';

type Values = { currentPassword: string; newPassword: string; confirm: string };

export function PasswordCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);

  const save = async (v: Values) => {
    setBusy(true);
    try {
      await post('auth/password', { currentPassword: v.currentPassword, newPassword: v.newPassword });
      form.resetFields();
      void message.success(t('account.passwordChanged'));
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Card title={t('account.changePassword')} style={{ height: '100%' }}>
      <Form<Values> form={form} layout="vertical" onFinish={save} style={{ maxWidth: 420 }}>
        <Form.Item name="currentPassword" label={t('account.currentPassword')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('account.newPassword')} extra={t('account.passwordRule')}
          rules={[{ required: true, message: t('common.required') }, zodRule(passwordChangeInput.shape.newPassword, t('account.passwordRule'))]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="confirm" label={t('account.confirmPassword')} dependencies={['newPassword']}
          rules={[{ required: true, message: t('common.required') }, ({ getFieldValue }) => ({
            validator: async (_r, v: string) => { if (v && v !== getFieldValue('newPassword')) throw new Error(t('account.passwordMismatch')); },
          })]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>{t('account.savePassword')}</Button>
      </Form>
    </Card>
  );
}
