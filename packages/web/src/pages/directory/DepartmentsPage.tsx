/** 科室: departments of an institution (the caller's own one first). */
import { Card, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { DepartmentsPanel } from './DepartmentsPanel';

export default function DepartmentsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const [known] = useState(() => me.role.institutionId ? [{ value: me.role.institutionId, label: me.role.institutionName ?? '' }] : []);
  const institutionId = params.get('institutionId') ?? me.role.institutionId ?? undefined;

  return (
    <div>
      <PageHeader title={t('nav.departments')} />
      <Card>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center', marginBottom: 16 }}>
          <Typography.Text>{t('directory.institution')}</Typography.Text>
          <InstitutionSelect style={{ width: 360, maxWidth: '100%' }} value={institutionId} known={known}
            onChange={(v) => setParams(v ? { institutionId: v as string } : {})} />
        </div>
        {institutionId ? <DepartmentsPanel key={institutionId} institutionId={institutionId} />
          : <Typography.Text type="secondary">{t('directory.chooseInstitutionFirst')}</Typography.Text>}
      </Card>
    </div>
  );
}
