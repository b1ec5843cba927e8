/**
 * 会诊工作台: tabs 待办 (with the count) / 我的申请 / 会诊中心 / 受邀 / 本院 / 全部 (box), filters for state, kind, period
 * and text; a table on wide screens, cards on phones. Live on the `consultations:<institution>` topic.
 */
import { PlusOutlined } from '@ant-design/icons';
import { CONSULTATION_ACTOR_ROLES, CONSULTATION_KIND_LABELS, CONSULTATION_STATE_LABELS } from '@yilian/core';
import { Badge, Button, Col, DatePicker, Input, Row, Select, Tabs } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
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
import { BOXES, toConsultation, toCounts, type Box, type Consultation } from './model';
import { DueTag, KindTag, StateTag, useInstitutionNames } from './tags';

const when = (v?: string | null) => (v ? dayjs(v).format('MM-DD HH:mm') : '');

export default function ConsultationsPage() {
  const { t } = useTranslation();
  const { options } = useLabels();
  const { can } = useAuth();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const boxes = BOXES.filter((b) => (b === 'mine' ? can('consultation.create') : b === 'centre' ? can('consultation.centre')
    : b === 'invited' ? (CONSULTATION_ACTOR_ROLES.invited_expert as readonly string[]).includes(me.role.role) : true));
  const asked = params.get('box') as Box | null;
  const box: Box = asked && boxes.includes(asked) ? asked : 'todo';
  const [status, setStatus] = useState<string>();
  const [kind, setKind] = useState<string>();
  const [period, setPeriod] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [q, setQ] = useState('');
  const paging = usePaging();
  const { data, error, loading, reload } = useApiData<Page<unknown>>('consultations', {
    box, status, kind, q: q || undefined, from: period?.[0]?.format('YYYY-MM-DD'), to: period?.[1]?.format('YYYY-MM-DD'),
    limit: paging.limit, offset: paging.offset,
  });
  const counts = useApiData<unknown>('consultations/counts');
  const refresh = () => { reload(); counts.reload(); };
  useTopic(me.role.institutionId ? `consultations:${me.role.institutionId}` : null, refresh);
  useRealtimeEvent('notification.created', refresh);
  const page = asPage(data);
  const items = page.items.map(toConsultation);
  // The server does not count: one more page while this one is full.
  const counted = typeof (data as { total?: unknown } | undefined)?.total === 'number';
  const total = counted ? page.total : paging.offset + items.length + (items.length === paging.limit ? 1 : 0);
  const todo = toCounts(counts.data).todo;
  const inst = useInstitutionNames();

  const columns: ColumnsType<Consultation> = [
    { title: t('consultation.code'), dataIndex: 'code', className: 'yl-nowrap', render: (v: string, c) => <Link to={`/consultations/${c.id}`} className="yl-mono">{v}</Link> },
    { title: t('consultation.patient'), dataIndex: 'patientName' },
    { title: t('consultation.kind'), dataIndex: 'kind', render: (_, c) => <KindTag c={c} /> },
    { title: t('consultation.status'), dataIndex: 'status', render: (_, c) => <span style={{ whiteSpace: 'nowrap' }}><StateTag c={c} /><DueTag c={c} /></span> },
    { title: t('consultation.applicant'), dataIndex: 'fromInstitutionName', render: (v: string, c) => inst(c.fromInstitutionId, v) },
    { title: t('consultation.purpose'), dataIndex: 'purpose', ellipsis: true, width: 200 },
    { title: t('consultation.scheduledAt'), dataIndex: 'scheduledAt', className: 'yl-nowrap', render: (v: string) => when(v) },
  ];

  return (
    <div>
      <PageHeader title={t('consultation.title')}
        extra={can('consultation.create') && <Link to="/consultations/new"><Button type="primary" icon={<PlusOutlined />}>{t('consultation.newConsultation')}</Button></Link>} />
      <Tabs activeKey={box} onChange={(k) => { paging.reset(); setParams({ box: k }); }}
        items={boxes.map((b) => ({ key: b, label: b === 'todo' && todo ? <Badge count={todo} size="small" offset={[8, -2]}>{t('consultation.box.todo')}</Badge> : t(`consultation.box.${b}`) }))} />
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={7}><Input.Search allowClear placeholder={t('consultation.search')} onSearch={(v) => { paging.reset(); setQ(v.trim()); }} /></Col>
        <Col xs={12} md={5}><Select allowClear style={{ width: '100%' }} placeholder={t('consultation.allStates')} value={status} onChange={(v) => { paging.reset(); setStatus(v); }}
          options={options(CONSULTATION_STATE_LABELS)} /></Col>
        <Col xs={12} md={5}><Select allowClear style={{ width: '100%' }} placeholder={t('consultation.allKinds')} value={kind} onChange={(v) => { paging.reset(); setKind(v); }}
          options={options(CONSULTATION_KIND_LABELS)} /></Col>
        <Col xs={24} md={7}><DatePicker.RangePicker style={{ width: '100%' }} value={period} onChange={(v) => { paging.reset(); setPeriod(v); }}
          placeholder={[t('consultation.period'), t('consultation.period')]} /></Col>
      </Row>
      <DataList<Consultation> rowKey={(c) => c.id} columns={columns} data={items} total={total} paging={paging} loading={loading} error={error}
        onOpen={(c) => navigate(`/consultations/${c.id}`)} empty={<span className="yl-muted">{t('consultation.empty')}</span>}
        renderCard={(c) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
              <b>{c.patientName ?? ''}</b><span style={{ whiteSpace: 'nowrap' }}><StateTag c={c} /></span>
            </div>
            <div style={{ margin: '2px 0' }}><KindTag c={c} /><DueTag c={c} /></div>
            <div className="yl-muted yl-mono" style={{ fontSize: 12 }}>{c.code} · {inst(c.fromInstitutionId, c.fromInstitutionName)}</div>
            <div className="yl-ellipsis" style={{ fontSize: 13 }}>{c.purpose}</div>
            {c.scheduledAt && <div style={{ fontSize: 12 }}>{t('consultation.scheduledAt')}：{when(c.scheduledAt)}</div>}
          </div>
        )} />
    </div>
  );
}
