/** 转诊管理: tabs 待办 / 我发起的 / 我接收的 / 全部 (box) with state, direction and text filters; cards on phones. */
import { PlusOutlined } from '@ant-design/icons';
import { REFERRAL_STATE_LABELS, REFERRAL_STATES } from '@yilian/core';
import { Button, Col, Input, Row, Select, Tabs } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { asPage, type Page } from '../../api';
import { useAuth, useMe } from '../../auth';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import { useRealtimeEvent, useTopic } from '../../realtime/RealtimeProvider';
import { StateTag } from './ReferralDetailPage';
import { BOXES, toReferral, type Box, type Referral } from './model';

export default function ReferralsPage() {
  const { t } = useTranslation();
  const { options } = useLabels();
  const { can } = useAuth();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const box = (params.get('box') as Box | null) ?? 'todo';
  const [status, setStatus] = useState<string>();
  const [direction, setDirection] = useState<string>();
  const [q, setQ] = useState('');
  const paging = usePaging();
  const { data, error, loading, reload } = useApiData<Page<unknown>>('referrals', { box, status, direction, q: q || undefined, limit: paging.limit, offset: paging.offset });
  useTopic(me.role.institutionId ? `referrals:${me.role.institutionId}` : null, () => reload());
  useRealtimeEvent('notification.created', () => reload());
  const page = asPage(data);
  const items = page.items.map(toReferral);
  // The server does not count: one more page while this one is full.
  const total = page.total || paging.offset + items.length + (items.length === paging.limit ? 1 : 0);

  const columns: ColumnsType<Referral> = [
    { title: t('referral.code'), dataIndex: 'code', className: 'yl-nowrap', render: (v: string, r) => <Link to={`/referrals/${r.id}`} className="yl-mono">{v}</Link> },
    { title: t('referral.direction'), dataIndex: 'direction', render: (v: string) => t(`referral.dir.${v}`) },
    { title: t('referral.patient'), dataIndex: 'patientName' },
    { title: t('referral.status'), dataIndex: 'status', render: (_, r) => <StateTag r={r} /> },
    { title: t('referral.urgency'), dataIndex: 'urgency', render: (v: string) => t(`referral.urgencies.${v}`, { defaultValue: v }) },
    { title: t('referral.reason'), dataIndex: 'reason', ellipsis: true, width: 240 },
    { title: t('referral.since'), dataIndex: 'statusSince', className: 'yl-nowrap', render: (v: string) => (v ? dayjs(v).format('MM-DD HH:mm') : '') },
  ];

  return (
    <div>
      <PageHeader title={t('referral.title')} extra={can('referral.create') && <Link to="/referrals/new"><Button type="primary" icon={<PlusOutlined />}>{t('referral.newReferral')}</Button></Link>} />
      <Tabs activeKey={box} onChange={(k) => { paging.reset(); setParams({ box: k }); }} items={BOXES.map((b) => ({ key: b, label: t(`referral.box.${b}`) }))} />
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={8}><Input.Search allowClear placeholder={t('referral.search')} onSearch={(v) => { paging.reset(); setQ(v.trim()); }} /></Col>
        <Col xs={12} md={6}><Select allowClear style={{ width: '100%' }} placeholder={t('referral.allStates')} value={status} onChange={(v) => { paging.reset(); setStatus(v); }}
          options={options(REFERRAL_STATE_LABELS).filter((o) => (REFERRAL_STATES as readonly string[]).includes(o.value))} /></Col>
        <Col xs={12} md={5}><Select allowClear style={{ width: '100%' }} placeholder={t('referral.allDirections')} value={direction} onChange={(v) => { paging.reset(); setDirection(v); }}
          options={(['up', 'down'] as const).map((d) => ({ value: d, label: t(`referral.dir.${d}`) }))} /></Col>
      </Row>
      <DataList<Referral> rowKey={(r) => r.id} columns={columns} data={items} total={total} paging={paging} loading={loading} error={error}
        onOpen={(r) => navigate(`/referrals/${r.id}`)} empty={<span className="yl-muted">{t('referral.empty')}</span>}
        renderCard={(r) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
              <b>{t(`referral.dir.${r.direction}`)} · {r.patientName ?? ''}</b><span><StateTag r={r} /></span>
            </div>
            <div className="yl-muted yl-mono" style={{ fontSize: 12 }}>{r.code} · {r.statusSince ? dayjs(r.statusSince).format('MM-DD HH:mm') : ''}</div>
            <div className="yl-ellipsis" style={{ fontSize: 13 }}>{r.reason}</div>
          </div>
        )} />
    </div>
  );
}
