/** 登录: username, password, and a TOTP code when the server asks for one; the demo accounts below. */
import { LockOutlined, SafetyCertificateOutlined, UserOutlined } from '@ant-design/icons';
import { loginInput } from '@yilian/core';
import { Button, Card, Col, Form, Input, Row, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../../api';
import { useAuth } from '../../auth';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { useErrorReporter } from '../../hooks';
import { zodRule } from '../../validation';
import { DemoAccounts } from './DemoAccounts';

interface LoginForm { username: string; password: string; totp?: string }

export function LoginPage() {
  const { t } = useTranslation();
  const { me, login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const report = useErrorReporter();
  const [form] = Form.useForm<LoginForm>();
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (me) return <Navigate to={from} replace />;

  const submit = async (v: LoginForm) => {
    setBusy(true);
    try {
      await login({ username: v.username.trim(), password: v.password, totp: needTotp && v.totp ? v.totp : undefined });
      navigate(from, { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'totp_required') {
        setNeedTotp(true);
        setTimeout(() => form.getFieldInstance('totp')?.focus?.(), 50);
      } else report(e, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="yl-login-bg">
      <div style={{ maxWidth: 1120, margin: '0 auto' }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 24, gap: 12 }}>
          <div className="yl-brand" style={{ color: '#fff', fontSize: 18 }}>
            <img src="/favicon.svg" alt="" />
            <span>{t('app.name')}</span>
          </div>
          <LanguageSwitch dark />
        </div>
        <Row gutter={[24, 24]} align="top">
          <Col xs={24} md={10} lg={9}>
            <Card variant="borderless" style={{ boxShadow: '0 8px 32px rgba(12,45,79,0.18)' }}>
              <Typography.Title level={3} style={{ marginTop: 0, marginBottom: 4 }}>{t('login.title')}</Typography.Title>
              <Typography.Paragraph type="secondary">{t('login.subtitle')}</Typography.Paragraph>
              <Form<LoginForm> form={form} layout="vertical" onFinish={submit} requiredMark={false} size="large">
                <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('login.usernameRequired') }]}>
                  <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
                </Form.Item>
                <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
                  <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
                </Form.Item>
                {needTotp && (
                  <Form.Item name="totp" label={t('login.totp')} extra={t('login.totpHelp')}
                    rules={[zodRule(loginInput.shape.totp.unwrap(), t('login.totpFormat')), { required: true, message: t('login.totpFormat') }]}>
                    <Input prefix={<SafetyCertificateOutlined />} inputMode="numeric" maxLength={6} autoComplete="one-time-code" />
                  </Form.Item>
                )}
                <Button type="primary" htmlType="submit" block loading={busy}>{t('login.submit')}</Button>
              </Form>
            </Card>
          </Col>
          <Col xs={24} md={14} lg={15}>
            <DemoAccounts onPick={(a) => {
              setNeedTotp(false);
              form.setFieldsValue({ username: a.username, password: a.password, totp: undefined });
              form.setFields([{ name: 'username', errors: [] }, { name: 'password', errors: [] }]);
            }} />
          </Col>
        </Row>
      </div>
    </div>
  );
}
