/**
 * One record entry: its content, its source institution, the lab items of a lab report (with the trend of each),
 * a document's attachments, and every version — superseded ones struck through and labelled 已更正.
 */
import { EditOutlined, HistoryOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Drawer, Empty, Modal, Skeleton, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { asPage, type Page } from '../../api';
import { useAuth } from '../../auth';
import { useApiData, useIsMobile } from '../../hooks';
import { Attachments } from './Attachments';
import type { FormKind } from './EntryForm';
import { FlaggedValue, LabTable, LabTrend } from './Lab';
import { fmtMinute, KIND_COLORS, KIND_PATH, refRange, type EntryKind, type EntryVersion, type Observation } from './model';

/** The fields shown for each kind, in order (dates formatted, vocabularies labelled). */
const FIELDS: Record<EntryKind, string[]> = {
  encounter: ['class', 'startedAt', 'endedAt', 'departmentName', 'practitionerName', 'reason', 'status'],
  condition: ['code', 'display', 'category', 'clinicalStatus', 'verificationStatus', 'isPrimary', 'onsetDate', 'note'],
  allergy: ['substance', 'category', 'reaction', 'severity', 'criticality', 'clinicalStatus'],
  medication: ['drug', 'dose', 'route', 'frequency', 'days', 'quantity', 'authoredAt', 'status', 'note'],
  report: ['category', 'name', 'modality', 'issuedAt', 'findings', 'conclusion', 'status'],
  observation: ['name', 'value', 'range', 'effectiveAt', 'category', 'device'],
  document: ['kind', 'title', 'authoredAt', 'text'],
};
const VOCAB: Record<string, string> = {
  'encounter.class': 'record.encounterClass', 'condition.category': 'record.conditionCategory', 'condition.clinicalStatus': 'record.clinicalStatus',
  'allergy.category': 'record.allergyCategory', 'allergy.severity': 'record.severity', 'allergy.criticality': 'record.criticality',
  'report.category': 'record.reportCategory', 'document.kind': 'record.docKind', 'observation.category': 'record.obsCategory',
  'medication.frequency': 'record.freq',
};

/** The form a correction of this entry opens. */
export const formKindOf = (kind: EntryKind, e: EntryVersion): FormKind => (kind === 'report' && e.category === 'lab' ? 'report' : kind);

function VersionFields({ kind, v }: { kind: EntryKind; v: EntryVersion }) {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const show = (f: string): ReactNode => {
    if (f === 'value') return <FlaggedValue value={v.valueNum ?? v.valueText} flag={v.flag as string | null} unit={v.unit as string | null} />;
    if (f === 'range') return refRange(v.refLow, v.refHigh, v.refText as string | null) || null;
    const x = v[f];
    if (x === null || x === undefined || x === '') return null;
    if (typeof x === 'boolean') return x ? t('record.yes') : t('record.no');
    if (/At$/.test(f) && typeof x === 'string') return fmtMinute(x);
    const vocab = VOCAB[`${kind}.${f}`];
    if (vocab) return t(`${vocab}.${String(x)}`, { defaultValue: String(x) });
    if (f === 'status' || f === 'verificationStatus') return t(`record.status.${String(x)}`, { defaultValue: String(x) });
    if (f === 'text' || f === 'findings') return <div style={{ whiteSpace: 'pre-wrap' }}>{String(x)}</div>;
    return String(x);
  };
  const items = FIELDS[kind].map((f) => ({ key: f, label: t(`record.field.${f}`), children: show(f) })).filter((i) => i.children !== null);
  return <Descriptions size="small" column={1} items={items} labelStyle={{ width: mobile ? 84 : 110 }} />;
}

/** The lab items of a lab report (observations with this reportId, found around its time). */
function ReportItems({ patientId, report, onTrend }: { patientId: string; report: EntryVersion; onTrend: (code: string) => void }) {
  const { t } = useTranslation();
  const at = dayjs(String(report.issuedAt ?? report.recordedAt ?? ''));
  const reportId = report.entryId ?? report.id;
  const embedded = Array.isArray(report.observations) ? report.observations as Observation[] : null;
  const { data, loading } = useApiData<Page<Observation>>(embedded ? null : `patients/${patientId}/observations`, {
    from: at.subtract(2, 'day').format('YYYY-MM-DD'), to: at.add(1, 'day').format('YYYY-MM-DD'), limit: 500,
  });
  if (loading && !data && !embedded) return <Skeleton active paragraph={{ rows: 3 }} />;
  const items = embedded ?? asPage(data).items.filter((o) => o.reportId === reportId);
  if (!items.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.lab.noItems')} />;
  return <LabTable items={items} onTrend={onTrend} />;
}

export function EntryDrawer({ patientId, kind, entryId, onClose, onCorrect }: {
  patientId: string; kind: EntryKind | null; entryId: string | null; onClose: () => void;
  onCorrect?: (kind: FormKind, v: EntryVersion) => void;
}) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const [trend, setTrend] = useState<string | null>(null);
  const open = !!kind && !!entryId;
  const { data, loading, error } = useApiData<Page<EntryVersion> | EntryVersion[]>(open ? `record/${KIND_PATH[kind]}/${entryId}/history` : null);
  const versions = [...asPage(data).items].sort((a, b) => b.version - a.version);
  const current = versions.find((v) => v.current ?? !v.supersededAt) ?? versions[0];
  const mayCorrect = !!current && !current.supersededAt && can('record.write', current.institutionId) && !!onCorrect;

  return (
    <Drawer open={open} onClose={onClose} size={mobile ? '100%' : 600} destroyOnHidden
      title={kind ? (
        <Space size={4} wrap>
          <Tag color={KIND_COLORS[kind]}>{t(`record.kind.${kind}`)}</Tag>
          <span>{current ? String(current.title ?? current.name ?? current.display ?? current.substance ?? current.drug ?? t(`record.kind.${kind}`)) : ''}</span>
        </Space>
      ) : ''}
      extra={mayCorrect && current && kind && (
        <Button icon={<EditOutlined />} onClick={() => onCorrect!(formKindOf(kind, current), current)}>{t('record.correct')}</Button>
      )}>
      {error ? <Alert type="error" showIcon title={error.text(i18n.language)} /> : loading && !data ? <Skeleton active /> : !current || !kind ? null : (
        <div>
          <div style={{ marginBottom: 12 }}>
            <Tag color="blue" className="yl-inst-tag">{current.institutionName ?? t('record.noInstitution')}</Tag>
            <span className="yl-muted" style={{ fontSize: 12 }}>
              {t('record.recordedLine', { time: fmtMinute(current.recordedAt), version: current.version })}
              {current.recordedByName ? ` · ${current.recordedByName}` : ''}
            </span>
          </div>
          <VersionFields kind={kind} v={current} />
          {kind === 'report' && current.category === 'lab' && (
            <Card size="small" title={t('record.lab.items')} style={{ marginTop: 12 }}>
              <ReportItems patientId={patientId} report={current} onTrend={setTrend} />
            </Card>
          )}
          {kind === 'observation' && typeof current.code === 'string' && (
            <Card size="small" title={t('record.lab.trend')} style={{ marginTop: 12 }}><LabTrend patientId={patientId} code={current.code} /></Card>
          )}
          {kind === 'document' && (
            <Card size="small" title={t('record.attach.label')} style={{ marginTop: 12 }}>
              <Attachments documentId={current.entryId ?? current.id} items={current.attachments as never} />
            </Card>
          )}
          <Typography.Title level={5} style={{ marginTop: 20 }}><HistoryOutlined /> {t('record.history', { count: versions.length })}</Typography.Title>
          {versions.length < 2 ? <Typography.Text type="secondary">{t('record.noCorrections')}</Typography.Text> : (
            <div className="yl-card-list" style={{ gap: 8 }}>
              {versions.map((v) => (
                <div key={v.versionId ?? `${v.id}-${v.version}`} className={`yl-version${v.supersededAt ? ' superseded' : ''}`}>
                  <div style={{ display: 'flex', gap: 6, alignItems: 'center', flexWrap: 'wrap', marginBottom: 4 }}>
                    <Tag>{t('record.versionN', { n: v.version })}</Tag>
                    {v.supersededAt ? <Tag color="warning">{t('record.corrected')}</Tag> : <Tag color="success">{t('record.currentVersion')}</Tag>}
                    <span className="yl-muted" style={{ fontSize: 12 }}>{fmtMinute(v.recordedAt)}{v.recordedByName ? ` · ${v.recordedByName}` : ''}</span>
                  </div>
                  {v.supersededAt && <div className="yl-muted" style={{ fontSize: 12, marginBottom: 4 }}>{t('record.supersededAt', { time: fmtMinute(v.supersededAt) })}</div>}
                  <div className="yl-version-body"><VersionFields kind={kind} v={v} /></div>
                </div>
              ))}
            </div>
          )}
        </div>
      )}
      <Modal open={!!trend} onCancel={() => setTrend(null)} footer={null} title={t('record.lab.trend')} width={mobile ? '100%' : 720} destroyOnHidden>
        {trend && <LabTrend patientId={patientId} code={trend} />}
      </Modal>
    </Drawer>
  );
}

