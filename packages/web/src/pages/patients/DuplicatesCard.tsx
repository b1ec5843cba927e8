/** Likely duplicates of this record (same name + birth date + sex, or same phone), with a merge action. */
import { Button, Card, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { asPage, type Page } from '../../api';
import { useAuth } from '../../auth';
import { useApiData } from '../../hooks';
import type { PatientSummary } from '../../types';
import { ageText, sexText } from './format';
import { MergeDialog } from './MergeDialog';

export function DuplicatesCard({ patient, onMerged }: { patient: PatientSummary; onMerged: (survivorId: string) => void }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [other, setOther] = useState<PatientSummary | null>(null);
  const { data, loading, error } = useApiData<Page<PatientSummary> | PatientSummary[]>(`patients/${patient.id}/duplicates`);
  const items = asPage(data).items;
  const canMerge = can('patient.merge');
  if (error?.status === 403) return null;

  return (
    <Card title={t('patient.duplicates')}>
      {!loading && !items.length ? <Typography.Text type="secondary">{t('patient.noDuplicates')}</Typography.Text> : (
        <Table<PatientSummary>
          size="small" rowKey="id" dataSource={items} loading={loading} pagination={false} scroll={{ x: 'max-content' }}
          columns={[
            { title: t('patient.name'), dataIndex: 'name', render: (v: string, p) => <Typography.Link onClick={() => navigate(`/patients/${p.id}`)}>{v}</Typography.Link> },
            { title: t('common.sex'), dataIndex: 'sex', render: (s: string | null) => sexText(t, s) },
            { title: t('patient.birthDate'), dataIndex: 'birthDate', className: 'yl-nowrap', render: (v: string | null, p) => v ?? ageText(t, p.age) },
            { title: t('patient.residentId'), dataIndex: 'residentIdMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
            { title: t('patient.phone'), dataIndex: 'phoneMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
            ...(canMerge ? [{ title: '', key: 'merge', render: (_: unknown, p: PatientSummary) => (
              <Space><Button size="small" type="primary" ghost onClick={() => setOther(p)}>{t('patient.merge')}</Button></Space>
            ) }] : []),
          ]}
        />
      )}
      <MergeDialog open={!!other} a={patient} b={other} onClose={() => setOther(null)}
        onMerged={(survivorId) => { setOther(null); onMerged(survivorId); }} />
    </Card>
  );
}
