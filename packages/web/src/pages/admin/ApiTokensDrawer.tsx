/**
 * API令牌: tokens with which a system client (LIS, PACS, a hospital's HIS interface …) acts as this account.
 * Lists them with their status, revokes an active one, issues a new one and shows its secret exactly once.
 */
import { CheckOutlined, CopyOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Col, DatePicker, Drawer, Empty, Form, Input, Popconfirm, Row, Spin, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post, type Page } from '../../api';
import { fmtDate } from '../../format';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import type { ApiToken, UserAccount } from '../../types';

type Values = { name: string; expiresAt?: Dayjs | null };
type Issued = { id: string; name: string; token: string; createdAt: string; expiresAt: string | null };

const fmtMinute = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '');

export function ApiTokensDrawer({ user, onClose }: { user: UserAccount | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);
  const { data, loading, error, reload } = useApiData<Page<ApiToken>>(user ? `users/${user.id}/tokens` : null);

  // A new account in the drawer: forget the secret shown for the previous one.
  useEffect(() => { setIssued(null); form.resetFields(); }, [user?.id, form]);

  const state = (k: ApiToken) =>
    k.revokedAt ? 'revoked' : k.expiresAt && dayjs(k.expiresAt).isBefore(dayjs()) ? 'expired' : 'active';
  const statusTag = (k: ApiToken) => {
    const s = state(k);
    return <Tag color={s === 'active' ? 'success' : s === 'revoked' ? 'default' : 'warning'}>{t(`tokens.${s}`)}</Tag>;
  };

  const issue = async (v: Values) => {
    if (!user) return;
    setBusy(true);
    try {
      // An expiry date means the token works through the end of that day.
      const expiresAt = v.expiresAt ? v.expiresAt.endOf('day').toISOString() : null;
      const res = await post<Issued>(`users/${user.id}/tokens`, { name: v.name.trim(), expiresAt });
      setIssued(res);
      form.resetFields();
      void message.success(t('tokens.issuedMsg', { name: res.name }));
      reload();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  const revoke = async (k: ApiToken) => {
    if (!user) return;
    setRevoking(k.id);
    try {
      await post(`users/${user.id}/tokens/${k.id}/revoke`);
      void message.success(t('tokens.revokedMsg', { name: k.name }));
      if (issued?.id === k.id) setIssued(null);
      reload();
    } catch (e) { report(e); } finally { setRevoking(null); }
  };

  const items = data?.items ?? [];
  const meta = (label: string, value: string) => (
    <div><span className="yl-muted">{label}</span> {value}</div>
  );

  return (
    <Drawer open={!!user} onClose={onClose} size={mobile ? '100%' : 560} destroyOnHidden
      title={user ? (
        <div style={{ minWidth: 0 }}>
          <div>{t('tokens.action')}</div>
          <div className="yl-muted yl-ellipsis" style={{ fontSize: 13, fontWeight: 'normal' }}>
            {user.displayName} · <span className="yl-mono">{user.username}</span>
          </div>
        </div>
      ) : ''}>
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('tokens.intro')}</Typography.Paragraph>

      {issued && (
        <Alert type="warning" showIcon style={{ marginBottom: 16 }} closable={{ 'aria-label': t('tokens.hide') }} onClose={() => setIssued(null)}
          title={t('tokens.issuedTitle', { name: issued.name })}
          description={
            <div>
              <div style={{ marginBottom: 8 }}>{t('tokens.onceWarning')}</div>
              <Typography.Paragraph style={{ marginBottom: 0 }} copyable={{
                text: issued.token, tooltips: false,
                icon: [<span key="c"><CopyOutlined /> {t('tokens.copy')}</span>, <span key="d"><CheckOutlined /> {t('tokens.copied')}</span>],
              }}>
                <span className="yl-mono" aria-label={t('tokens.tokenValue')} style={{
                  display: 'block', wordBreak: 'break-all', background: '#fff', border: '1px solid #ffe58f', borderRadius: 6,
                  padding: '8px 10px', marginBottom: 6, fontSize: 13, userSelect: 'all',
                }}>{issued.token}</span>
              </Typography.Paragraph>
            </div>
          } />
      )}

      <Typography.Title level={5} style={{ marginTop: 0 }}>{t('tokens.newToken')}</Typography.Title>
      <Form<Values> form={form} layout="vertical" onFinish={issue} requiredMark={false}>
        <Row gutter={12}>
          <Col xs={24} sm={14}>
            <Form.Item name="name" label={t('tokens.name')} extra={t('tokens.nameHelp')}
              rules={[{ required: true, whitespace: true, message: t('tokens.nameRequired') }]}>
              <Input maxLength={60} autoComplete="off" placeholder={t('tokens.namePlaceholder')} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={10}>
            <Form.Item name="expiresAt" label={t('tokens.expiresAt')} extra={t('tokens.expiresHelp')}>
              <DatePicker style={{ width: '100%' }} placeholder={t('tokens.noExpiry')} inputReadOnly={mobile}
                disabledDate={(d) => d.isBefore(dayjs(), 'day')} />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" icon={<PlusOutlined />} loading={busy} block={mobile}>{t('tokens.issue')}</Button>
      </Form>

      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('tokens.listTitle')}{data ? <span className="yl-muted" style={{ fontWeight: 'normal', fontSize: 13, marginInlineStart: 6 }}>{t('common.totalCount', { count: data.total })}</span> : null}
      </Typography.Title>
      {error && !data ? <Alert type="error" showIcon title={error.text(i18n.language)} /> : (
        <Spin spinning={loading}>
          {!items.length && !loading ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('tokens.none')} /> : (
            <div className="yl-card-list" style={{ gap: 8 }}>
              {items.map((k) => (
                <div key={k.id} style={{ border: '1px solid rgba(0,0,0,0.08)', borderRadius: 8, padding: '10px 12px', background: issued?.id === k.id ? '#fffbe6' : '#fff' }}>
                  <div style={{ display: 'flex', alignItems: 'center', gap: 8, justifyContent: 'space-between' }}>
                    <div style={{ minWidth: 0, display: 'flex', alignItems: 'center', gap: 6 }}>
                      <Typography.Text strong ellipsis={{ tooltip: k.name }} style={{ minWidth: 0 }}>{k.name}</Typography.Text>
                      {statusTag(k)}
                    </div>
                    {state(k) === 'active' && (
                      <Popconfirm title={t('tokens.confirmRevoke', { name: k.name })}
                        description={<div style={{ maxWidth: 260 }}>{t('tokens.revokeHint')}</div>}
                        okText={t('tokens.revoke')} okButtonProps={{ danger: true }} cancelText={t('common.cancel')} onConfirm={() => revoke(k)}>
                        <Button type="link" size="small" danger loading={revoking === k.id} style={{ paddingInline: 4, flex: 'none' }}>{t('tokens.revoke')}</Button>
                      </Popconfirm>
                    )}
                  </div>
                  <div style={{ fontSize: 13, marginTop: 4, display: 'grid', gridTemplateColumns: mobile ? '1fr' : '1fr 1fr', columnGap: 16, rowGap: 2 }}>
                    {meta(t('tokens.createdAt'), fmtMinute(k.createdAt))}
                    {meta(t('tokens.lastUsedAt'), k.lastUsedAt ? fmtMinute(k.lastUsedAt) : t('tokens.neverUsed'))}
                    {meta(t('tokens.expiresAt'), k.expiresAt ? fmtDate(k.expiresAt) : t('tokens.noExpiry'))}
                    {k.revokedAt && meta(t('tokens.revokedAt'), fmtMinute(k.revokedAt))}
                  </div>
                </div>
              ))}
            </div>
          )}
        </Spin>
      )}
    </Drawer>
  );
}
