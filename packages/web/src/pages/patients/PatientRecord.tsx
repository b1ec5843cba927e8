/** One patient's record: demographics (full ID and phone, audited read), local numbers, duplicates, merges. */
import { ArrowRightOutlined, CalendarOutlined, EditOutlined, ManOutlined, WomanOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Descriptions, Result, Row, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { Action } from '@yilian/core';
import { useAuth } from '../../auth';
import { ChatDrawerButton } from '../../components/ChatPanel';
import { useTopic } from '../../realtime/RealtimeProvider';
import { useApiData, useIsMobile } from '../../hooks';
import { fmtTime } from '../../format';
import type { Patient, PatientSummary } from '../../types';
import { DuplicatesCard } from './DuplicatesCard';
import { ageFrom, ageText, PatientStatusTag, sexText } from './format';
import { IdentifiersCard } from './IdentifiersCard';
import { MergeHistoryCard } from './MergeHistoryCard';
import { PatientEditDrawer } from './PatientEditDrawer';

/** 张** : thread titles go into notifications, which may leave the platform by e-mail or SMS. */
const maskedName = (name: string) => `${[...name][0] ?? ''}${'*'.repeat(Math.max(0, [...name].length - 1))}`;

export function PatientRecord({ id, self = false }: { id: string; self?: boolean }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const [refresh, setRefresh] = useState(0);
  const [editing, setEditing] = useState(false);
  const { data: p, loading, error, reload, setData } = useApiData<Patient>(`patients/${id}`);
  const { message } = App.useApp();
  // Live: someone else changed this record (or we reconnected): show the record as it now is.
  useTopic(`patient:${id}`, (e) => {
    // Our own save already shows that version.
    if (e.type === 'patient.updated' && p?.version !== undefined && e.data.version === p.version) return;
    reload();
    setRefresh((r) => r + 1);
    if (e.type !== 'resync') void message.info({ content: t('patient.liveUpdated'), key: `live-${id}` });
  });

  if (error) return <Result status={error.status === 404 ? '404' : error.status === 403 ? '403' : 'error'} title={error.text(i18n.language)}
    extra={!self && <Button onClick={() => navigate('/patients')}>{t('nav.patients')}</Button>} />;
  if (loading && !p) return <Skeleton active paragraph={{ rows: 8 }} />;
  if (!p) return null;

  const mergedInto = typeof p.mergedInto === 'string' ? { id: p.mergedInto } : p.mergedInto ?? null;
  const age = p.age ?? ageFrom(p.birthDate);
  const summary: PatientSummary = {
    id: p.id, name: p.name, sex: p.sex, birthDate: p.birthDate, age, residentIdMasked: p.residentId ? `${p.residentId.slice(0, 3)}***********${p.residentId.slice(-4)}` : null,
    phoneMasked: p.phone ? `${p.phone.slice(0, 3)}****${p.phone.slice(-4)}` : null, regionCode: p.regionCode ?? null, status: p.status,
  };
  const afterMerge = (survivorId: string) => { setRefresh((r) => r + 1); if (survivorId !== p.id) navigate(`/patients/${survivorId}`); else reload(); };
  const staff = !self && can('patient.search');
  const merged = p.status === 'merged' || !!mergedInto;
  // The patient role may edit its own record (scope self); staff as the role allows. A merged record stays as it was.
  const canEdit = can('patient.update');
  const editButton = canEdit && (merged
    ? <Tooltip title={t('patient.mergedNotEditable')}><Button icon={<EditOutlined />} disabled>{t('patient.editRecord')}</Button></Tooltip>
    : <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>{t('patient.editRecord')}</Button>);

  return (
    <div>
      {merged && (
        <Alert type="warning" showIcon style={{ marginBottom: 16 }}
          title={t('patient.mergedBanner')}
          description={<>{canEdit && <div>{t('patient.mergedNotEditable')}</div>}{mergedInto && <Link to={`/patients/${mergedInto.id}`}>{mergedInto.name ? t('patient.openSurvivorNamed', { name: mergedInto.name }) : t('patient.openSurvivor')} <ArrowRightOutlined /></Link>}</>} />
      )}
      <Card style={{ marginBottom: 16 }}>
        <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', justifyContent: 'space-between', gap: 8, marginBottom: 12 }}>
          <Space align="center" wrap>
            <Typography.Title level={4} style={{ margin: 0 }}>{p.name}</Typography.Title>
            {p.sex && <Tag icon={p.sex === 'male' ? <ManOutlined /> : <WomanOutlined />} color={p.sex === 'male' ? 'blue' : 'magenta'}>{sexText(t, p.sex)}</Tag>}
            <Tag>{ageText(t, age)}</Tag>
            <PatientStatusTag status={p.status} t={t} />
          </Space>
          <Space wrap>
            {staff && can('message.use' as Action) && <ChatDrawerButton caseType="patient" caseId={p.id} patientId={p.id} label={t('chat.patientDiscussion')}
              title={t('chat.patientTitle', { name: maskedName(p.name) })} />}
            {staff && !merged && can('appointment.book') && (
              <Button icon={<CalendarOutlined />} onClick={() => navigate('/scheduling/calendar', {
                // In the page state, not the address: names stay out of URLs and logs.
                state: { patient: { value: p.id, label: [p.name, sexText(t, p.sex), ageText(t, age)].join(' · ') } },
              })}>{t('sched.bookForPatient')}</Button>
            )}
            {editButton}
          </Space>
        </div>
        <Descriptions column={mobile ? 1 : 3} size="small" items={[
          { key: 'id', label: t('patient.residentId'), children: <span className="yl-mono">{p.residentId ?? '—'}</span> },
          { key: 'birth', label: t('patient.birthDate'), children: p.birthDate ?? '—' },
          { key: 'phone', label: t('patient.phone'), children: <span className="yl-mono">{p.phone ?? '—'}</span> },
          { key: 'ins', label: t('patient.insuranceCardNo'), children: <span className="yl-mono">{p.insuranceCardNo ?? '—'}</span> },
          { key: 'region', label: t('patient.regionCode'), children: <span className="yl-mono">{p.regionCode ?? '—'}</span> },
          { key: 'created', label: t('patient.createdAt'), children: fmtTime(p.createdAt) || '—' },
          { key: 'addr', label: t('patient.address'), children: p.address ?? '—', span: mobile ? 1 : 3 },
        ]} />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('patient.auditedRead')}</Typography.Text>
      </Card>
      <Row gutter={[16, 16]}>
        {staff && p.status !== 'merged' && (
          <Col xs={24}><DuplicatesCard key={`d${refresh}`} patient={summary} onMerged={afterMerge} /></Col>
        )}
        <Col xs={24} xl={staff ? 12 : 24}>
          <IdentifiersCard key={`i${refresh}`} patientId={p.id} identifiers={p.identifiers ?? []} editable={!self && p.status !== 'merged'}
            onChanged={reload} />
        </Col>
        {staff && (
          <Col xs={24} xl={12}><MergeHistoryCard key={`m${refresh}`} patientId={p.id} onUndone={() => { setRefresh((r) => r + 1); reload(); }} /></Col>
        )}
      </Row>
      {canEdit && !merged && (
        <PatientEditDrawer open={editing} patient={p} onClose={() => setEditing(false)}
          onSaved={(saved) => { setEditing(false); setData(saved); setRefresh((r) => r + 1); }}
          onReloaded={(fresh) => { setData(fresh); setRefresh((r) => r + 1); }} />
      )}
    </div>
  );
}
