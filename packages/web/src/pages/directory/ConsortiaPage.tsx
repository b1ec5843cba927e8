/** 医联体: the consortia of this deployment. */
import { PlusOutlined } from '@ant-design/icons';
import { CONSORTIUM_KINDS } from '@yilian/core';
import { Button, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { entity, type Page } from '../../api';
import { useAuth } from '../../auth';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { StatusTag } from '../../components/StatusTag';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import type { Consortium } from '../../types';
import { ConsortiumForm } from './ConsortiumForm';

export default function ConsortiaPage() {
  const { t } = useTranslation();
  const { label } = useLabels();
  const { can } = useAuth();
  const navigate = useNavigate();
  const paging = usePaging();
  const [formOpen, setFormOpen] = useState(false);
  const { data, loading, error, reload } = useApiData<Page<Consortium>>('consortia', { limit: paging.limit, offset: paging.offset });
  const open = (c: Consortium) => navigate(`/directory/consortia/${c.id}`);

  const columns: ColumnsType<Consortium> = [
    { title: t('directory.consortiumName'), dataIndex: 'name', render: (v: string, c) => <Typography.Link onClick={() => open(c)}>{v}</Typography.Link> },
    { title: t('directory.consortiumKind'), dataIndex: 'kind', render: (v: string) => <Tag color="geekblue">{label(CONSORTIUM_KINDS, v)}</Tag> },
    { title: t('directory.leadInstitution'), dataIndex: 'leadInstitutionName', render: (v: string | null) => v ?? '—' },
    { title: t('directory.regionCode'), dataIndex: 'regionCode', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
    { title: t('directory.memberCount'), dataIndex: 'memberCount', align: 'right' },
    { title: t('common.status'), dataIndex: 'active', render: (a: boolean) => <StatusTag active={a} /> },
  ];

  return (
    <div>
      <PageHeader title={t('nav.consortia')} extra={can('consortium.manage') &&
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setFormOpen(true)}>{t('directory.newConsortium')}</Button>} />
      <DataList<Consortium>
        rowKey={(c) => c.id} columns={columns} data={data?.items} total={data?.total} loading={loading} error={error} paging={paging} onOpen={open}
        renderCard={(c) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
              <Typography.Text strong>{c.name}</Typography.Text><StatusTag active={c.active} />
            </div>
            <div style={{ marginTop: 4 }}><Tag color="geekblue">{label(CONSORTIUM_KINDS, c.kind)}</Tag></div>
            <div className="yl-muted" style={{ fontSize: 13, marginTop: 4 }}>
              {t('directory.leadLine', { name: c.leadInstitutionName ?? '—' })} · {t('directory.memberCountN', { count: c.memberCount ?? 0 })}
            </div>
          </div>
        )}
      />
      <ConsortiumForm open={formOpen} editing={null} onClose={() => setFormOpen(false)}
        onSaved={(c) => { setFormOpen(false); const made = entity<Consortium>(c, 'consortium'); if (made) navigate(`/directory/consortia/${made.id}`); else reload(); }} />
    </div>
  );
}
