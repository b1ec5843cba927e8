/** 动态验证码 (TOTP): enrol with a QR code for an authenticator app, confirm with a first code; disable with the password. */
import { Alert, App, Button, Card, Divider, Form, Input, Space, Steps, Typography } from 'antd';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useAuth } from '../../auth';
import { useErrorReporter, useIsMobile } from '../../hooks';

export function TotpCard() {
  const { t } = useTranslation();
  const { me, refresh } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enabledNow, setEnabledNow] = useState(false);
  const [codeForm] = Form.useForm<{ code: string }>();
  const [offForm] = Form.useForm<{ password: string }>();
  const enabled = enabledNow || me?.totpEnabled === true;

  useEffect(() => {
    if (!setup) { setQr(null); return; }
    QRCode.toDataURL(setup.uri, { width: 220, margin: 1, errorCorrectionLevel: 'M' }).then(setQr).catch(() => setQr(null));
  }, [setup]);

  const start = async () => {
    setBusy(true);
    try { setSetup(await post<{ secret: string; uri: string }>('auth/totp/setup')); } catch (e) { report(e); } finally { setBusy(false); }
  };
  const enable = async ({ code }: { code: string }) => {
    setBusy(true);
    try {
      await post('auth/totp/enable', { code: code.trim() });
      void message.success(t('account.totpEnabled'));
      setSetup(null); setEnabledNow(true); codeForm.resetFields();
      void refresh();
    } catch (e) { report(e, codeForm); } finally { setBusy(false); }
  };
  const disable = async ({ password }: { password: string }) => {
    setBusy(true);
    try {
      await post('auth/totp/disable', { password });
      void message.success(t('account.totpDisabled'));
      setEnabledNow(false); offForm.resetFields();
      void refresh();
    } catch (e) { report(e, offForm); } finally { setBusy(false); }
  };

  return (
    <Card title={t('account.totp')} style={{ height: '100%' }}>
      <Typography.Paragraph type="secondary">{t('account.totpIntro')}</Typography.Paragraph>
      {enabled && <Alert type="success" showIcon title={t('account.totpOn')} style={{ marginBottom: 16 }} />}
      {!setup ? (
        <Button type="primary" loading={busy} onClick={start}>{enabled ? t('account.totpRebind') : t('account.totpStart')}</Button>
      ) : (
        <div>
          <Steps size="small" current={1} orientation={mobile ? 'vertical' : 'horizontal'} style={{ marginBottom: 16 }}
            items={[{ title: t('account.totpStep1') }, { title: t('account.totpStep2') }]} />
          <Space align="start" wrap size="large">
            <div style={{ border: '1px solid #f0f0f0', borderRadius: 8, padding: 8, background: '#fff', width: 236, height: 236, display: 'grid', placeItems: 'center' }}>
              {qr ? <img src={qr} width={220} height={220} alt={t('account.totpQrAlt')} /> : null}
            </div>
            <div style={{ maxWidth: 320 }}>
              <Typography.Text type="secondary">{t('account.totpSecret')}</Typography.Text>
              <Typography.Paragraph copyable={{ text: setup.secret }} className="yl-mono" style={{ wordBreak: 'break-all', fontSize: 15 }}>
                {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
              </Typography.Paragraph>
              <Form form={codeForm} layout="vertical" onFinish={enable}>
                <Form.Item name="code" label={t('account.totpCode')}
                  rules={[{ required: true, pattern: /^\d{6}$/, message: t('login.totpFormat') }]}>
                  <Input inputMode="numeric" maxLength={6} className="yl-mono" autoComplete="one-time-code" style={{ width: 160 }} />
                </Form.Item>
                <Space>
                  <Button type="primary" htmlType="submit" loading={busy}>{t('account.totpConfirm')}</Button>
                  <Button onClick={() => setSetup(null)}>{t('common.cancel')}</Button>
                </Space>
              </Form>
            </div>
          </Space>
        </div>
      )}
      <Divider />
      <Typography.Title level={5} style={{ marginTop: 0 }}>{t('account.totpDisableTitle')}</Typography.Title>
      <Form form={offForm} layout={mobile ? 'vertical' : 'inline'} onFinish={disable} style={{ rowGap: 8 }}>
        <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item><Button danger htmlType="submit" loading={busy}>{t('account.totpDisable')}</Button></Form.Item>
      </Form>
    </Card>
  );
}
