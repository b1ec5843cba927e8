/** 审计日志: who read or changed what, when, from where, why — with a check of the hash chain. */
import { FilterOutlined, SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import { ROLE_LABELS } from '@yilian/core';
import { App, AutoComplete, Button, Card, Col, DatePicker, Form, Input, Row, Select, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get, type Page } from '../../api';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { fmtTime } from '../../format';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { AuditEntry, AuditVerify } from '../../types';
import { normalizeAudit } from './normalize';

interface Filters { username?: string; action?: string; patientId?: string; outcome?: string; from?: string; to?: string }
type FormValues = Omit<Filters, 'from' | 'to'> & { range?: [Dayjs | null, Dayjs | null] | null };

const ACTION_PREFIXES = ['auth.', 'auth.login', 'patient.', 'patient.read', 'patient.create', 'patient.merge', 'directory.', 'audit.'];
const OUTCOME_COLORS: Record<string, string> = { ok: 'success', denied: 'warning', failed: 'error' };

export default function AuditPage() {
  const { t } = useTranslation();
  const { label } = useLabels();
  const { modal } = App.useApp();
  const report = useErrorReporter();
  const paging = usePaging(50);
  const [form] = Form.useForm<FormValues>();
  const [filters, setFilters] = useState<Filters>({});
  const [verifying, setVerifying] = useState(false);
  const mobile = useIsMobile();
  const [filtersOpen, setFiltersOpen] = useState(false);
  const { data, loading, error } = useApiData<Page<Record<string, unknown>>>('audit', { ...filters, limit: paging.limit, offset: paging.offset });
  const rows = data?.items.map(normalizeAudit);

  const apply = (v: FormValues) => {
    paging.reset();
    setFiltersOpen(false);
    setFilters({
      username: v.username?.trim() || undefined, action: v.action?.trim() || undefined, patientId: v.patientId?.trim() || undefined,
      outcome: v.outcome || undefined, from: v.range?.[0]?.format('YYYY-MM-DD'), to: v.range?.[1]?.format('YYYY-MM-DD'),
    });
  };

  const verify = async () => {
    setVerifying(true);
    try {
      const r = await get<AuditVerify>('audit/verify');
      if (r.ok) modal.success({ title: t('audit.chainOk'), content: t('audit.chainOkText', { count: r.checked }) });
      else modal.error({ title: t('audit.chainBroken'), content: t('audit.chainBrokenText', { count: r.checked, seq: r.firstBroken?.seq ?? '?', reason: r.firstBroken?.reason ?? '' }) });
    } catch (e) { report(e); } finally { setVerifying(false); }
  };

  const columns: ColumnsType<AuditEntry> = [
    { title: t('audit.time'), dataIndex: 'at', className: 'yl-nowrap', render: (v: string) => fmtTime(v) },
    { title: t('audit.user'), dataIndex: 'username', className: 'yl-nowrap', render: (v: string | null) => v ?? <span className="yl-muted">—</span> },
    { title: t('audit.role'), dataIndex: 'role', className: 'yl-nowrap', render: (v: string | null) => label(ROLE_LABELS, v) || '—' },
    { title: t('audit.institution'), dataIndex: 'institutionName', render: (v: string | null) => v ?? '—' },
    { title: t('audit.action'), dataIndex: 'action', className: 'yl-nowrap', render: (v: string) => (
      <Tooltip title={<span className="yl-mono">{v}</span>}>{t(`audit.actions.${v.replaceAll('.', '_')}`, { defaultValue: v })}</Tooltip>
    ) },
    { title: t('audit.object'), key: 'object', className: 'yl-nowrap', render: (_, e) => e.objectType
      ? <span>{t(`audit.objects.${e.objectType}`, { defaultValue: e.objectType })} <span className="yl-mono yl-muted">{e.objectId?.slice(0, 8)}</span></span> : '—' },
    { title: 'IP', dataIndex: 'clientIp', render: (v: string | null) => <span className="yl-mono">{v ?? ''}</span> },
    { title: t('audit.outcome'), dataIndex: 'outcome', render: (v: string) => <Tag color={OUTCOME_COLORS[v]}>{t(`audit.outcomes.${v}`, { defaultValue: v })}</Tag> },
    { title: t('audit.reason'), dataIndex: 'reason', render: (v: string | null) => v ?? '' },
  ];

  return (
    <div>
      <PageHeader title={t('nav.audit')} subtitle={t('audit.subtitle')}
        extra={<Button icon={<SafetyCertificateOutlined />} loading={verifying} onClick={verify}>{t('audit.verify')}</Button>} />
      {mobile && (
        <Button block icon={<FilterOutlined />} style={{ marginBottom: 12 }} onClick={() => setFiltersOpen((o) => !o)}>
          {filtersOpen ? t('audit.hideFilters') : t('audit.showFilters')}
        </Button>
      )}
      <Card style={{ marginBottom: 16, display: mobile && !filtersOpen ? 'none' : undefined }} styles={{ body: { paddingBottom: 0 } }}>
        <Form<FormValues> form={form} layout="vertical" onFinish={apply}>
          <Row gutter={12}>
            <Col xs={12} md={6} xl={4}><Form.Item name="username" label={t('audit.user')}><Input allowClear /></Form.Item></Col>
            <Col xs={12} md={6} xl={4}>
              <Form.Item name="action" label={t('audit.actionPrefix')}>
                <AutoComplete allowClear options={ACTION_PREFIXES.map((value) => ({ value }))} placeholder="patient." />
              </Form.Item>
            </Col>
            <Col xs={24} md={12} xl={6}>
              <Form.Item name="patientId" label={t('audit.patientId')}
                rules={[{ pattern: /^[0-9a-f-]{36}$/i, message: t('audit.patientIdRule') }]}>
                <Input allowClear className="yl-mono" />
              </Form.Item>
            </Col>
            <Col xs={12} md={6} xl={3}>
              <Form.Item name="outcome" label={t('audit.outcome')}>
                <Select allowClear options={['ok', 'denied', 'failed'].map((v) => ({ value: v, label: t(`audit.outcomes.${v}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12} xl={7}>
              <Form.Item name="range" label={t('audit.dateRange')}><DatePicker.RangePicker style={{ width: '100%' }} /></Form.Item>
            </Col>
            <Col xs={24} md={6} xl={24} style={{ display: 'flex', alignItems: 'flex-end', gap: 8, marginBottom: 24 }}>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>{t('common.search')}</Button>
              <Button onClick={() => { form.resetFields(); apply({}); }}>{t('common.reset')}</Button>
            </Col>
          </Row>
        </Form>
      </Card>
      <DataList<AuditEntry>
        rowKey={(e) => e.seq} columns={columns} data={rows} total={data?.total} loading={loading} error={error} paging={paging}
        renderCard={(e) => (
          <div style={{ fontSize: 13 }}>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
              <Typography.Text strong>{t(`audit.actions.${e.action.replaceAll('.', '_')}`, { defaultValue: e.action })}</Typography.Text>
              <Tag color={OUTCOME_COLORS[e.outcome]} style={{ marginInlineEnd: 0 }}>{t(`audit.outcomes.${e.outcome}`, { defaultValue: e.outcome })}</Tag>
            </div>
            <div className="yl-muted">{fmtTime(e.at)} · <span className="yl-mono">{e.clientIp ?? ''}</span></div>
            <div>{e.username ?? '—'}{e.role ? ` · ${label(ROLE_LABELS, e.role)}` : ''}{e.institutionName ? ` · ${e.institutionName}` : ''}</div>
            {e.objectType && <div className="yl-muted">{t(`audit.objects.${e.objectType}`, { defaultValue: e.objectType })} <span className="yl-mono">{e.objectId?.slice(0, 8)}</span></div>}
            {e.reason && <div>{t('common.reasonLine', { reason: e.reason })}</div>}
          </div>
        )}
      />
    </div>
  );
}
