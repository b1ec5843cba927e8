/**
 * 接口客户端: the OAuth 2.0 clients (HIS, LIS, PACS …) of each institution. Creating one shows its secret exactly
 * once (copy button, warning); revoking stops its tokens at once.
 */
import { ApiOutlined, CheckOutlined, CopyOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Col, Form, Input, Modal, Popconfirm, Row, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post, type Page } from '../../api';
import { useMe } from '../../auth';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { fmtMinute } from '../record/model';

export interface ApiClient {
  id: string; clientId: string; name: string; institutionId: string; institutionName: string; userId?: string;
  createdAt: string; revokedAt: string | null; lastUsedAt: string | null;
}
type Created = ApiClient & { clientSecret: string };

export default function ApiClientsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const mobile = useIsMobile();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const own = me.role.role === 'institution_admin';
  const ownInst = own && me.role.institutionId && me.role.institutionName ? [{ value: me.role.institutionId, label: me.role.institutionName }] : [];
  const [institutionId, setInstitutionId] = useState<string | undefined>(own ? me.role.institutionId ?? undefined : undefined);
  const { data, loading, error, reload } = useApiData<Page<ApiClient>>('api-clients', { institutionId });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [form] = Form.useForm<{ name: string; institutionId: string }>();

  const create = async (v: { name: string; institutionId: string }) => {
    setBusy(true);
    try {
      const c = await post<Created>('api-clients', { institutionId: v.institutionId, name: v.name.trim() });
      setCreated(c);
      setCreating(false);
      form.resetFields();
      reload();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };
  const revoke = async (c: ApiClient) => {
    setRevoking(c.id);
    try {
      await post(`api-clients/${c.id}/revoke`);
      void message.success(t('apiClients.revokedMsg', { name: c.name }));
      reload();
    } catch (e) { report(e); } finally { setRevoking(null); }
  };

  const status = (c: ApiClient) => (c.revokedAt ? <Tag>{t('apiClients.revoked')}</Tag> : <Tag color="success">{t('apiClients.active')}</Tag>);
  const revokeButton = (c: ApiClient) => !c.revokedAt && (
    <Popconfirm title={t('apiClients.confirmRevoke', { name: c.name })} description={<div style={{ maxWidth: 260 }}>{t('apiClients.revokeHint')}</div>}
      okText={t('apiClients.revoke')} okButtonProps={{ danger: true }} cancelText={t('common.cancel')} onConfirm={() => revoke(c)}>
      <Button size="small" type="link" danger loading={revoking === c.id} style={{ paddingInline: 4 }}>{t('apiClients.revoke')}</Button>
    </Popconfirm>
  );
  const columns: ColumnsType<ApiClient> = [
    { title: t('apiClients.name'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    { title: t('apiClients.clientId'), dataIndex: 'clientId', render: (v: string) => <Typography.Text className="yl-mono" copyable={{ text: v }}>{v}</Typography.Text> },
    { title: t('apiClients.institution'), dataIndex: 'institutionName' },
    { title: t('common.status'), key: 'status', render: (_v, c) => status(c) },
    { title: t('apiClients.createdAt'), dataIndex: 'createdAt', render: (v: string) => <span className="yl-nowrap">{fmtMinute(v)}</span> },
    { title: t('apiClients.lastUsedAt'), dataIndex: 'lastUsedAt', render: (v: string | null) => <span className="yl-nowrap">{v ? fmtMinute(v) : t('apiClients.neverUsed')}</span> },
    { title: t('common.actions'), key: 'actions', render: (_v, c) => revokeButton(c) || (c.revokedAt ? <span className="yl-muted" style={{ fontSize: 12 }}>{fmtMinute(c.revokedAt)}</span> : null) },
  ];
  const card = (c: ApiClient) => (
    <div>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8 }}>
        <span style={{ minWidth: 0 }}><Typography.Text strong>{c.name}</Typography.Text> {status(c)}</span>
        {revokeButton(c)}
      </div>
      <div className="yl-mono" style={{ fontSize: 13, wordBreak: 'break-all' }}>{c.clientId}</div>
      <div className="yl-muted" style={{ fontSize: 12 }}>{c.institutionName}</div>
      <div className="yl-muted" style={{ fontSize: 12 }}>
        {t('apiClients.createdAt')} {fmtMinute(c.createdAt)} · {t('apiClients.lastUsedAt')} {c.lastUsedAt ? fmtMinute(c.lastUsedAt) : t('apiClients.neverUsed')}
      </div>
    </div>
  );

  return (
    <div>
      <PageHeader title={t('nav.apiClients')} subtitle={t('apiClients.subtitle')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => { setCreating(true); form.setFieldsValue({ institutionId: institutionId ?? me.role.institutionId ?? undefined }); }}>{t('apiClients.new')}</Button>} />
      {created && (
        <Alert type="warning" showIcon style={{ marginBottom: 16 }} closable={{ 'aria-label': t('tokens.hide') }} onClose={() => setCreated(null)}
          title={t('apiClients.createdTitle', { name: created.name })}
          description={(
            <div>
              <div style={{ marginBottom: 8 }}>{t('apiClients.onceWarning')}</div>
              <div className="yl-secret-grid">
                <span className="yl-muted">client_id</span>
                <Typography.Text className="yl-mono" copyable={{ text: created.clientId }}>{created.clientId}</Typography.Text>
                <span className="yl-muted">client_secret</span>
                <Typography.Paragraph style={{ marginBottom: 0 }} copyable={{
                  text: created.clientSecret, tooltips: false,
                  icon: [<span key="c"><CopyOutlined /> {t('apiClients.copySecret')}</span>, <span key="d"><CheckOutlined /> {t('tokens.copied')}</span>],
                }}>
                  <span className="yl-mono yl-secret" aria-label="client_secret">{created.clientSecret}</span>
                </Typography.Paragraph>
              </div>
              <div className="yl-muted" style={{ fontSize: 12, marginTop: 8 }}>{t('apiClients.usage')}</div>
            </div>
          )} />
      )}
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={10}>
          <InstitutionSelect allowClear={!own} disabled={own} style={{ width: '100%' }} value={institutionId} placeholder={t('sched.allInstitutions')}
            known={ownInst} onChange={(v) => setInstitutionId(v as string | undefined)} />
        </Col>
      </Row>
      <DataList<ApiClient> rowKey={(c) => c.id} columns={columns} data={data?.items} total={data?.total} loading={loading} error={error}
        renderCard={card} empty={<span className="yl-muted"><ApiOutlined /> {t('apiClients.none')}</span>} />
      <Modal open={creating} title={t('apiClients.new')} onCancel={() => setCreating(false)} onOk={() => form.submit()} okText={t('apiClients.create')}
        okButtonProps={{ loading: busy }} cancelText={t('common.cancel')} destroyOnHidden width={mobile ? '100%' : 480}>
        <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('apiClients.intro')}</Typography.Paragraph>
        <Form form={form} layout="vertical" onFinish={create} requiredMark={false}>
          <Form.Item name="institutionId" label={t('apiClients.institution')} rules={[{ required: true, message: t('apiClients.institutionRequired') }]}>
            <InstitutionSelect disabled={own} known={ownInst} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="name" label={t('apiClients.name')} extra={t('apiClients.nameHelp')} rules={[{ required: true, whitespace: true, message: t('apiClients.nameRequired') }]}>
            <Input maxLength={60} placeholder={t('apiClients.namePlaceholder')} autoComplete="off" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
