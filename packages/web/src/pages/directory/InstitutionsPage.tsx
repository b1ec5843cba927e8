/** 机构: institutions of the consortia, filtered by keyword, level, type and consortium. */
import { PlusOutlined } from '@ant-design/icons';
import { INSTITUTION_LEVELS, INSTITUTION_TYPES } from '@yilian/core';
import { Button, Col, Input, Row, Select, Space, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { Page } from '../../api';
import { useAuth } from '../../auth';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { ConsortiumSelect } from '../../components/RemoteSelect';
import { StatusTag } from '../../components/StatusTag';
import { ToggleActive } from '../../components/ToggleActive';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import type { Institution } from '../../types';
import { levelText } from './format';
import { InstitutionForm } from './InstitutionForm';

interface Filters { q?: string; level?: string; type?: string; consortiumId?: string; active?: string }

export default function InstitutionsPage() {
  const { t } = useTranslation();
  const labels = useLabels();
  const { can } = useAuth();
  const navigate = useNavigate();
  const paging = usePaging();
  const [filters, setFilters] = useState<Filters>({});
  const [editing, setEditing] = useState<Institution | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const { data, loading, error, reload } = useApiData<Page<Institution>>('institutions', { ...filters, limit: paging.limit, offset: paging.offset });
  const setFilter = (f: Filters) => { paging.reset(); setFilters((old) => ({ ...old, ...f })); };
  const openForm = (i: Institution | null) => { setEditing(i); setFormOpen(true); };

  const actions = (i: Institution) => (
    <Space size={0} onClick={(e) => e.stopPropagation()}>
      {can('institution.update', i.id) && <Button type="link" size="small" onClick={() => openForm(i)}>{t('common.edit')}</Button>}
      {can('institution.deactivate') && <ToggleActive base={`institutions/${i.id}`} active={i.active} name={i.name} onDone={reload} />}
    </Space>
  );

  const columns: ColumnsType<Institution> = [
    { title: t('directory.institutionName'), dataIndex: 'name', render: (_, i) => (
      <div style={{ minWidth: 200 }}>
        <Typography.Link onClick={() => navigate(`/directory/institutions/${i.id}`)}>{i.name}</Typography.Link>
        <div className="yl-muted yl-mono" style={{ fontSize: 12 }}>{i.code}</div>
      </div>
    ) },
    { title: t('directory.level'), key: 'level', className: 'yl-nowrap', render: (_, i) => levelText(labels, i.level, i.grade) },
    { title: t('directory.type'), dataIndex: 'type', className: 'yl-nowrap', render: (v: string) => labels.label(INSTITUTION_TYPES, v) },
    { title: t('directory.regionCode'), dataIndex: 'regionCode', render: (v: string) => <span className="yl-mono">{v}</span> },
    { title: t('directory.consortia'), dataIndex: 'consortia', render: (cs: Institution['consortia']) => (
      <div style={{ maxWidth: 260 }}>{cs?.map((c) => <Tag key={c.id} style={{ marginBottom: 2 }}>{c.name}</Tag>)}</div>
    ) },
    { title: t('common.status'), dataIndex: 'active', render: (a: boolean) => <StatusTag active={a} /> },
  ];
  if (can('institution.update') || can('institution.deactivate'))
    columns.push({ title: t('common.actions'), key: 'actions', fixed: 'right', render: (_, i) => actions(i) });

  return (
    <div>
      <PageHeader title={t('nav.institutions')} extra={can('institution.create') &&
        <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm(null)}>{t('directory.newInstitution')}</Button>} />
      <Row gutter={[12, 12]} className="yl-filters">
        <Col xs={24} md={8}>
          <Input.Search allowClear placeholder={t('directory.institutionSearch')} onSearch={(q) => setFilter({ q: q.trim() || undefined })} />
        </Col>
        <Col xs={12} md={4}>
          <Select allowClear style={{ width: '100%' }} placeholder={t('directory.level')} options={labels.options(INSTITUTION_LEVELS)}
            onChange={(level?: string) => setFilter({ level })} />
        </Col>
        <Col xs={12} md={5}>
          <Select allowClear style={{ width: '100%' }} placeholder={t('directory.type')} options={labels.options(INSTITUTION_TYPES)}
            onChange={(type?: string) => setFilter({ type })} popupMatchSelectWidth={false} />
        </Col>
        <Col xs={24} md={7}>
          <ConsortiumSelect allowClear style={{ width: '100%' }} onChange={(v) => setFilter({ consortiumId: (v as string | undefined) ?? undefined })} />
        </Col>
      </Row>
      <DataList<Institution>
        rowKey={(i) => i.id}
        columns={columns}
        data={data?.items}
        total={data?.total}
        loading={loading} error={error}
        paging={paging}
        onOpen={(i) => navigate(`/directory/institutions/${i.id}`)}
        renderCard={(i) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
              <Typography.Text strong>{i.name}</Typography.Text>
              <StatusTag active={i.active} />
            </div>
            <div className="yl-muted" style={{ fontSize: 13, margin: '4px 0' }}>
              {levelText(labels, i.level, i.grade)} · {labels.label(INSTITUTION_TYPES, i.type)} · <span className="yl-mono">{i.regionCode}</span>
            </div>
            {!!i.consortia?.length && <div>{i.consortia.map((c) => <Tag key={c.id} style={{ marginBottom: 2 }}>{c.name}</Tag>)}</div>}
            <div style={{ marginTop: 4, marginInlineStart: -4 }}>{actions(i)}</div>
          </div>
        )}
      />
      <InstitutionForm open={formOpen} editing={editing} onClose={() => setFormOpen(false)}
        onSaved={() => { setFormOpen(false); reload(); }} />
    </div>
  );
}
