/** 医生: practitioners, searchable by name, full pinyin or initials; filters by institution, title, specialty. */
import { PlusOutlined, StarFilled } from '@ant-design/icons';
import { SPECIALTIES, TITLES } from '@yilian/core';
import { Button, Col, Input, Row, Select, Space, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Page } from '../../api';
import { useAuth } from '../../auth';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { StatusTag } from '../../components/StatusTag';
import { ToggleActive } from '../../components/ToggleActive';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import type { Practitioner } from '../../types';
import { PractitionerForm } from './PractitionerForm';

interface Filters { q?: string; institutionId?: string; title?: string; specialty?: string }

export default function PractitionersPage() {
  const { t } = useTranslation();
  const { label, options } = useLabels();
  const { can } = useAuth();
  const paging = usePaging();
  const [filters, setFilters] = useState<Filters>({});
  const [editingId, setEditingId] = useState<string | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const { data, loading, error, reload } = useApiData<Page<Practitioner>>('practitioners', { ...filters, limit: paging.limit, offset: paging.offset });
  const setFilter = (f: Filters) => { paging.reset(); setFilters((old) => ({ ...old, ...f })); };
  const openForm = (id: string | null) => { setEditingId(id); setFormOpen(true); };
  /** Managed when the role may manage practitioners at one of the places this person works. */
  const manages = (p: Practitioner) => p.roles.some((r) => can('practitioner.manage', r.institutionId));

  const sites = (p: Practitioner) => (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      {p.roles.map((r) => (
        <span key={`${r.institutionId}-${r.departmentId ?? ''}`} style={{ fontSize: 13 }}>
          {r.institutionName}{r.departmentName ? <span className="yl-muted"> · {r.departmentName}</span> : null}
        </span>
      ))}
    </div>
  );
  const nameCell = (p: Practitioner) => (
    <Space size={4}>
      <Typography.Text strong>{p.name}</Typography.Text>
      {p.isExpert && <Tooltip title={t('directory.inExpertPool')}><StarFilled style={{ color: '#faad14' }} /></Tooltip>}
    </Space>
  );
  const actions = (p: Practitioner) => manages(p) && (
    <Space size={0}>
      <Button type="link" size="small" onClick={() => openForm(p.id)}>{t('common.edit')}</Button>
      <ToggleActive base={`practitioners/${p.id}`} active={p.active} name={p.name} onDone={reload} />
    </Space>
  );

  const columns: ColumnsType<Practitioner> = [
    { title: t('directory.practitionerName'), dataIndex: 'name', className: 'yl-nowrap', render: (_, p) => nameCell(p) },
    { title: t('common.sex'), dataIndex: 'sex', className: 'yl-nowrap', render: (s: string) => t(`common.${s}`) },
    { title: t('directory.title'), dataIndex: 'title', className: 'yl-nowrap', render: (v: string) => label(TITLES, v) },
    { title: t('directory.specialty'), dataIndex: 'specialty', className: 'yl-nowrap', render: (v: string | null) => label(SPECIALTIES, v) },
    { title: t('directory.practiceSites'), key: 'sites', render: (_, p) => sites(p) },
    { title: t('directory.mobile'), dataIndex: 'phone', render: (v: string | null) => <span className="yl-mono yl-nowrap">{v ?? ''}</span> },
    { title: t('common.status'), dataIndex: 'active', render: (a: boolean) => <StatusTag active={a} /> },
  ];
  if (can('practitioner.manage')) columns.push({ title: t('common.actions'), key: 'a', fixed: 'right', render: (_, p) => actions(p) });

  return (
    <div>
      <PageHeader title={t('nav.practitioners')} extra={can('practitioner.manage') &&
        <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm(null)}>{t('directory.newPractitioner')}</Button>} />
      <Row gutter={[12, 12]} className="yl-filters">
        <Col xs={24} md={8}>
          <Input.Search allowClear placeholder={t('directory.practitionerSearch')} onSearch={(q) => setFilter({ q: q.trim() || undefined })} />
        </Col>
        <Col xs={24} md={7}>
          <InstitutionSelect allowClear style={{ width: '100%' }} onChange={(v) => setFilter({ institutionId: (v as string | undefined) ?? undefined })} />
        </Col>
        <Col xs={12} md={4}>
          <Select allowClear style={{ width: '100%' }} placeholder={t('directory.title')} options={options(TITLES)}
            popupMatchSelectWidth={false} onChange={(title?: string) => setFilter({ title })} />
        </Col>
        <Col xs={12} md={5}>
          <Select allowClear style={{ width: '100%' }} placeholder={t('directory.specialty')} options={options(SPECIALTIES)}
            showSearch={{ optionFilterProp: 'label' }} popupMatchSelectWidth={false} onChange={(specialty?: string) => setFilter({ specialty })} />
        </Col>
      </Row>
      <DataList<Practitioner>
        rowKey={(p) => p.id} columns={columns} data={data?.items} total={data?.total} loading={loading} error={error} paging={paging}
        renderCard={(p) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
              {nameCell(p)}
              <StatusTag active={p.active} />
            </div>
            <div style={{ margin: '4px 0' }}>
              <Tag color="blue">{label(TITLES, p.title)}</Tag>
              {p.specialty && <Tag>{label(SPECIALTIES, p.specialty)}</Tag>}
              <span className="yl-muted" style={{ fontSize: 13 }}>{t(`common.${p.sex}`)}{p.phone ? ` · ${p.phone}` : ''}</span>
            </div>
            {sites(p)}
            {manages(p) && <div style={{ marginInlineStart: -4, marginTop: 4 }}>{actions(p)}</div>}
          </div>
        )}
      />
      <PractitionerForm open={formOpen} editingId={editingId} onClose={() => setFormOpen(false)}
        onSaved={() => { setFormOpen(false); reload(); }} />
    </div>
  );
}
