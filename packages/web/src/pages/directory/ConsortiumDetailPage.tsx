/** One consortium: particulars and member institutions; the consortium office edits and manages membership. */
import { ArrowLeftOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { CONSORTIUM_KINDS, INSTITUTION_TYPES } from '@yilian/core';
import { App, Button, Card, Descriptions, Popconfirm, Result, Skeleton, Space, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { del, post } from '../../api';
import { useAuth } from '../../auth';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { StatusTag } from '../../components/StatusTag';
import { ToggleActive } from '../../components/ToggleActive';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Consortium, Institution } from '../../types';
import { ConsortiumForm } from './ConsortiumForm';
import { levelText } from './format';

export default function ConsortiumDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const labels = useLabels();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const [editOpen, setEditOpen] = useState(false);
  const [adding, setAdding] = useState<string | undefined>();
  const { data: c, loading, error, reload } = useApiData<Consortium>(`consortia/${id}`);
  const manage = can('consortium.manage');

  if (error) return <Result status={error.status === 404 ? '404' : 'error'} title={error.text(labels.en ? 'en' : 'zh')}
    extra={<Button onClick={() => navigate('/directory/consortia')}>{t('common.back')}</Button>} />;
  if (loading && !c) return <Skeleton active />;
  if (!c) return null;

  const addMember = async () => {
    if (!adding) return;
    try {
      await post(`consortia/${c.id}/members`, { institutionId: adding });
      setAdding(undefined);
      void message.success(t('common.saved'));
      reload();
    } catch (e) { report(e); }
  };
  const removeMember = async (i: Institution) => {
    try { await del(`consortia/${c.id}/members/${i.id}`); reload(); } catch (e) { report(e); }
  };

  const columns: ColumnsType<Institution> = [
    { title: t('directory.institutionName'), dataIndex: 'name', render: (v: string, i) => (
      <Space>
        <Typography.Link onClick={() => navigate(`/directory/institutions/${i.id}`)}>{v}</Typography.Link>
        {i.id === c.leadInstitutionId && <Typography.Text type="warning">{t('directory.lead')}</Typography.Text>}
      </Space>
    ) },
    { title: t('directory.level'), key: 'level', render: (_, i) => levelText(labels, i.level, i.grade) },
    { title: t('directory.type'), dataIndex: 'type', render: (v: string) => labels.label(INSTITUTION_TYPES, v) },
    { title: t('directory.regionCode'), dataIndex: 'regionCode', render: (v: string) => <span className="yl-mono">{v}</span> },
  ];
  if (manage) columns.push({ title: t('common.actions'), key: 'a', render: (_, i) => (
    <Popconfirm title={t('directory.confirmRemoveMember', { name: i.name })} onConfirm={() => removeMember(i)} okButtonProps={{ danger: true }}>
      <Button type="link" size="small" danger>{t('directory.removeMember')}</Button>
    </Popconfirm>
  ) });

  return (
    <div>
      <PageHeader
        title={<Space><Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate('/directory/consortia')} aria-label={t('common.back')} />{c.name}</Space>}
        extra={manage && <>
          <Button icon={<EditOutlined />} onClick={() => setEditOpen(true)}>{t('common.edit')}</Button>
          <ToggleActive size="middle" base={`consortia/${c.id}`} active={c.active} name={c.name} onDone={reload} />
        </>}
      />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions column={mobile ? 1 : 3} size="small" items={[
          { key: 'kind', label: t('directory.consortiumKind'), children: labels.label(CONSORTIUM_KINDS, c.kind) },
          { key: 'lead', label: t('directory.leadInstitution'), children: c.leadInstitutionName ?? '—' },
          { key: 'status', label: t('common.status'), children: <StatusTag active={c.active} /> },
          { key: 'region', label: t('directory.regionCode'), children: <span className="yl-mono">{c.regionCode ?? '—'}</span> },
          { key: 'members', label: t('directory.memberCount'), children: c.members?.length ?? c.memberCount ?? 0, span: mobile ? 1 : 'filled' },
          { key: 'desc', label: t('directory.description'), children: c.description ?? '—', span: mobile ? 1 : 'filled' },
        ]} />
      </Card>
      <Card title={t('directory.members')} extra={manage && !mobile && (
        <Space.Compact>
          <InstitutionSelect style={{ width: 260 }} value={adding} onChange={(v) => setAdding(v as string)} allowClear />
          <Button type="primary" icon={<PlusOutlined />} disabled={!adding} onClick={addMember}>{t('directory.addMember')}</Button>
        </Space.Compact>
      )}>
        {manage && mobile && (
          <Space.Compact style={{ width: '100%', marginBottom: 12 }}>
            <InstitutionSelect style={{ flex: 1, minWidth: 0 }} value={adding} onChange={(v) => setAdding(v as string)} allowClear />
            <Button type="primary" icon={<PlusOutlined />} disabled={!adding} onClick={addMember}>{t('directory.addMember')}</Button>
          </Space.Compact>
        )}
        <DataList<Institution> rowKey={(i) => i.id} columns={columns} data={c.members} loading={loading}
          renderCard={(i) => (
            <div>
              <Typography.Link onClick={() => navigate(`/directory/institutions/${i.id}`)}>{i.name}</Typography.Link>
              {i.id === c.leadInstitutionId && <Typography.Text type="warning"> · {t('directory.lead')}</Typography.Text>}
              <div className="yl-muted" style={{ fontSize: 13 }}>{levelText(labels, i.level, i.grade)} · {labels.label(INSTITUTION_TYPES, i.type)}</div>
              {manage && <Popconfirm title={t('directory.confirmRemoveMember', { name: i.name })} onConfirm={() => removeMember(i)} okButtonProps={{ danger: true }}>
                <Button type="link" size="small" danger style={{ paddingInline: 0 }}>{t('directory.removeMember')}</Button>
              </Popconfirm>}
            </div>
          )} />
      </Card>
      <ConsortiumForm open={editOpen} editing={c} onClose={() => setEditOpen(false)} onSaved={() => { setEditOpen(false); reload(); }} />
    </div>
  );
}
