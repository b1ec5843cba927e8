/** 会诊超时: requests past their answer time and not answered (the centre its own; an office its institution's; the consortium office all). */
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { asPage, type Page } from '../../api';
import { useMe } from '../../auth';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { useApiData } from '../../hooks';
import { useTopic } from '../../realtime/RealtimeProvider';
import { toConsultation, type Consultation } from './model';
import { DueTag, fmt, KindTag, StateTag, useInstitutionNames } from './tags';

export default function ConsultationOverduePage() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const { data, loading, error, reload } = useApiData<Page<unknown>>('consultations/overdue');
  useTopic(me.role.institutionId ? `consultations:${me.role.institutionId}` : null, () => reload());
  const inst = useInstitutionNames();
  const items = asPage(data).items.map(toConsultation).map((c) => ({ ...c, overdue: true }));
  const columns: ColumnsType<Consultation> = [
    { title: t('consultation.code'), dataIndex: 'code', render: (v: string, c) => <Link to={`/consultations/${c.id}`} className="yl-mono">{v}</Link> },
    { title: t('consultation.kind'), dataIndex: 'kind', render: (_, c) => <KindTag c={c} /> },
    { title: t('consultation.status'), dataIndex: 'status', render: (_, c) => <StateTag c={c} /> },
    { title: `${t('consultation.applicant')} → ${t('consultation.centre')}`, key: 'ft', render: (_, c) => `${inst(c.fromInstitutionId, c.fromInstitutionName)} → ${inst(c.centreInstitutionId, c.centreInstitutionName)}` },
    { title: t('consultation.dueAt'), dataIndex: 'dueAt', className: 'yl-nowrap', render: (v: string) => fmt(v) },
    { title: t('consultation.overdueTag'), key: 'o', render: (_, c) => <DueTag c={c} /> },
  ];
  return (
    <div>
      <PageHeader title={t('consultation.overdue')} subtitle={t('consultation.overdueSubtitle')} />
      <DataList<Consultation> rowKey={(c) => c.id} columns={columns} data={items} loading={loading} error={error} onOpen={(c) => navigate(`/consultations/${c.id}`)}
        empty={<span className="yl-muted">{t('consultation.overdueEmpty')}</span>}
        renderCard={(c) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between' }}><b className="yl-mono">{c.code}</b><span><StateTag c={c} /></span></div>
            <div><KindTag c={c} /><DueTag c={c} /></div>
            <div className="yl-muted" style={{ fontSize: 12 }}>{inst(c.fromInstitutionId, c.fromInstitutionName)} → {inst(c.centreInstitutionId, c.centreInstitutionName)}</div>
          </div>
        )} />
    </div>
  );
}
