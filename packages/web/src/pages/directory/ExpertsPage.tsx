/** 专家库: experts by specialty and the services they accept. */
import { PlusOutlined, UserOutlined } from '@ant-design/icons';
import { EXPERT_SERVICES, SPECIALTIES, TITLES } from '@yilian/core';
import { Alert, Avatar, Button, Card, Col, Empty, Input, Pagination, Row, Select, Space, Spin, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Page } from '../../api';
import { useAuth } from '../../auth';
import { usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { ToggleActive } from '../../components/ToggleActive';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import type { Expert } from '../../types';
import { ExpertForm } from './ExpertForm';

interface Filters { q?: string; specialty?: string; service?: string; institutionId?: string }

export default function ExpertsPage() {
  const { t } = useTranslation();
  const { label, options, en } = useLabels();
  const { can } = useAuth();
  const paging = usePaging(24);
  const [filters, setFilters] = useState<Filters>({});
  const [editing, setEditing] = useState<Expert | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const { data, loading, error, reload } = useApiData<Page<Expert>>('experts', { ...filters, limit: paging.limit, offset: paging.offset });
  const setFilter = (f: Filters) => { paging.reset(); setFilters((old) => ({ ...old, ...f })); };
  const manage = can('expert.manage');

  return (
    <div>
      <PageHeader title={t('nav.experts')} subtitle={t('directory.expertsSubtitle')} extra={manage &&
        <Button type="primary" icon={<PlusOutlined />} onClick={() => { setEditing(null); setFormOpen(true); }}>{t('directory.addExpert')}</Button>} />
      <Row gutter={[12, 12]} className="yl-filters">
        <Col xs={24} md={7}>
          <Input.Search allowClear placeholder={t('directory.practitionerSearch')} onSearch={(q) => setFilter({ q: q.trim() || undefined })} />
        </Col>
        <Col xs={12} md={5}>
          <Select allowClear style={{ width: '100%' }} placeholder={t('directory.specialty')} options={options(SPECIALTIES)}
            showSearch={{ optionFilterProp: 'label' }} popupMatchSelectWidth={false} onChange={(specialty?: string) => setFilter({ specialty })} />
        </Col>
        <Col xs={12} md={5}>
          <Select allowClear style={{ width: '100%' }} placeholder={t('directory.service')} options={options(EXPERT_SERVICES)}
            popupMatchSelectWidth={false} onChange={(service?: string) => setFilter({ service })} />
        </Col>
        <Col xs={24} md={7}>
          <InstitutionSelect allowClear style={{ width: '100%' }} onChange={(v) => setFilter({ institutionId: (v as string | undefined) ?? undefined })} />
        </Col>
      </Row>
      {error && <Alert type="error" showIcon title={error.text(en ? 'en' : 'zh')} style={{ marginBottom: 16 }} />}
      <Spin spinning={loading}>
        <Row gutter={[16, 16]}>
          {data?.items.map((x) => (
            <Col key={x.practitionerId} xs={24} sm={12} xl={8}>
              <Card size="small" style={{ height: '100%', opacity: x.active ? 1 : 0.6 }}
                actions={manage ? [
                  <Button key="e" type="link" size="small" onClick={() => { setEditing(x); setFormOpen(true); }}>{t('common.edit')}</Button>,
                  <ToggleActive key="t" base={`experts/${x.practitionerId}`} active={x.active} name={x.name} onDone={reload} />,
                ] : undefined}>
                <Card.Meta
                  avatar={<Avatar size={44} icon={<UserOutlined />} style={{ background: '#e6f0fa', color: '#0f6fbf' }} />}
                  title={<Space size={6} wrap><span>{x.name}</span><Typography.Text type="secondary" style={{ fontSize: 13, fontWeight: 400 }}>{label(TITLES, x.title)}</Typography.Text>
                    {!x.active && <Tag>{t('common.inactive')}</Tag>}</Space>}
                  description={
                    <div>
                      <div style={{ marginBottom: 6 }}><Tag color="blue">{label(SPECIALTIES, x.specialty)}</Tag>
                        {x.services.map((s) => <Tag key={s} color="cyan" style={{ marginBottom: 2 }}>{label(EXPERT_SERVICES, s)}</Tag>)}</div>
                      {x.institutions?.length ? <div style={{ fontSize: 13 }}>{x.institutions.map((i) => i.name).join(en ? ', ' : '、')}</div> : null}
                      {x.availability && <div style={{ fontSize: 13 }}>{t('directory.availabilityLine', { text: x.availability })}</div>}
                    </div>
                  }
                />
              </Card>
            </Col>
          ))}
        </Row>
        {!loading && !data?.items.length && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      </Spin>
      {(data?.total ?? 0) > paging.pageSize && (
        <Pagination style={{ marginTop: 16, textAlign: 'center' }} current={paging.current} pageSize={paging.pageSize}
          total={data?.total} onChange={paging.onChange} showSizeChanger={false} />
      )}
      <ExpertForm open={formOpen} editing={editing} onClose={() => setFormOpen(false)} onSaved={() => { setFormOpen(false); reload(); }} />
    </div>
  );
}
