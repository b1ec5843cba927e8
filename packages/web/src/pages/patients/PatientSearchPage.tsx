/** 患者查询: one search box for ID number, mobile, local number, name, pinyin or initials; optional birth date. */
import { SearchOutlined, UserAddOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Input, Row, Space, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { Page } from '../../api';
import { useAuth } from '../../auth';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { useApiData } from '../../hooks';
import type { PatientSummary } from '../../types';
import { ageText, PatientStatusTag, sexText } from './format';

export default function PatientSearchPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const paging = usePaging();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const birthDate = params.get('birthDate') ?? '';
  const [typed, setTyped] = useState(q);
  const searching = !!(q || birthDate);
  const { data, loading, error } = useApiData<Page<PatientSummary>>(searching ? 'patients' : null,
    { q: q || undefined, birthDate: birthDate || undefined, limit: paging.limit, offset: paging.offset });

  const search = (next: { q?: string; birthDate?: string }) => {
    paging.reset();
    const p = { q: next.q ?? q, birthDate: next.birthDate ?? birthDate };
    setParams(Object.fromEntries(Object.entries(p).filter(([, v]) => v)));
  };
  const open = (p: PatientSummary) => navigate(`/patients/${p.id}`);

  const columns: ColumnsType<PatientSummary> = [
    { title: t('patient.name'), dataIndex: 'name', render: (v: string, p) => <Space size={4}><Typography.Link>{v}</Typography.Link><PatientStatusTag status={p.status} t={t} /></Space> },
    { title: t('common.sex'), dataIndex: 'sex', render: (s: string | null) => sexText(t, s) },
    { title: t('patient.age'), dataIndex: 'age', render: (a: number | null) => ageText(t, a) },
    { title: t('patient.birthDate'), dataIndex: 'birthDate', className: 'yl-nowrap' },
    { title: t('patient.residentId'), dataIndex: 'residentIdMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
    { title: t('patient.phone'), dataIndex: 'phoneMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
  ];

  return (
    <div>
      <PageHeader title={t('nav.patients')} extra={can('patient.create') &&
        <Button type="primary" icon={<UserAddOutlined />} onClick={() => navigate('/patients/new')}>{t('nav.newPatient')}</Button>} />
      <Card style={{ marginBottom: 16 }}>
        <Row gutter={[12, 12]}>
          <Col xs={24} md={15}>
            <Input.Search
              size="large" allowClear enterButton={<><SearchOutlined /> {t('common.search')}</>}
              placeholder={t('patient.searchPlaceholder')}
              value={typed} onChange={(e) => setTyped(e.target.value)}
              onSearch={(v) => search({ q: v.trim() })}
              autoFocus
            />
          </Col>
          <Col xs={24} md={9}>
            <DatePicker size="large" style={{ width: '100%' }} placeholder={t('patient.birthDateOptional')}
              value={birthDate ? dayjs(birthDate) : null} disabledDate={(d) => d.isAfter(dayjs())}
              onChange={(d) => search({ birthDate: d ? d.format('YYYY-MM-DD') : '' })} />
          </Col>
        </Row>
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0', fontSize: 13 }}>{t('patient.searchHelp')}</Typography.Paragraph>
      </Card>
      {searching && (
        <DataList<PatientSummary>
          rowKey={(p) => p.id} columns={columns} data={data?.items} total={data?.total} totalCapped={data?.totalCapped} loading={loading} error={error} paging={paging} onOpen={open}
          empty={<div style={{ padding: 16 }}>{t('patient.noResults')}{can('patient.create') && <div style={{ marginTop: 8 }}>
            <Button icon={<UserAddOutlined />} onClick={() => navigate('/patients/new')}>{t('nav.newPatient')}</Button></div>}</div>}
          renderCard={(p) => (
            <div>
              <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                <Space size={4}><Typography.Text strong>{p.name}</Typography.Text><PatientStatusTag status={p.status} t={t} /></Space>
                <span className="yl-muted">{sexText(t, p.sex)} · {ageText(t, p.age)}</span>
              </div>
              <div className="yl-mono" style={{ fontSize: 13, marginTop: 4 }}>{p.residentIdMasked ?? '—'}</div>
              <div className="yl-muted" style={{ fontSize: 13 }}>{p.birthDate ?? ''}{p.phoneMasked ? ` · ${p.phoneMasked}` : ''}</div>
            </div>
          )}
        />
      )}
    </div>
  );
}
