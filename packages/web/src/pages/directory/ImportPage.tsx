/** 批量导入: institutions or practitioners from .xlsx/.csv — check first (dry run), then import for real. */
import { CheckCircleOutlined, DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Checkbox, Col, Result, Row, Segmented, Space, Statistic, Steps, Table, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { PageHeader } from '../../components/PageHeader';
import { useErrorReporter, useIsMobile } from '../../hooks';
import type { ImportReport } from '../../types';

type Kind = 'institutions' | 'practitioners';

export default function ImportPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const en = i18n.language.startsWith('en');
  const [kind, setKind] = useState<Kind>('institutions');
  const [file, setFile] = useState<File | null>(null);
  const [partial, setPartial] = useState(false);
  const [check, setCheck] = useState<ImportReport | null>(null);
  const [done, setDone] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState<'check' | 'import' | null>(null);

  const reset = (k: Kind = kind) => { setKind(k); setFile(null); setCheck(null); setDone(null); setPartial(false); };
  const send = async (dryRun: boolean) => {
    if (!file) return;
    const body = new FormData();
    body.append('file', file, file.name);
    setBusy(dryRun ? 'check' : 'import');
    try {
      const r = await api<ImportReport>(`import/${kind}`, { method: 'POST', body, query: { dryRun, partial: partial || undefined } });
      if (dryRun) setCheck(r);
      else { setDone(r); void message.success(t('import.doneMessage', { created: r.created, updated: r.updated })); }
    } catch (e) { report(e); } finally { setBusy(null); }
  };

  const errorCount = check?.errors.length ?? 0;
  const errorRows = new Set(check?.errors.map((e) => e.row)).size;
  const canImport = !!check && !done && (errorCount === 0 || partial) && check.total - errorRows > 0;
  const step = done ? 3 : check ? 2 : file ? 1 : 0;

  return (
    <div>
      <PageHeader title={t('nav.import')} subtitle={t('import.subtitle')} />
      <Card style={{ marginBottom: 16 }}>
        {!mobile && <Steps size="small" current={step} style={{ marginBottom: 24 }} items={[
          { title: t('import.step1') }, { title: t('import.step2') }, { title: t('import.step3') }, { title: t('import.step4') },
        ]} />}
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Space wrap>
            <Segmented<Kind> value={kind} onChange={(k) => reset(k)} options={[
              { value: 'institutions', label: t('import.institutions') }, { value: 'practitioners', label: t('import.practitioners') },
            ]} />
            <Button icon={<DownloadOutlined />} href={`/api/v1/import/templates/${kind}.xlsx`} download>
              {t('import.downloadTemplate')}
            </Button>
          </Space>
          <Upload.Dragger
            accept=".xlsx,.csv"
            maxCount={1}
            fileList={file ? [{ uid: '1', name: file.name, status: 'done', size: file.size }] : []}
            beforeUpload={(f) => { setFile(f); setCheck(null); setDone(null); return false; }}
            onRemove={() => { setFile(null); setCheck(null); setDone(null); }}
          >
            <p className="ant-upload-drag-icon"><InboxOutlined /></p>
            <p className="ant-upload-text">{t('import.dropHere')}</p>
            <p className="ant-upload-hint">{t('import.dropHint')}</p>
          </Upload.Dragger>
          <Space wrap>
            <Button type="primary" ghost disabled={!file} loading={busy === 'check'} onClick={() => send(true)}>{t('import.check')}</Button>
            <Checkbox checked={partial} onChange={(e) => setPartial(e.target.checked)} disabled={!!done}>{t('import.partial')}</Checkbox>
            <Button type="primary" disabled={!canImport} loading={busy === 'import'} onClick={() => send(false)}>{t('import.importNow')}</Button>
          </Space>
          {check && errorCount > 0 && !partial && !done && <Alert type="warning" showIcon title={t('import.blockedByErrors')} />}
        </Space>
      </Card>

      {done && (
        <Card style={{ marginBottom: 16 }}>
          <Result status="success" icon={<CheckCircleOutlined />} title={t('import.doneTitle')}
            subTitle={t('import.doneMessage', { created: done.created, updated: done.updated })}
            extra={<Button onClick={() => reset()}>{t('import.again')}</Button>} />
        </Card>
      )}

      {check && !done && (
        <Card title={t('import.reportTitle')}>
          <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
            <Col xs={12} md={6}><Statistic title={t('import.totalRows')} value={check.total} /></Col>
            <Col xs={12} md={6}><Statistic title={t('import.willCreate')} value={check.created} /></Col>
            <Col xs={12} md={6}><Statistic title={t('import.willUpdate')} value={check.updated} /></Col>
            <Col xs={12} md={6}><Statistic title={t('import.errorRows')} value={errorRows}
              styles={{ content: { color: errorRows ? '#cf1322' : '#389e0d' } }} /></Col>
          </Row>
          {errorCount === 0 ? <Alert type="success" showIcon title={t('import.noErrors')} /> : (
            <Table
              size="small"
              rowKey={(e) => `${e.row}-${e.field ?? ''}-${e.zh}`}
              dataSource={check.errors}
              pagination={check.errors.length > 50 ? { pageSize: 50 } : false}
              scroll={{ x: 'max-content' }}
              columns={[
                { title: t('import.row'), dataIndex: 'row', width: 80 },
                { title: t('import.field'), dataIndex: 'field', width: 160, render: (f: string | null) => (f ? t(`import.fields.${kind}.${f}`, { defaultValue: f }) : '') },
                { title: t('import.error'), key: 'msg', render: (_, e) => <Typography.Text type="danger">{en ? e.en : e.zh}</Typography.Text> },
              ]}
            />
          )}
        </Card>
      )}
    </div>
  );
}
