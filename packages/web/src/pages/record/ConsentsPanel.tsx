/** 授权同意: the patient's consents to share the record, with status (生效/已过期/已撤回) and revoke with a reason. */
import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Form, Input, Modal, Spin, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { asPage, post, type Page } from '../../api';
import { useAuth } from '../../auth';
import { fmtDate } from '../../format';
import { useApiData, useErrorReporter } from '../../hooks';
import { ConsentModal } from './ConsentModal';
import { attachmentUrl, CONSENT_COLORS, consentState, fmtMinute, type Consent } from './model';

export function ConsentsPanel({ patientId, self = false, onChanged }: { patientId: string; self?: boolean; onChanged?: () => void }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const { data, loading, error, reload } = useApiData<Page<Consent> | Consent[]>(`patients/${patientId}/consents`);
  const [adding, setAdding] = useState(false);
  const [revoking, setRevoking] = useState<Consent | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const items = asPage(data).items;
  const mayConsent = can('record.consent');

  const revoke = async ({ reason }: { reason: string }) => {
    if (!revoking) return;
    setBusy(true);
    try {
      await post(`consents/${revoking.id}/revoke`, { reason: reason.trim() });
      void message.success(t('record.consent.revoked'));
      setRevoking(null);
      form.resetFields();
      reload();
      onChanged?.();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  const kinds = (c: Consent) => (c.scope?.length ? c.scope.map((k) => t(`record.kind.${k}`, { defaultValue: k })).join('、') : t('record.consent.scopeAll'));
  const insts = (c: Consent) => (c.institutionIds?.length
    ? (c.institutions?.length ? c.institutions.map((i) => i.name).join('、') : t('record.consent.nInstitutions', { count: c.institutionIds.length }))
    : t('record.consent.allMembers'));

  return (
    <div>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8, marginBottom: 12, flexWrap: 'wrap' }}>
        <Typography.Text type="secondary" style={{ fontSize: 13, flex: 1, minWidth: 200 }}>{self ? t('record.consent.introSelf') : t('record.consent.intro')}</Typography.Text>
        {mayConsent && <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)}>{t('record.consent.add')}</Button>}
      </div>
      {error && !data ? <Alert type="error" showIcon title={error.text(i18n.language)} /> : (
        <Spin spinning={loading}>
          {!items.length && !loading ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.consent.none')} /> : (
            <div className="yl-card-list" style={{ gap: 8 }}>
              {items.map((c) => {
                const s = consentState(c);
                return (
                  <Card key={c.id} size="small">
                    <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: 8 }}>
                      <div style={{ minWidth: 0 }}>
                        <Tag color={CONSENT_COLORS[s]}>{t(`record.consent.state.${s}`)}</Tag>
                        <Typography.Text strong>{t('record.consent.signedByLine', { name: c.signedBy })}</Typography.Text>
                      </div>
                      {s !== 'revoked' && s !== 'expired' && mayConsent && (
                        <Button size="small" danger onClick={() => setRevoking(c)}>{t('record.consent.revoke')}</Button>
                      )}
                    </div>
                    <div className="yl-record-meta">
                      <div><span className="yl-muted">{t('record.consent.period')}</span> {fmtDate(c.startsAt)} ~ {c.endsAt ? fmtDate(c.endsAt) : t('record.consent.noEnd')}</div>
                      <div><span className="yl-muted">{t('record.consent.institutions')}</span> {insts(c)}</div>
                      <div><span className="yl-muted">{t('record.consent.scope')}</span> {kinds(c)}</div>
                      {c.recordedAt && <div><span className="yl-muted">{t('record.consent.recordedAt')}</span> {fmtMinute(c.recordedAt)}{c.recordedBy?.displayName ? ` · ${c.recordedBy.displayName}` : ''}</div>}
                      {c.documentId && <div><a href={attachmentUrl(c.documentId, 1)} target="_blank" rel="noreferrer">{t('record.consent.viewScan')}</a></div>}
                      {c.revokedAt && <div><span className="yl-muted">{t('record.consent.revokedAt')}</span> {fmtMinute(c.revokedAt)}{c.revokeReason ? ` · ${c.revokeReason}` : ''}</div>}
                    </div>
                  </Card>
                );
              })}
            </div>
          )}
        </Spin>
      )}
      <ConsentModal patientId={patientId} open={adding} self={self} onClose={() => setAdding(false)}
        onSaved={() => { setAdding(false); reload(); onChanged?.(); }} />
      <Modal open={!!revoking} title={t('record.consent.revokeTitle')} onCancel={() => setRevoking(null)} onOk={() => form.submit()}
        okText={t('record.consent.revoke')} okButtonProps={{ danger: true, loading: busy }} cancelText={t('common.cancel')} destroyOnHidden>
        <Typography.Paragraph type="secondary">{t('record.consent.revokeHint')}</Typography.Paragraph>
        <Form form={form} layout="vertical" onFinish={revoke} requiredMark={false}>
          <Form.Item name="reason" label={t('record.consent.revokeReason')} rules={[{ required: true, whitespace: true, message: t('record.consent.revokeReasonRequired') }]}>
            <Input.TextArea rows={2} maxLength={200} autoFocus />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
