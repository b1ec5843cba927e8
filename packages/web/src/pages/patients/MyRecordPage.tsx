import { Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { PatientRecord } from './PatientRecord';

/** 我的档案: the signed-in patient's own record. */
export default function MyRecordPage() {
  const me = useMe();
  const { t } = useTranslation();
  return (
    <div>
      <PageHeader title={t('nav.myRecord')} />
      {me.patientId ? <PatientRecord id={me.patientId} self /> : <Result status="info" title={t('patient.noOwnRecord')} />}
    </div>
  );
}
