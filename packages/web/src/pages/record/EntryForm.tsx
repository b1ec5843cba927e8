/**
 * 新增/更正档案条目: compact forms per kind with sensible defaults — an encounter (门诊/急诊/住院), a diagnosis with
 * the ICD-10 picker, an allergy, a prescription, a lab result (items from the catalogue, unit and range prefilled),
 * an exam report, a document with attachments. A correction opens the same form prefilled and sends the `version`
 * it corrects; a stale version (409 version_conflict) asks to reload.
 */
import { DeleteOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Col, DatePicker, Drawer, Form, Input, InputNumber, Radio, Row, Select, Space, Upload, type UploadFile } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, post } from '../../api';
import { useMe } from '../../auth';
import { DepartmentSelect, RemoteSelect } from '../../components/RemoteSelect';
import { useErrorReporter, useIsMobile } from '../../hooks';
import { attachmentProblem, entryIdOf, KIND_PATH, num, uploadDocument, type CodeConcept, type EntryKind, type EntryVersion, type LabItem } from './model';

/** What the add menu offers: the entry kinds, with a lab result (report + items) and an exam report apart. */
export const FORM_KINDS = ['encounter', 'condition', 'allergy', 'medication', 'lab', 'report', 'document'] as const;
export type FormKind = (typeof FORM_KINDS)[number] | 'observation';

const ENCOUNTER_CLASSES = ['outpatient', 'emergency', 'inpatient'] as const;
const ALLERGY_CATEGORIES = ['medication', 'food', 'environment', 'biologic'] as const;
const SEVERITIES = ['mild', 'moderate', 'severe'] as const;
const REPORT_CATEGORIES = ['imaging', 'ultrasound', 'ecg', 'endoscopy', 'pathology', 'other'] as const;
const DOC_KINDS = ['outpatient_record', 'discharge_summary', 'referral_letter', 'consultation_opinion', 'consent_form', 'scanned', 'other'] as const;
const ROUTES = ['口服', '静脉滴注', '静脉注射', '肌内注射', '皮下注射', '外用', '吸入'];
const FREQUENCIES = ['qd', 'bid', 'tid', 'qid', 'qn', 'q8h', 'q12h', 'prn', 'st'];

type Values = Record<string, unknown>;
type LabRow = { code?: string; name?: string; value?: string; unit?: string; refLow?: number | null; refHigh?: number | null };

const toDay = (v: unknown) => (typeof v === 'string' && v ? dayjs(v) : undefined);
const iso = (v: unknown) => (dayjs.isDayjs(v) ? (v as Dayjs).toISOString() : undefined);
const date = (v: unknown) => (dayjs.isDayjs(v) ? (v as Dayjs).format('YYYY-MM-DD') : undefined);
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The entry kind a form writes (a lab form writes a report and its observations). */
export const kindOfForm = (k: FormKind): EntryKind => (k === 'lab' ? 'report' : k);

/** Form values from a stored version (for a correction). */
function initialFrom(kind: FormKind, e: EntryVersion | null): Values {
  const now = dayjs();
  if (!e) {
    switch (kind) {
      case 'encounter': return { class: 'outpatient', startedAt: now };
      case 'condition': return { category: 'encounter-diagnosis', clinicalStatus: 'active', isPrimary: true, verificationStatus: 'confirmed' };
      case 'allergy': return { category: 'medication', criticality: 'unable-to-assess' };
      case 'medication': return { authoredAt: now, route: '口服', frequency: 'qd', days: 7 };
      case 'lab': return { issuedAt: now, rows: [{}] };
      case 'report': return { category: 'imaging', issuedAt: now };
      case 'document': return { kind: 'outpatient_record', authoredAt: now };
      default: return {};
    }
  }
  const v: Values = { ...e };
  for (const k of ['startedAt', 'endedAt', 'authoredAt', 'issuedAt', 'effectiveAt', 'onsetDate']) v[k] = toDay(e[k]);
  if (kind === 'observation') v.value = e.valueNum ?? e.valueText ?? undefined;
  return v;
}

/** The request body of a form's values (without `version`). */
function bodyOf(kind: FormKind, v: Values): Values {
  switch (kind) {
    case 'encounter': return { class: v.class, startedAt: iso(v.startedAt), endedAt: iso(v.endedAt) ?? null, departmentId: v.departmentId ?? null, reason: text(v.reason) ?? null };
    case 'condition': return {
      code: v.code, display: text(v.display), category: v.category, clinicalStatus: v.clinicalStatus, isPrimary: !!v.isPrimary,
      onsetDate: date(v.onsetDate) ?? null, note: text(v.note) ?? null, ...(v.codeSystem ? { codeSystem: v.codeSystem } : {}),
    };
    case 'allergy': return { substance: text(v.substance), category: v.category, reaction: text(v.reaction) ?? null, severity: v.severity ?? null, criticality: v.criticality };
    case 'medication': return {
      drug: text(v.drug), dose: text(v.dose) ?? null, route: text(v.route) ?? null, frequency: text(v.frequency) ?? null,
      days: v.days ?? null, quantity: text(v.quantity) ?? null, authoredAt: iso(v.authoredAt), note: text(v.note) ?? null,
    };
    case 'report': return { category: v.category, name: text(v.name), modality: text(v.modality) ?? null, findings: text(v.findings) ?? null, conclusion: text(v.conclusion) ?? null, issuedAt: iso(v.issuedAt) };
    case 'document': return { kind: v.kind, title: text(v.title), text: text(v.text) ?? null, authoredAt: iso(v.authoredAt) };
    case 'observation': {
      const n = num(v.value);
      return {
        category: v.category, code: v.code, name: v.name, unit: text(v.unit) ?? null, refLow: v.refLow ?? null, refHigh: v.refHigh ?? null,
        effectiveAt: iso(v.effectiveAt), ...(n !== null ? { valueNum: n, valueText: null } : { valueText: text(v.value), valueNum: null }),
        ...(v.reportId ? { reportId: v.reportId } : {}),
      };
    }
    default: return v;
  }
}

/** 编码 · 名称 for the ICD-10 picker: code prefix, Chinese name or pinyin initials (gxy → 高血压). */
function IcdSelect({ onPick, ...props }: { value?: string; onChange?: (v: string) => void; onPick: (c: CodeConcept) => void; known?: { value: string; label: string }[] }) {
  const { t, i18n } = useTranslation();
  const seen = useRef(new Map<string, CodeConcept>());
  return (
    <RemoteSelect<CodeConcept> {...props} path="codes/search" placeholder={t('record.form.icdPlaceholder')} style={{ width: '100%' }}
      toOption={(c) => {
        seen.current.set(c.code, c);
        const name = i18n.language.startsWith('en') && c.displayEn ? c.displayEn : c.display;
        return { value: c.code, label: `${c.code} · ${name}` };
      }}
      onChange={(v) => { props.onChange?.(v as string); const c = seen.current.get(v as string); if (c) onPick(c); }} />
  );
}

/** A lab item from the catalogue (code, name, unit and reference range). */
function LabItemSelect({ onPick, ...props }: { value?: string; onChange?: (v: string) => void; onPick: (i: LabItem) => void; known?: { value: string; label: string }[] }) {
  const { t } = useTranslation();
  const seen = useRef(new Map<string, LabItem>());
  return (
    <RemoteSelect<LabItem> {...props} path="lab-items" serverSearch={false} noLimit placeholder={t('record.form.labItemPlaceholder')} style={{ width: '100%' }}
      toOption={(i) => { seen.current.set(i.code, i); return { value: i.code, label: `${i.name} · ${i.code}${i.unit ? ` (${i.unit})` : ''}` }; }}
      onChange={(v) => { props.onChange?.(v as string); const i = seen.current.get(v as string); if (i) onPick(i); }} />
  );
}

/** ↑ or ↓ beside a lab value as it is typed, from the row's reference range (the server computes the stored flag). */
function LiveFlag({ row }: { row: number }) {
  const form = Form.useFormInstance();
  const r = Form.useWatch(['rows', row], form) as LabRow | undefined;
  const v = num(r?.value); const lo = num(r?.refLow); const hi = num(r?.refHigh);
  if (v === null) return <span />;
  if (hi !== null && v > hi) return <span style={{ color: '#cf1322', fontWeight: 600 }}>↑</span>;
  if (lo !== null && v < lo) return <span style={{ color: '#0958d9', fontWeight: 600 }}>↓</span>;
  return <span />;
}

export function EntryFormDrawer({ patientId, kind, entry, onClose, onSaved }: {
  patientId: string;
  /** null: closed. */
  kind: FormKind | null;
  /** The version being corrected; null for a new entry. */
  entry: EntryVersion | null;
  onClose: () => void; onSaved: () => void;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState(false);
  const [files, setFiles] = useState<UploadFile[]>([]);
  const correcting = !!entry;

  useEffect(() => {
    if (!kind) return;
    form.resetFields();
    form.setFieldsValue(initialFrom(kind, entry));
    setConflict(false);
    setFiles([]);
  }, [kind, entry, form]);

  const saveLab = async (v: Values) => {
    const rows = (v.rows as LabRow[] | undefined ?? []).filter((r) => r.code);
    const issuedAt = iso(v.issuedAt);
    const rep = await post<EntryVersion>(`patients/${patientId}/reports`, {
      category: 'lab', name: text(v.name) ?? rows[0]?.name ?? t('record.form.labDefaultName', { lng: 'zh-CN' }), issuedAt,
    });
    const reportId = entryIdOf(rep);
    for (const r of rows) {
      await post(`patients/${patientId}/observations`, bodyOf('observation', {
        category: 'laboratory', code: r.code, name: r.name, value: r.value, unit: r.unit, refLow: r.refLow, refHigh: r.refHigh,
        effectiveAt: v.issuedAt, reportId,
      }));
    }
  };

  const submit = async (v: Values) => {
    if (!kind) return;
    setBusy(true);
    setConflict(false);
    try {
      if (correcting && entry) {
        await post(`record/${KIND_PATH[kindOfForm(kind)]}/${entryIdOf(entry)}/versions`, { ...bodyOf(kind, { ...entry, ...v }), version: entry.version });
      } else if (kind === 'lab') {
        await saveLab(v);
      } else if (kind === 'document') {
        await uploadDocument(patientId, bodyOf(kind, v), files.map((f) => f.originFileObj).filter((f): f is NonNullable<typeof f> => !!f));
      } else {
        await post(`patients/${patientId}/${KIND_PATH[kindOfForm(kind)]}`, bodyOf(kind, v));
      }
      void message.success(correcting ? t('record.form.corrected') : t('record.form.saved'));
      onSaved();
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'version_conflict' || e.status === 409 && correcting)) setConflict(true);
      else report(e, form);
    } finally { setBusy(false); }
  };

  const dt = (name: string, label: string, required = true, showTime = true) => (
    <Form.Item name={name} label={label} rules={required ? [{ required: true, message: t('common.required') }] : undefined}>
      <DatePicker showTime={showTime ? { format: 'HH:mm' } : false} format={showTime ? 'YYYY-MM-DD HH:mm' : 'YYYY-MM-DD'} style={{ width: '100%' }}
        inputReadOnly={mobile} disabledDate={(d) => d.isAfter(dayjs().endOf('day'))} />
    </Form.Item>
  );
  const req = [{ required: true, whitespace: true, message: t('common.required') }];
  const opts = (prefix: string, keys: readonly string[]) => keys.map((k) => ({ value: k, label: t(`${prefix}.${k}`) }));

  const fields = () => {
    switch (kind) {
      case 'encounter': return (
        <>
          <Form.Item name="class" label={t('record.form.encounterClass')}>
            <Radio.Group optionType="button" buttonStyle="solid" options={opts('record.encounterClass', ENCOUNTER_CLASSES)} />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} sm={12}>{dt('startedAt', t('record.form.startedAt'))}</Col>
            <Col xs={24} sm={12}>{dt('endedAt', t('record.form.endedAt'), false)}</Col>
          </Row>
          <Form.Item name="departmentId" label={t('record.form.department')}>
            <DepartmentSelect institutionId={me.role.institutionId} allowClear style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="reason" label={t('record.form.chiefComplaint')}>
            <Input.TextArea rows={2} maxLength={500} placeholder={t('record.form.chiefComplaintPlaceholder')} />
          </Form.Item>
        </>
      );
      case 'condition': return (
        <>
          <Form.Item name="code" label={t('record.form.icd')} extra={t('record.form.icdHelp')} rules={[{ required: true, message: t('record.form.icdRequired') }]}>
            <IcdSelect known={entry ? [{ value: String(entry.code), label: `${String(entry.code)} · ${String(entry.display ?? '')}` }] : []}
              onPick={(c) => form.setFieldsValue({ display: c.display, codeSystem: c.system })} />
          </Form.Item>
          <Form.Item name="display" hidden><Input /></Form.Item>
          <Form.Item name="codeSystem" hidden><Input /></Form.Item>
          <Row gutter={12}>
            <Col xs={12}>
              <Form.Item name="category" label={t('record.form.conditionCategory')}>
                <Select options={opts('record.conditionCategory', ['encounter-diagnosis', 'problem-list-item'])} />
              </Form.Item>
            </Col>
            <Col xs={12}>
              <Form.Item name="clinicalStatus" label={t('record.form.clinicalStatus')}>
                <Select options={opts('record.clinicalStatus', ['active', 'recurrence', 'remission', 'resolved', 'inactive'])} />
              </Form.Item>
            </Col>
            <Col xs={12}>
              <Form.Item name="onsetDate" label={t('record.form.onsetDate')}>
                <DatePicker style={{ width: '100%' }} inputReadOnly={mobile} disabledDate={(d) => d.isAfter(dayjs())} />
              </Form.Item>
            </Col>
            <Col xs={12}>
              <Form.Item name="isPrimary" valuePropName="checked" label=" ">
                <Checkbox>{t('record.form.isPrimary')}</Checkbox>
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="note" label={t('record.form.note')}><Input.TextArea rows={2} maxLength={500} /></Form.Item>
        </>
      );
      case 'allergy': return (
        <>
          <Form.Item name="substance" label={t('record.form.substance')} rules={req}>
            <Input maxLength={100} placeholder={t('record.form.substancePlaceholder')} />
          </Form.Item>
          <Form.Item name="category" label={t('record.form.allergyCategory')}>
            <Radio.Group optionType="button" options={opts('record.allergyCategory', ALLERGY_CATEGORIES)} />
          </Form.Item>
          <Row gutter={12}>
            <Col xs={24} sm={14}><Form.Item name="reaction" label={t('record.form.reaction')}><Input maxLength={200} placeholder={t('record.form.reactionPlaceholder')} /></Form.Item></Col>
            <Col xs={24} sm={10}><Form.Item name="severity" label={t('record.form.severity')}><Select allowClear options={opts('record.severity', SEVERITIES)} /></Form.Item></Col>
          </Row>
          <Form.Item name="criticality" label={t('record.form.criticality')}>
            <Radio.Group options={opts('record.criticality', ['high', 'low', 'unable-to-assess'])} />
          </Form.Item>
        </>
      );
      case 'medication': return (
        <>
          <Form.Item name="drug" label={t('record.form.drug')} rules={req}><Input maxLength={200} placeholder={t('record.form.drugPlaceholder')} /></Form.Item>
          <Row gutter={12}>
            <Col xs={12} sm={8}><Form.Item name="dose" label={t('record.form.dose')}><Input maxLength={40} placeholder="5 mg" /></Form.Item></Col>
            <Col xs={12} sm={8}><Form.Item name="route" label={t('record.form.route')}><Select options={ROUTES.map((r) => ({ value: r, label: r }))} /></Form.Item></Col>
            <Col xs={12} sm={8}><Form.Item name="frequency" label={t('record.form.frequency')}><Select options={FREQUENCIES.map((f) => ({ value: f, label: `${f} ${t(`record.freq.${f}`)}` }))} /></Form.Item></Col>
            <Col xs={12} sm={8}><Form.Item name="days" label={t('record.form.days')}><InputNumber min={0} max={3650} style={{ width: '100%' }} /></Form.Item></Col>
            <Col xs={12} sm={8}><Form.Item name="quantity" label={t('record.form.quantity')}><Input maxLength={40} placeholder="28片" /></Form.Item></Col>
            <Col xs={12} sm={8}>{dt('authoredAt', t('record.form.authoredAt'), true, false)}</Col>
          </Row>
          <Form.Item name="note" label={t('record.form.note')}><Input maxLength={500} /></Form.Item>
        </>
      );
      case 'lab': return (
        <>
          <Row gutter={12}>
            <Col xs={24} sm={12}><Form.Item name="name" label={t('record.form.labName')}><Input maxLength={100} placeholder={t('record.form.labNamePlaceholder')} /></Form.Item></Col>
            <Col xs={24} sm={12}>{dt('issuedAt', t('record.form.sampledAt'))}</Col>
          </Row>
          <Form.List name="rows">
            {(rows, { add, remove }) => (
              <div>
                {!mobile && (
                  <div className="yl-lab-row yl-muted" style={{ fontSize: 12, borderBottom: 0, marginBottom: 4 }}>
                    <span style={{ flex: '2 1 180px' }}>{t('record.lab.item')}</span><span style={{ flex: '1 1 80px' }}>{t('record.lab.result')}</span>
                    <span style={{ flex: '1 1 70px' }}>{t('record.lab.unit')}</span><span style={{ flex: '1 1 130px' }}>{t('record.lab.range')}</span><span style={{ width: 32 }} />
                  </div>
                )}
                {rows.map((r) => (
                  <div key={r.key} className="yl-lab-row">
                    <Form.Item name={[r.name, 'code']} rules={[{ required: true, message: t('record.form.labItemRequired') }]} style={{ flex: '2 1 180px', marginBottom: 8 }}>
                      <LabItemSelect onPick={(i) => form.setFieldValue(['rows', r.name], {
                        ...(form.getFieldValue(['rows', r.name]) as LabRow), code: i.code, name: i.name, unit: i.unit ?? '', refLow: num(i.refLow), refHigh: num(i.refHigh),
                      })} />
                    </Form.Item>
                    <Form.Item name={[r.name, 'name']} hidden><Input /></Form.Item>
                    <Form.Item name={[r.name, 'value']} rules={[{ required: true, whitespace: true, message: t('record.form.valueRequired') }]} style={{ flex: '1 1 80px', marginBottom: 8 }}>
                      <Input placeholder={t('record.form.value')} inputMode="decimal" suffix={<LiveFlag row={r.name} />} />
                    </Form.Item>
                    <Form.Item name={[r.name, 'unit']} style={{ flex: '1 1 70px', marginBottom: 8 }}><Input placeholder={t('record.form.unit')} /></Form.Item>
                    <Space.Compact style={{ flex: '1 1 130px', marginBottom: 8 }}>
                      <Form.Item name={[r.name, 'refLow']} noStyle><InputNumber placeholder={t('record.form.refLow')} style={{ width: '50%' }} /></Form.Item>
                      <Form.Item name={[r.name, 'refHigh']} noStyle><InputNumber placeholder={t('record.form.refHigh')} style={{ width: '50%' }} /></Form.Item>
                    </Space.Compact>
                    <Button type="text" danger icon={<DeleteOutlined />} disabled={rows.length < 2} onClick={() => remove(r.name)} aria-label={t('common.remove')} />
                  </div>
                ))}
                <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({})}>{t('record.form.addLabItem')}</Button>
              </div>
            )}
          </Form.List>
        </>
      );
      case 'observation': return (
        <>
          <Form.Item label={t('record.form.labItem')}><Input value={`${String(entry?.name ?? '')} (${String(entry?.code ?? '')})`} disabled /></Form.Item>
          <Row gutter={12}>
            <Col xs={12}><Form.Item name="value" label={t('record.form.value')} rules={[{ required: true, message: t('record.form.valueRequired') }]}><Input /></Form.Item></Col>
            <Col xs={12}><Form.Item name="unit" label={t('record.form.unit')}><Input /></Form.Item></Col>
            <Col xs={12}><Form.Item name="refLow" label={t('record.form.refLow')}><InputNumber style={{ width: '100%' }} /></Form.Item></Col>
            <Col xs={12}><Form.Item name="refHigh" label={t('record.form.refHigh')}><InputNumber style={{ width: '100%' }} /></Form.Item></Col>
          </Row>
          {dt('effectiveAt', t('record.form.sampledAt'))}
        </>
      );
      case 'report': return (
        <>
          <Row gutter={12}>
            <Col xs={12}><Form.Item name="category" label={t('record.form.reportCategory')}><Select options={opts('record.reportCategory', [...REPORT_CATEGORIES, 'lab'])} disabled={correcting} /></Form.Item></Col>
            <Col xs={12}><Form.Item name="modality" label={t('record.form.modality')}><Input maxLength={16} placeholder="CT / MR / DX / US" /></Form.Item></Col>
          </Row>
          <Row gutter={12}>
            <Col xs={24} sm={12}><Form.Item name="name" label={t('record.form.reportName')} rules={req}><Input maxLength={100} placeholder={t('record.form.reportNamePlaceholder')} /></Form.Item></Col>
            <Col xs={24} sm={12}>{dt('issuedAt', t('record.form.issuedAt'))}</Col>
          </Row>
          <Form.Item name="findings" label={t('record.form.findings')}><Input.TextArea rows={3} maxLength={4000} /></Form.Item>
          <Form.Item name="conclusion" label={t('record.form.conclusion')}><Input.TextArea rows={2} maxLength={2000} /></Form.Item>
        </>
      );
      case 'document': return (
        <>
          <Row gutter={12}>
            <Col xs={24} sm={12}><Form.Item name="kind" label={t('record.form.docKind')}><Select options={opts('record.docKind', DOC_KINDS)} /></Form.Item></Col>
            <Col xs={24} sm={12}>{dt('authoredAt', t('record.form.authoredAt'), true, false)}</Col>
          </Row>
          <Form.Item name="title" label={t('record.form.docTitle')} rules={req}><Input maxLength={200} placeholder={t('record.form.docTitlePlaceholder')} /></Form.Item>
          <Form.Item name="text" label={t('record.form.docText')}><Input.TextArea rows={4} maxLength={20000} /></Form.Item>
          {!correcting && (
            <Form.Item label={t('record.attach.label')} extra={t('record.attach.help')}>
              <Upload multiple fileList={files} accept=".pdf,.jpg,.jpeg,.png"
                beforeUpload={(f) => {
                  const problem = attachmentProblem(f);
                  if (problem) { void message.error(t(`record.attach.${problem}`, { name: f.name })); return Upload.LIST_IGNORE; }
                  return false;
                }}
                onChange={({ fileList }) => setFiles(fileList)}>
                <Button icon={<UploadOutlined />}>{t('record.attach.choose')}</Button>
              </Upload>
            </Form.Item>
          )}
        </>
      );
      default: return null;
    }
  };

  const title = kind ? (correcting ? t('record.form.correctTitle', { kind: t(`record.formKind.${kind}`) }) : t('record.form.newTitle', { kind: t(`record.formKind.${kind}`) })) : '';
  return (
    <Drawer open={!!kind} onClose={onClose} title={title} size={mobile ? '100%' : kind === 'lab' ? 720 : 560} destroyOnHidden
      footer={(
        <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={busy} onClick={() => form.submit()}>{correcting ? t('record.form.saveCorrection') : t('common.save')}</Button>
        </div>
      )}>
      <Alert type="info" showIcon style={{ marginBottom: 16 }}
        title={correcting ? t('record.form.correctHint', { version: entry?.version ?? 1 }) : t('record.form.atInstitution', { name: me.role.institutionName ?? '' })} />
      {conflict && (
        <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('record.form.conflict')}
          action={<Button size="small" onClick={() => { onClose(); onSaved(); }}>{t('record.form.reload')}</Button>} />
      )}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        {fields()}
      </Form>
    </Drawer>
  );
}
