/** 下转候选: an upper-hospital doctor's stable patients with a diagnosis managed at primary level; one click starts a down-referral. */
import { Button, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { asPage, type Page } from '../../api';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { useApiData, useIsMobile } from '../../hooks';
import { camelize } from './model';

interface Candidate {
  patientId: string; patientName?: string | null; name?: string | null; diagnosis?: { code: string; display?: string | null } | null; code?: string | null; display?: string | null; criterion?: string | null; label?: string | null;
  stableDays?: number | null; since?: string | null; setting?: string | null; encounterClass?: string | null; departmentName?: string | null;
}

export default function CandidatesPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const { data, loading, error } = useApiData<Page<unknown>>('referrals/candidates');
  const items = asPage(data).items.map((x) => camelize<Candidate>(x)).map((c) => ({
    ...c, patientName: c.patientName ?? c.name, code: c.code ?? c.diagnosis?.code, display: c.display ?? c.diagnosis?.display,
  }));
  const start = (c: Candidate) => navigate(`/referrals/new?${new URLSearchParams({
    direction: 'down', patientId: c.patientId, ...(c.code ? { diagnosis: c.code, diagnosisName: c.display ?? c.label ?? c.code } : {}),
  }).toString()}`);
  const button = (c: Candidate) => <Button type="primary" size={mobile ? 'middle' : 'small'} onClick={(e) => { e.stopPropagation(); start(c); }}>{t('referral.startDown')}</Button>;
  const columns: ColumnsType<Candidate> = [
    { title: t('referral.patient'), dataIndex: 'patientName', render: (v: string, c) => <Link to={`/patients/${c.patientId}`}>{v ?? c.patientId.slice(0, 8)}</Link> },
    { title: t('referral.diagnoses'), key: 'dx', render: (_, c) => <Tag>{c.code} {c.display ?? ''}</Tag> },
    { title: t('referral.criterion'), key: 'cr', render: (_, c) => c.label ?? c.criterion ?? '' },
    { title: t('referral.stableDays'), dataIndex: 'stableDays', align: 'right' },
    { title: t('common.actions'), key: 'a', render: (_, c) => button(c) },
  ];
  return (
    <div>
      <PageHeader title={t('referral.candidates')} subtitle={t('referral.candidatesHint')} />
      <DataList<Candidate> rowKey={(c) => `${c.patientId}:${c.code ?? ''}`} columns={columns} data={items} loading={loading} error={error}
        empty={<span className="yl-muted">{t('referral.candidateEmpty')}</span>}
        renderCard={(c) => (
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'center' }}>
            <div><b>{c.patientName}</b><div className="yl-muted" style={{ fontSize: 12 }}>{c.code} {c.display ?? c.label ?? ''}</div></div>
            {button(c)}
          </div>
        )} />
    </div>
  );
}
