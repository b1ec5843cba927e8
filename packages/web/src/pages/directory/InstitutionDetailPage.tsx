/** One institution: its particulars, consortia and departments. */
import { ArrowLeftOutlined, EditOutlined } from '@ant-design/icons';
import { INSTITUTION_TYPES } from '@yilian/core';
import { Button, Card, Descriptions, Result, Skeleton, Space, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useAuth } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { StatusTag } from '../../components/StatusTag';
import { ToggleActive } from '../../components/ToggleActive';
import { useApiData, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Institution } from '../../types';
import { DepartmentsPanel } from './DepartmentsPanel';
import { levelText } from './format';
import { InstitutionForm } from './InstitutionForm';

export default function InstitutionDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const labels = useLabels();
  const { can } = useAuth();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const [editOpen, setEditOpen] = useState(false);
  const { data: inst, loading, error, reload } = useApiData<Institution>(`institutions/${id}`);

  if (error) return <Result status={error.status === 404 ? '404' : 'error'} title={error.text(labels.en ? 'en' : 'zh')}
    extra={<Button onClick={() => navigate('/directory/institutions')}>{t('common.back')}</Button>} />;
  if (loading && !inst) return <Skeleton active />;
  if (!inst) return null;

  return (
    <div>
      <PageHeader
        title={<Space><Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)} aria-label={t('common.back')} />{inst.name}</Space>}
        extra={<>
          {can('institution.update', inst.id) && <Button icon={<EditOutlined />} onClick={() => setEditOpen(true)}>{t('common.edit')}</Button>}
          {can('institution.deactivate') && <ToggleActive size="middle" base={`institutions/${inst.id}`} active={inst.active} name={inst.name} onDone={reload} />}
        </>}
      />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions column={mobile ? 1 : 3} size="small" items={[
          { key: 'code', label: t('directory.institutionCode'), children: <span className="yl-mono">{inst.code}</span> },
          { key: 'short', label: t('directory.shortName'), children: inst.shortName ?? '—' },
          { key: 'status', label: t('common.status'), children: <StatusTag active={inst.active} /> },
          { key: 'level', label: t('directory.level'), children: levelText(labels, inst.level, inst.grade) },
          { key: 'type', label: t('directory.type'), children: labels.label(INSTITUTION_TYPES, inst.type) },
          { key: 'region', label: t('directory.regionCode'), children: <span className="yl-mono">{inst.regionCode}</span> },
          { key: 'address', label: t('directory.address'), children: inst.address ?? '—' },
          { key: 'phone', label: t('directory.phone'), children: inst.phone ?? '—' },
          { key: 'consortia', label: t('directory.consortia'), children: inst.consortia?.length
            ? inst.consortia.map((c) => <Tag key={c.id}><Link to={`/directory/consortia/${c.id}`}>{c.name}</Link></Tag>) : '—' },
        ]} />
      </Card>
      <Card title={t('nav.departments')}>
        <DepartmentsPanel institutionId={inst.id} />
      </Card>
      <InstitutionForm open={editOpen} editing={inst} onClose={() => setEditOpen(false)} onSaved={() => { setEditOpen(false); reload(); }} />
    </div>
  );
}
