/**
 * 紧急访问报表: every break-glass access (who, from which institution, to which patient — masked —, why, when and
 * until when), and its review by the medical affairs office, the consortium office or the regulator.
 */
import { AlertOutlined, CheckCircleOutlined } from '@ant-design/icons';
import { App, Button, Col, DatePicker, Form, Input, Modal, Row, Segmented, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post, type Page } from '../../api';
import { useAuth, useMe } from '../../auth';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { fmtMinute } from '../record/model';

export interface BreakGlassGrant {
  id: string; userId: string; displayName?: string | null; username?: string | null;
  institutionId: string | null; institutionName: string | null;
  patientId: string; patientName?: string | null; patientNameMasked?: string | null; patientMasked?: string | null;
  reason: string; grantedAt: string; expiresAt: string;
  reviewedAt: string | null; reviewedBy?: { id: string; displayName: string } | null; reviewNote: string | null;
  active?: boolean; readCount?: number | null;
}

/** 张** — the report is about the access, not the patient. */
export const maskName = (name: string | null | undefined) => {
  if (!name) return '—';
  if (name.includes('*')) return name;
  const chars = [...name];
  return `${chars[0] ?? ''}${'*'.repeat(Math.max(1, chars.length - 1))}`;
};

export default function BreakGlassReportPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const own = me.role.role === 'institution_admin';
  const paging = usePaging(20);
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(30, 'day'), dayjs()]);
  const [institutionId, setInstitutionId] = useState<string | undefined>(own ? me.role.institutionId ?? undefined : undefined);
  const [reviewed, setReviewed] = useState<'all' | 'false' | 'true'>('all');
  const [reviewing, setReviewing] = useState<BreakGlassGrant | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ note: string }>();
  const { data, loading, error, reload } = useApiData<Page<BreakGlassGrant>>('record/break-glass', {
    from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD'), institutionId,
    reviewed: reviewed === 'all' ? undefined : reviewed, limit: paging.limit, offset: paging.offset,
  });
  const mayReview = can('record.break_glass_review');

  const submit = async ({ note }: { note: string }) => {
    if (!reviewing) return;
    setBusy(true);
    try {
      await post(`record/break-glass/${reviewing.id}/review`, { note: note.trim() });
      void message.success(t('breakGlass.reviewedMsg'));
      setReviewing(null);
      form.resetFields();
      reload();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  const who = (g: BreakGlassGrant) => g.displayName ?? g.username ?? '—';
  const patient = (g: BreakGlassGrant) => g.patientNameMasked ?? g.patientMasked ?? maskName(g.patientName);
  const live = (g: BreakGlassGrant) => g.active ?? dayjs(g.expiresAt).isAfter(dayjs());
  const reviewCell = (g: BreakGlassGrant) => (g.reviewedAt ? (
    <div style={{ maxWidth: 280 }}>
      <Tag color="success" icon={<CheckCircleOutlined />}>{t('breakGlass.reviewed')}</Tag>
      <span className="yl-muted" style={{ fontSize: 12 }}>{fmtMinute(g.reviewedAt)}{g.reviewedBy?.displayName ? ` · ${g.reviewedBy.displayName}` : ''}</span>
      {g.reviewNote && <div style={{ fontSize: 13 }}>{g.reviewNote}</div>}
    </div>
  ) : mayReview ? (
    <Button size="small" type="primary" ghost onClick={(e) => { e.stopPropagation(); setReviewing(g); }}>{t('breakGlass.review')}</Button>
  ) : <Tag color="warning">{t('breakGlass.unreviewed')}</Tag>);

  const columns: ColumnsType<BreakGlassGrant> = [
    { title: t('breakGlass.grantedAt'), dataIndex: 'grantedAt', render: (v: string) => <span className="yl-nowrap">{fmtMinute(v)}</span> },
    { title: t('breakGlass.user'), key: 'user', render: (_v, g) => <span className="yl-nowrap">{who(g)}</span> },
    { title: t('breakGlass.institution'), dataIndex: 'institutionName', render: (v: string | null) => v ?? '—' },
    { title: t('breakGlass.patient'), key: 'patient', render: (_v, g) => <span className="yl-nowrap">{patient(g)}</span> },
    { title: t('breakGlass.reason'), dataIndex: 'reason', render: (v: string) => <div style={{ maxWidth: 260, whiteSpace: 'normal' }}>{v}</div> },
    { title: t('breakGlass.expiresAt'), dataIndex: 'expiresAt', render: (v: string, g) => (
      <span className="yl-nowrap">{fmtMinute(v)}{live(g) && <Tag color="red" style={{ marginInlineStart: 6 }}>{t('breakGlass.live')}</Tag>}</span>
    ) },
    { title: t('breakGlass.reads'), dataIndex: 'readCount', align: 'right', render: (v: number | null | undefined) => v ?? '—' },
    { title: t('breakGlass.reviewCol'), key: 'review', render: (_v, g) => reviewCell(g) },
  ];

  const card = (g: BreakGlassGrant) => (
    <div>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'baseline' }}>
        <span><AlertOutlined style={{ color: '#cf1322' }} /> <Typography.Text strong>{who(g)}</Typography.Text></span>
        <span className="yl-muted" style={{ fontSize: 12 }}>{fmtMinute(g.grantedAt)}</span>
      </div>
      <div className="yl-muted" style={{ fontSize: 13 }}>{g.institutionName ?? '—'} → {t('breakGlass.patient')} {patient(g)}</div>
      <div style={{ margin: '4px 0', fontSize: 13 }}>{t('common.reasonLine', { reason: g.reason })}</div>
      <div className="yl-muted" style={{ fontSize: 12, marginBottom: 6 }}>
        {t('breakGlass.until', { time: fmtMinute(g.expiresAt) })}{typeof g.readCount === 'number' ? ` · ${t('breakGlass.readsN', { count: g.readCount })}` : ''}{live(g) && <Tag color="red" style={{ marginInlineStart: 6 }}>{t('breakGlass.live')}</Tag>}
      </div>
      {reviewCell(g)}
    </div>
  );

  return (
    <div>
      <PageHeader title={t('nav.breakGlass')} subtitle={t('breakGlass.subtitle')} />
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={9}>
          <DatePicker.RangePicker value={range} allowClear={false} style={{ width: '100%' }} inputReadOnly={mobile}
            onChange={(v) => { if (v?.[0] && v[1]) { setRange([v[0], v[1]]); paging.reset(); } }} />
        </Col>
        <Col xs={24} md={8}>
          <InstitutionSelect allowClear={!own} disabled={own} style={{ width: '100%' }} value={institutionId} placeholder={t('sched.allInstitutions')}
            known={own && me.role.institutionId && me.role.institutionName ? [{ value: me.role.institutionId, label: me.role.institutionName }] : []}
            onChange={(v) => { setInstitutionId(v as string | undefined); paging.reset(); }} />
        </Col>
        <Col xs={24} md={7}>
          <Segmented block value={reviewed} onChange={(v) => { setReviewed(v as typeof reviewed); paging.reset(); }} options={[
            { value: 'all', label: t('breakGlass.all') }, { value: 'false', label: t('breakGlass.unreviewed') }, { value: 'true', label: t('breakGlass.reviewed') },
          ]} />
        </Col>
      </Row>
      <DataList<BreakGlassGrant> rowKey={(g) => g.id} columns={columns} data={data?.items} total={data?.total} loading={loading} error={error}
        paging={paging} renderCard={card} empty={<span className="yl-muted">{t('breakGlass.none')}</span>} />
      <Modal open={!!reviewing} title={t('breakGlass.reviewTitle')} onCancel={() => setReviewing(null)} onOk={() => form.submit()}
        okText={t('breakGlass.confirmReview')} okButtonProps={{ loading: busy }} cancelText={t('common.cancel')} destroyOnHidden>
        {reviewing && (
          <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
            {who(reviewing)} · {reviewing.institutionName ?? '—'} · {fmtMinute(reviewing.grantedAt)}<br />{t('common.reasonLine', { reason: reviewing.reason })}
          </Typography.Paragraph>
        )}
        <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item name="note" label={t('breakGlass.note')} rules={[{ required: true, whitespace: true, message: t('breakGlass.noteRequired') }]}>
            <Input.TextArea rows={3} maxLength={1000} placeholder={t('breakGlass.notePlaceholder')} autoFocus />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
