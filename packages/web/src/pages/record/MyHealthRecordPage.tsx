/** 我的健康档案 (patient, phone first): my own timeline, my consents (revocable), and who has looked at my record. */
import { Result, Segmented } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { AccessLog } from './AccessLog';
import { ConsentsPanel } from './ConsentsPanel';
import { RecordView } from './RecordView';

export default function MyHealthRecordPage() {
  const me = useMe();
  const { t } = useTranslation();
  const [tab, setTab] = useState<'record' | 'consents' | 'log'>('record');
  if (!me.patientId) return <div><PageHeader title={t('nav.myHealthRecord')} /><Result status="info" title={t('patient.noOwnRecord')} /></div>;
  return (
    <div className="yl-narrow-wide">
      <PageHeader title={t('nav.myHealthRecord')} />
      <Segmented block value={tab} onChange={setTab} style={{ marginBottom: 12 }} options={[
        { value: 'record', label: t('record.my.record') }, { value: 'consents', label: t('record.my.consents') }, { value: 'log', label: t('record.my.log') },
      ]} />
      {tab === 'record' && <RecordView patientId={me.patientId} self />}
      {tab === 'consents' && <ConsentsPanel patientId={me.patientId} self />}
      {tab === 'log' && <AccessLog patientId={me.patientId} />}
    </div>
  );
}
