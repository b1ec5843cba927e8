import { ArrowLeftOutlined, SwapOutlined } from '@ant-design/icons';
import { Button, Tabs, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useAuth } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { useApiData } from '../../hooks';
import type { Patient } from '../../types';
import { ConsentsPanel } from '../record/ConsentsPanel';
import { RecordView } from '../record/RecordView';
import { ageFrom, ageText, sexText } from './format';
import { PatientRecord } from './PatientRecord';

const TABS = ['info', 'record', 'consents'] as const;

/** 患者档案 /patients/:id, 健康档案 /patients/:id/record, 授权同意 /patients/:id/consents */
export default function PatientDetailPage() {
  const { id = '', tab: rawTab } = useParams();
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const tab = (TABS as readonly string[]).includes(rawTab ?? '') ? rawTab! : 'info';
  const mayRecord = can('record.read') || can('record.consent');
  // The header names the patient on the record tabs (the info tab shows the whole card).
  const { data: p } = useApiData<Patient>(tab !== 'info' ? `patients/${id}` : null);
  const title = (
    <span>
      <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)} aria-label={t('common.back')} />{' '}
      {tab !== 'info' && p ? (
        <span>
          <Typography.Text strong style={{ fontSize: 'inherit' }}>{p.name}</Typography.Text>
          <Tag style={{ marginInlineStart: 8, verticalAlign: 3 }}>{sexText(t, p.sex)} · {ageText(t, p.age ?? ageFrom(p.birthDate))}</Tag>
        </span>
      ) : t('patient.detailTitle')}
    </span>
  );
  if (!mayRecord) return <div><PageHeader title={title} /><PatientRecord key={id} id={id} /></div>;
  return (
    <div>
      <PageHeader title={title} extra={can('referral.create') && <Link to={`/referrals/new?patientId=${id}`}><Button icon={<SwapOutlined />}>{t('referral.newReferral')}</Button></Link>} />
      <Tabs activeKey={tab} onChange={(k) => navigate(k === 'info' ? `/patients/${id}` : `/patients/${id}/${k}`, { replace: true })}
        className="yl-page-tabs" items={[
          { key: 'info', label: t('record.tabs.info'), children: tab === 'info' && <PatientRecord key={id} id={id} /> },
          ...(can('record.read') ? [{ key: 'record', label: t('record.tabs.record'), children: tab === 'record' && <RecordView key={id} patientId={id} /> }] : []),
          { key: 'consents', label: t('record.tabs.consents'), children: tab === 'consents' && <ConsentsPanel key={id} patientId={id} /> },
        ]} />
    </div>
  );
}
