/**
 * 排班管理: an institution's bookable resources (doctor clinics, exams, beds) with their weekly templates, slot
 * generation and stop-clinic; the institution's quota and release rules; its closure days.
 */
import { CalendarOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Col, Row, Segmented, Space, Tabs, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth, useMe } from '../../auth';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useApiData } from '../../hooks';
import type { Department } from '../../types';
import { ClosureDaysPanel } from './ClosureDaysPanel';
import { RESOURCE_KINDS, type Resource } from './model';
import { GenerateModal, ResourceForm, StopModal } from './ResourceDialogs';
import { useResources } from './ResourceSelect';
import { RulesPanel } from './RulesPanel';
import { TemplateDrawer } from './TemplateDrawer';

const KIND_COLORS: Record<string, string> = { doctor: 'blue', exam: 'purple', bed: 'cyan' };

export default function ResourcesPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const institutionId = params.get('institutionId') ?? me.role.institutionId ?? undefined;
  const tab = params.get('tab') ?? 'resources';
  const [kind, setKind] = useState<string>('all');
  const [creating, setCreating] = useState(false);
  const [template, setTemplate] = useState<Resource | null>(null);
  const [generate, setGenerate] = useState<Resource | null>(null);
  const [stop, setStop] = useState<Resource | null>(null);
  const editable = !!institutionId && can('schedule.manage', institutionId);
  const set = (k: string, v: string | undefined) => { const p = new URLSearchParams(params); if (v) p.set(k, v); else p.delete(k); setParams(p, { replace: true }); };

  const { data, loading, error, reload } = useResources(institutionId, !!institutionId);
  const { data: depts } = useApiData<{ items: Department[] }>(institutionId ? 'departments' : null, { institutionId });
  const deptName = (id: string | null) => (id ? depts?.items.find((d) => d.id === id)?.name ?? '' : '');
  const rows = (data?.items ?? []).filter((r) => kind === 'all' || r.kind === kind);

  const kindTag = (r: Resource) => <Tag color={KIND_COLORS[r.kind]}>{r.kind === 'exam' && r.examType ? t(`sched.exam.${r.examType}`, { defaultValue: r.examType }) : t(`sched.kind.${r.kind}`)}</Tag>;
  const actions = (r: Resource) => (
    <Space size={0} wrap>
      <Link to={`/scheduling/calendar?institutionId=${r.institutionId}&resourceId=${r.id}`}><Button type="link" size="small" icon={<CalendarOutlined />}>{t('sched.viewSlots')}</Button></Link>
      {editable && <>
        <Button type="link" size="small" onClick={() => setTemplate(r)}>{t('sched.template')}</Button>
        <Button type="link" size="small" onClick={() => setGenerate(r)}>{t('sched.generate')}</Button>
        <Button type="link" size="small" danger onClick={() => setStop(r)}>{t('sched.stop')}</Button>
      </>}
    </Space>
  );
  const columns: ColumnsType<Resource> = [
    { title: t('sched.resourceName'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    { title: t('sched.kindLabel'), dataIndex: 'kind', className: 'yl-nowrap', render: (_, r) => kindTag(r) },
    { title: t('directory.departmentName'), dataIndex: 'departmentId', render: (v: string | null) => deptName(v) },
    { title: t('sched.ward'), dataIndex: 'ward', render: (v: string | null) => v ?? '' },
    { title: t('common.actions'), key: 'a', render: (_, r) => actions(r) },
  ];

  return (
    <div>
      <PageHeader title={t('nav.schedResources')} subtitle={t('sched.resourcesSubtitle')}
        extra={editable && tab === 'resources' && <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('sched.newResource')}</Button>} />
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={9}>
          <InstitutionSelect style={{ width: '100%' }} value={institutionId} disabled={me.role.role === 'institution_admin'}
            known={institutionId && me.role.institutionId === institutionId && me.role.institutionName ? [{ value: institutionId, label: me.role.institutionName }] : []}
            onChange={(v) => set('institutionId', v as string | undefined)} />
        </Col>
      </Row>
      {institutionId && (
        <Tabs activeKey={tab} onChange={(k) => set('tab', k === 'resources' ? undefined : k)} items={[
          {
            key: 'resources', label: t('sched.tabResources'), children: (
              <>
                <Segmented value={kind} onChange={setKind} style={{ marginBottom: 12 }}
                  options={[{ value: 'all', label: t('sched.allKinds') }, ...RESOURCE_KINDS.map((k) => ({ value: k, label: t(`sched.kind.${k}`) }))]} />
                <DataList<Resource> rowKey={(r) => r.id} columns={columns} data={rows} loading={loading} error={error}
                  empty={<span className="yl-muted">{t('sched.noResourcesYet')}</span>}
                  renderCard={(r) => (
                    <div>
                      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                        <Typography.Text strong>{r.name}</Typography.Text>{kindTag(r)}
                      </div>
                      <div className="yl-muted" style={{ fontSize: 13 }}>{[deptName(r.departmentId), r.ward].filter(Boolean).join(' · ')}</div>
                      <div style={{ marginInlineStart: -8 }}>{actions(r)}</div>
                    </div>
                  )} />
              </>
            ),
          },
          { key: 'rules', label: t('sched.tabRules'), children: <RulesPanel institutionId={institutionId} editable={editable} /> },
          { key: 'closures', label: t('sched.tabClosures'), children: <ClosureDaysPanel institutionId={institutionId} editable={editable} /> },
        ]} />
      )}
      <ResourceForm open={creating} institutionId={institutionId} onClose={() => setCreating(false)}
        onSaved={(r) => { setCreating(false); reload(); setTemplate(r); }} />
      <TemplateDrawer resource={template} onClose={() => setTemplate(null)} />
      <GenerateModal resource={generate} onClose={() => setGenerate(null)} />
      <StopModal resource={stop} onClose={() => setStop(null)} />
    </div>
  );
}
