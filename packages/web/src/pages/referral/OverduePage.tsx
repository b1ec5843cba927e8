/** 超时转诊: steps past their time limit (the office's own institution; the consortium office sees all). */
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { asPage, type Page } from '../../api';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { useApiData } from '../../hooks';
import { StateTag } from './ReferralDetailPage';
import { toReferral, type Referral } from './model';

type Row = Referral & { hoursOverdue?: number; limitHours?: number };

export default function OverduePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { data, loading, error } = useApiData<Page<unknown>>('referrals/overdue');
  const items = asPage(data).items.map((x) => toReferral(x) as Row);
  const over = (r: Row) => r.hoursOverdue ?? (r.dueAt ? Math.max(0, Math.round((Date.now() - Date.parse(r.dueAt)) / 36e5)) : undefined);
  const columns: ColumnsType<Row> = [
    { title: t('referral.code'), dataIndex: 'code', render: (v: string, r) => <Link to={`/referrals/${r.id}`} className="yl-mono">{v}</Link> },
    { title: t('referral.status'), dataIndex: 'status', render: (_, r) => <StateTag r={r} /> },
    { title: t('referral.patient'), dataIndex: 'patientName' },
    { title: `${t('referral.from')} → ${t('referral.to')}`, key: 'ft', render: (_, r) => `${r.fromInstitutionName ?? ''} → ${r.toInstitutionName ?? ''}` },
    { title: t('referral.since'), dataIndex: 'statusSince', render: (v: string) => (v ? dayjs(v).format('MM-DD HH:mm') : '') },
    { title: t('referral.overdueTag'), key: 'o', render: (_, r) => { const h = over(r); return h === undefined ? '' : <b style={{ color: '#cf1322' }}>{t('referral.overdueBy', { hours: h })}</b>; } },
  ];
  return (
    <div>
      <PageHeader title={t('referral.overdue')} />
      <DataList<Row> rowKey={(r) => `${r.id}:${r.status}`} columns={columns} data={items} loading={loading} error={error} onOpen={(r) => navigate(`/referrals/${r.id}`)}
        empty={<span className="yl-muted">{t('referral.overdueEmpty')}</span>}
        renderCard={(r) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between' }}><b className="yl-mono">{r.code}</b><span><StateTag r={r} /></span></div>
            <div className="yl-muted" style={{ fontSize: 12 }}>{r.fromInstitutionName ?? ''} → {r.toInstitutionName ?? ''}</div>
            {over(r) !== undefined && <b style={{ color: '#cf1322' }}>{t('referral.overdueBy', { hours: over(r) })}</b>}
          </div>
        )} />
    </div>
  );
}
