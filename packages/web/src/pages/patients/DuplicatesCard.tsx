/** Likely duplicates of this record (same name + birth date + sex, or same phone), with a merge action. */
import { Button, Card, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { asPage, type Page } from '../../api';
import { useAuth } from '../../auth';
import { DataList } from '../../components/DataList';
import { useApiData } from '../../hooks';
import type { PatientSummary } from '../../types';
import { ageText, DuplicateReasons, sexText } from './format';
import { MergeDialog } from './MergeDialog';
import { PatientLine } from './PatientLine';

export function DuplicatesCard({ patient, onMerged }: { patient: PatientSummary; onMerged: (survivorId: string) => void }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [other, setOther] = useState<PatientSummary | null>(null);
  const { data, loading, error } = useApiData<Page<PatientSummary> | PatientSummary[]>(`patients/${patient.id}/duplicates`);
  const items = asPage(data).items;
  const canMerge = can('patient.merge');
  if (error?.status === 403) return null;

  const mergeButton = (p: PatientSummary) => canMerge &&
    <Button size="small" type="primary" ghost onClick={() => setOther(p)}>{t('patient.merge')}</Button>;
  const columns: ColumnsType<PatientSummary> = [
    { title: t('patient.name'), dataIndex: 'name', render: (v: string, p) => <Typography.Link onClick={() => navigate(`/patients/${p.id}`)}>{v}</Typography.Link> },
    { title: t('common.sex'), dataIndex: 'sex', render: (s: string | null) => sexText(t, s) },
    { title: t('patient.birthDate'), dataIndex: 'birthDate', className: 'yl-nowrap', render: (v: string | null, p) => v ?? ageText(t, p.age) },
    { title: t('patient.residentId'), dataIndex: 'residentIdMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
    { title: t('patient.phone'), dataIndex: 'phoneMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
    { title: t('patient.whyAlike'), dataIndex: 'reasons', render: (r?: string[]) => <DuplicateReasons reasons={r} t={t} /> },
  ];
  if (canMerge) columns.push({ title: '', key: 'merge', render: (_, p) => mergeButton(p) });

  return (
    <Card title={t('patient.duplicates')}>
      {!loading && !items.length ? <Typography.Text type="secondary">{t('patient.noDuplicates')}</Typography.Text> : (
        <DataList<PatientSummary> rowKey={(p) => p.id} columns={columns} data={items} loading={loading}
          renderCard={(p) => <PatientLine p={p} onName={() => navigate(`/patients/${p.id}`)} action={mergeButton(p)} />} />
      )}
      <MergeDialog open={!!other} a={patient} b={other} onClose={() => setOther(null)}
        onMerged={(survivorId) => { setOther(null); onMerged(survivorId); }} />
    </Card>
  );
}
