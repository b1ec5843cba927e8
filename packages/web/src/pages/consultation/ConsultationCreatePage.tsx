/**
 * 新建会诊申请 (and editing a draft, returned or supplementing one): one screen — kind (routine by default; urgent
 * asks its reason and offers "急会诊直达会诊中心"), patient, centre (the server's default: the consortium's lead
 * hospital), specialty and experts wished for, purpose, summary, ICD-10 diagnoses, record excerpts to share, material
 * uploads, and the informed consent (signature drawn on screen, or a photo/scan). "提交申请" creates, uploads, records
 * the consent and submits in that order, saying which step failed. Prefilled from ?patientId.
 */
import { UploadOutlined } from '@ant-design/icons';
import {
  CONSENT_RELATION_LABELS, CONSULTATION_DEFAULT_LIMIT_MINUTES, CONSULTATION_KIND_LABELS, CONSULTATION_KINDS, CONSULTATION_MATERIAL_LABELS,
  CONSULTATION_MATERIAL_TYPES, SPECIALTIES, TITLES, type ConsentRelation, type ConsultationKind,
} from '@yilian/core';
import {
  Alert, App, Button, Card, Col, Form, Image, Input, Radio, Row, Select, Spin, Tag, Typography, Upload, type UploadFile,
} from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError, asPage, get, patch, post, type Page } from '../../api';
import { useAuth, useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { PatientSelect, RemoteSelect } from '../../components/RemoteSelect';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Expert, Institution } from '../../types';
import { ExcerptPicker } from '../record/ExcerptPicker';
import { usePatientDescriber } from '../scheduling/BookingDialog';
import { fileUrl, toConsultation, type Consultation, type Diagnosis } from './model';
import { SignaturePad } from './SignaturePad';

interface CodeConcept { code: string; display: string; displayEn?: string | null; system?: string }
interface Values {
  kind: ConsultationKind; materialType?: string; patientId: string; centreInstitutionId?: string; requestedSpecialty?: string;
  requestedExpertIds?: string[]; purpose: string; summary: string; diagnoses: string[]; shared: string[]; urgentReason?: string;
  signerName?: string; relation: ConsentRelation; method: 'drawn' | 'scan';
}
type Step = 'create' | 'files' | 'consent' | 'submit';
const EDITABLE = ['draft', 'returned', 'supplementing'];
const MAX_UPLOAD = 50 * 1024 * 1024;

export default function ConsultationCreatePage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { label, options } = useLabels();
  const me = useMe();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const report = useErrorReporter();
  const describe = usePatientDescriber();
  const { id: editId } = useParams();
  const [params] = useSearchParams();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState<Step | null>(null);
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [scan, setScan] = useState<UploadFile[]>([]);
  const [drawn, setDrawn] = useState<Blob | null>(null);
  const [existing, setExisting] = useState<Consultation | null>(null);
  const [patientKnown, setPatientKnown] = useState<{ value: string; label: string }[]>([]);
  const codes = useRef(new Map<string, Diagnosis>());
  const [dxKnown, setDxKnown] = useState<{ value: string; label: string }[]>([]);

  const kind = (Form.useWatch('kind', form) ?? 'routine') as ConsultationKind;
  const method = (Form.useWatch('method', form) ?? 'drawn') as 'drawn' | 'scan';
  const patientId = Form.useWatch('patientId', form) as string | undefined;

  const institutions = useApiData<Page<Institution>>('institutions', { limit: 500, active: true });
  const centres = asPage(institutions.data).items.filter((i) => Number(i.level) >= 3 && i.id !== me.role.institutionId);
  const experts = useApiData<Page<Expert>>('experts', { limit: 300, active: true });

  // Prefill from the query: the patient (patient page, quick consult).
  useEffect(() => {
    const pid = params.get('patientId');
    if (pid && !editId) form.setFieldValue('patientId', pid);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  // The signer defaults to the patient (relation 本人) until someone types another name.
  useEffect(() => {
    if (!patientId) return;
    get<{ id: string; name: string }>(`patients/${patientId}`).then((p) => {
      setPatientKnown((k) => (k.some((x) => x.value === p.id) ? k : [...k, { value: p.id, label: p.name }]));
      if (!form.isFieldTouched('signerName') && form.getFieldValue('relation') === 'self') form.setFieldValue('signerName', p.name);
    }).catch(() => undefined);
  }, [patientId]); // eslint-disable-line react-hooks/exhaustive-deps

  // Editing a draft, a returned request or one asked for supplements.
  useEffect(() => {
    if (!editId) return;
    get<unknown>(`consultations/${editId}`).then((reply) => {
      const c = toConsultation(reply);
      setExisting(c);
      for (const d of c.diagnoses) codes.current.set(d.code, d);
      setDxKnown(c.diagnoses.map((d) => ({ value: d.code, label: `${d.code} · ${d.display ?? ''}` })));
      setPatientKnown([{ value: c.patientId, label: c.patientName ?? c.patientId }]);
      form.setFieldsValue({
        kind: c.kind, materialType: c.materialType ?? undefined, patientId: c.patientId, centreInstitutionId: c.centreInstitutionId,
        requestedSpecialty: c.requestedSpecialty ?? undefined, requestedExpertIds: c.requestedExpertIds ?? [], purpose: c.purpose, summary: c.summary,
        diagnoses: c.diagnoses.map((d) => d.code), shared: c.sharedEntries.map((e) => `${e.kind}:${e.id}`), urgentReason: c.urgentReason ?? undefined,
        signerName: c.consent?.signerName ?? c.patientName ?? undefined, relation: c.consent?.relation ?? 'self',
      });
    }).catch((e: unknown) => report(e));
  }, [editId]); // eslint-disable-line react-hooks/exhaustive-deps


  if (!can('consultation.create')) return <div><PageHeader title={t('consultation.newConsultation')} /><Alert type="info" showIcon title={t('consultation.noPermission')} /></div>;
  if (existing && !EDITABLE.includes(existing.status)) {
    return <div><PageHeader title={`${t('consultation.editConsultation')} ${existing.code}`} /><Alert type="info" showIcon title={t('consultation.noActions')} /></div>;
  }

  const consentFile = (): Blob | null => (method === 'drawn' ? drawn : (scan[0]?.originFileObj as Blob | undefined) ?? null);

  const save = async (submit: false | 'submit' | 'submit_urgent') => {
    let v: Values;
    try { v = await form.validateFields(); } catch { return; }
    const signature = consentFile();
    if (submit && !signature && !existing?.consent) {
      form.setFields([{ name: 'signerName', errors: [t('consultation.consentNeedSignature')] }]);
      form.scrollToField('signerName');
      return;
    }
    if (signature && !v.signerName?.trim()) {
      form.setFields([{ name: 'signerName', errors: [t('consultation.needSigner')] }]);
      form.scrollToField('signerName');
      return;
    }
    const body = {
      kind: v.kind, materialType: v.kind === 'material' ? v.materialType : null, patientId: v.patientId,
      centreInstitutionId: v.centreInstitutionId || undefined, requestedSpecialty: v.requestedSpecialty || undefined,
      requestedExpertIds: v.requestedExpertIds ?? [], purpose: v.purpose.trim(), summary: v.summary.trim(),
      diagnoses: (v.diagnoses ?? []).map((c) => ({ code: c, system: codes.current.get(c)?.system ?? 'ICD-10' })),
      sharedEntries: (v.shared ?? []).map((s) => { const [k, ...id] = s.split(':'); return { kind: k, id: id.join(':') }; }),
    };
    let c: Consultation | null = existing;
    try {
      setBusy('create');
      if (existing) {
        const { patientId: _p, ...changes } = body;
        c = toConsultation(await patch(`consultations/${existing.id}`, { ...changes, version: existing.version }));
      } else c = toConsultation(await post('consultations', body));
    } catch (e) {
      report(e, form, { 'diagnoses.0.code': 'diagnoses', sharedEntries: 'shared' });
      setBusy(null);
      return;
    }
    const id = c.id;
    try {
      setBusy('files');
      const refused: UploadFile[] = [];
      for (const f of files.filter((x) => x.originFileObj)) {
        const fd = new FormData();
        fd.append('file', f.originFileObj as Blob, f.name);
        // A refused file (type, size) must not lose the request just saved: say so and go on (it stays in the list).
        try { await api(`consultations/${id}/attachments`, { method: 'POST', body: fd }); } catch (e) { report(e); refused.push(f); }
      }
      setFiles(refused);
      if (signature) {
        setBusy('consent');
        const fd = new FormData();
        fd.append('signerName', (v.signerName ?? '').trim());
        fd.append('relation', v.relation);
        fd.append('method', v.method);
        fd.append('file', signature, v.method === 'drawn' ? 'consent-signature.png' : (scan[0]?.name ?? 'consent.jpg'));
        await api(`consultations/${id}/consent`, { method: 'POST', body: fd });
      }
      if (submit) {
        setBusy('submit');
        const fresh = toConsultation(await get(`consultations/${id}`));
        const action = submit === 'submit_urgent' ? 'submit_urgent' : fresh.status === 'supplementing' ? 'resubmit' : 'submit';
        await post(`consultations/${id}/actions/${action}`, { version: fresh.version, ...(action === 'submit_urgent' ? { reason: v.urgentReason?.trim() } : {}) });
      }
      void message.success(submit ? t('consultation.submitted') : t('consultation.saved'));
      navigate(`/consultations/${id}`, { replace: true });
    } catch (e) {
      // The request exists now: stay on the form with it (the next click edits it, never a second one) and say what failed.
      const fresh = await get<unknown>(`consultations/${id}`).then(toConsultation).catch(() => null);
      setExisting(fresh ?? c);
      if (e instanceof ApiError && e.field && ['signerName', 'relation'].includes(e.field)) report(e, form);
      else if (e instanceof ApiError && e.field === 'reason') form.setFields([{ name: 'urgentReason', errors: [e.text(i18n.language)] }]);
      else void message.error(t('consultation.savedButNotSubmitted', { error: e instanceof ApiError ? e.text(i18n.language) : String(e) }), 8);
    } finally {
      setBusy(null);
    }
  };

  const half = mobile ? 24 : 12;
  const urgentMinutes = CONSULTATION_DEFAULT_LIMIT_MINUTES.urgent;

  return (
    <div>
      <PageHeader title={existing ? `${t('consultation.editConsultation')} ${existing.code}` : t('consultation.newConsultation')}
        subtitle={me.role.institutionName ?? undefined} />
      {existing?.status === 'supplementing' && existing.supplementsRequested.length > 0 && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('consultation.supplementsRequested')}
          description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{existing.supplementsRequested.map((s) => <li key={s}>{s}</li>)}</ul>} />
      )}
      <Form<Values> form={form} layout="vertical" requiredMark="optional"
        initialValues={{ kind: 'routine', materialType: 'imaging', diagnoses: [], shared: [], requestedExpertIds: [], relation: 'self', method: 'drawn' }}>
        <Card size="small" style={{ marginBottom: 12 }}>
          <Row gutter={16}>
            <Col span={24}>
              <Form.Item name="kind" label={t('consultation.kind')}>
                <Radio.Group optionType="button" buttonStyle="solid" disabled={!!existing && existing.status !== 'draft'}
                  options={CONSULTATION_KINDS.map((k) => ({ value: k, label: label(CONSULTATION_KIND_LABELS, k) }))} />
              </Form.Item>
            </Col>
            {kind === 'material' && (
              <Col span={half}>
                <Form.Item name="materialType" label={t('consultation.materialType')} rules={[{ required: true, message: t('common.required') }]}>
                  <Radio.Group optionType="button" options={CONSULTATION_MATERIAL_TYPES.map((k) => ({ value: k, label: label(CONSULTATION_MATERIAL_LABELS, k) }))} />
                </Form.Item>
              </Col>
            )}
            {kind === 'urgent' && (
              <Col span={24}>
                <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t('consultation.urgentHint', { minutes: urgentMinutes })} />
                <Form.Item name="urgentReason" label={t('consultation.urgentReason')} rules={[{ required: true, whitespace: true, message: t('consultation.needReason') }]}>
                  <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} maxLength={500} placeholder={t('consultation.urgentReasonPh')} />
                </Form.Item>
              </Col>
            )}
            <Col span={half}>
              <Form.Item name="patientId" label={t('consultation.patient')} rules={[{ required: true, message: t('common.required') }]}>
                <PatientSelect describe={describe} known={patientKnown} placeholder={t('consultation.choosePatient')} disabled={!!existing} allowClear />
              </Form.Item>
            </Col>
            <Col span={half}>
              <Form.Item name="centreInstitutionId" label={t('consultation.centre')}>
                <Select allowClear showSearch={{ optionFilterProp: 'label' }} loading={institutions.loading} placeholder={t('consultation.centreDefault')}
                  options={centres.map((i) => ({ value: i.id, label: i.name }))} />
              </Form.Item>
            </Col>
            <Col span={half}>
              <Form.Item name="requestedSpecialty" label={t('consultation.requestedSpecialty')}>
                <Select allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('consultation.requestedSpecialtyPh')} options={options(SPECIALTIES)} />
              </Form.Item>
            </Col>
            <Col span={half}>
              <Form.Item name="requestedExpertIds" label={t('consultation.requestedExperts')} extra={t('consultation.requestedExpertsHint')}>
                <Select mode="multiple" allowClear showSearch={{ optionFilterProp: 'label' }} loading={experts.loading} maxCount={5}
                  options={asPage(experts.data).items.map((x) => ({ value: x.practitionerId, label: [x.name, label(TITLES, x.title), label(SPECIALTIES, x.specialty)].filter(Boolean).join(' · ') }))} />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="purpose" label={t('consultation.purpose')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 5 }} maxLength={1000} placeholder={t('consultation.purposePh')} />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="summary" label={t('consultation.summary')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
                <Input.TextArea autoSize={{ minRows: 4, maxRows: 12 }} maxLength={8000} showCount placeholder={t('consultation.summaryPh')} />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="diagnoses" label={t('consultation.diagnoses')}>
                <RemoteSelect<CodeConcept> mode="multiple" path="codes/search" known={dxKnown} placeholder={t('record.form.icdPlaceholder')}
                  toOption={(c) => {
                    codes.current.set(c.code, { code: c.code, system: c.system ?? 'ICD-10', display: c.display });
                    const name = i18n.language.startsWith('en') && c.displayEn ? c.displayEn : c.display;
                    return { value: c.code, label: `${c.code} · ${name}` };
                  }} />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <Row gutter={12}>
          <Col xs={24} lg={12}>
            <Card size="small" title={t('consultation.excerpts')} style={{ marginBottom: 12 }} extra={!mobile && <span className="yl-muted" style={{ fontSize: 12 }}>{t('consultation.excerptsHint')}</span>}>
              <ExcerptPicker patientId={patientId} choosePatientFirst={t('consultation.choosePatientFirst')} noTimeline={t('consultation.noTimeline')} />
            </Card>
            <Card size="small" title={t('consultation.attachments')} style={{ marginBottom: 12 }}>
              <Upload multiple fileList={files} accept=".pdf,.jpg,.jpeg,.png,.dcm,application/dicom" beforeUpload={() => false}
                onChange={({ fileList }) => {
                  const big = fileList.filter((f) => (f.size ?? 0) > MAX_UPLOAD);
                  if (big.length) void message.error(`${big.map((f) => f.name).join('、')}：> 50 MB`);
                  setFiles(fileList.filter((f) => (f.size ?? 0) <= MAX_UPLOAD));
                }}>
                <Button icon={<UploadOutlined />}>{t('consultation.upload')}</Button>
              </Upload>
              <div className="yl-muted" style={{ fontSize: 12, marginTop: 4 }}>{t('consultation.uploadHint')}</div>
              {existing?.attachments.length ? <div className="yl-muted" style={{ marginTop: 6 }}>{existing.attachments.map((a) => a.name).join('、')}</div> : null}
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card size="small" title={t('consultation.consentTitle')} style={{ marginBottom: 12 }}
              extra={existing?.consent ? <Tag color="success">{t('consultation.consentOnFile')}</Tag> : <Tag color="warning">{t('consultation.consentMissing')}</Tag>}>
              <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('consultation.consentText')}</Typography.Paragraph>
              {existing?.consent && (
                <Alert type="success" showIcon style={{ marginBottom: 8 }}
                  title={`${existing.consent.signerName}（${label(CONSENT_RELATION_LABELS, existing.consent.relation)}） · ${existing.consent.signedAt?.slice(0, 16).replace('T', ' ') ?? ''}`}
                  description={<span>{existing.consent.fileId && <Image height={48} src={existing.consent.url ?? fileUrl(existing.id, existing.consent.fileId)} alt={t('consultation.consent')} />} {t('consultation.consentReplace')}</span>} />
              )}
              <Row gutter={12}>
                <Col span={half}>
                  <Form.Item name="signerName" label={t('consultation.signerName')} rules={[{ whitespace: true, max: 50 }]}>
                    <Input maxLength={50} />
                  </Form.Item>
                </Col>
                <Col span={half}>
                  <Form.Item name="relation" label={t('consultation.relation')}>
                    <Select options={options(CONSENT_RELATION_LABELS)} />
                  </Form.Item>
                </Col>
              </Row>
              <Form.Item name="method" label={t('consultation.method')} style={{ marginBottom: 8 }}>
                <Radio.Group optionType="button" options={(['drawn', 'scan'] as const).map((m) => ({ value: m, label: t(`consultation.methods.${m}`) }))} />
              </Form.Item>
              {method === 'drawn' ? <SignaturePad onChange={setDrawn} height={mobile ? 150 : 180} /> : (
                // `capture` opens the camera on phones; on a desktop it is the file chooser.
                <Upload listType="picture" maxCount={1} fileList={scan} accept="image/*,application/pdf" capture="environment" beforeUpload={() => false}
                  onChange={({ fileList }) => setScan(fileList.slice(-1).filter((f) => (f.size ?? 0) <= 10 * 1024 * 1024))}>
                  <Button icon={<UploadOutlined />}>{t('consultation.scanUpload')}</Button>
                </Upload>
              )}
            </Card>
          </Col>
        </Row>
        <div className="yl-form-actions" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', justifyContent: 'flex-end', position: 'sticky', bottom: 0, background: '#f5f7fa', padding: '8px 0', zIndex: 2 }}>
          {busy && <Typography.Text type="secondary" style={{ marginInlineEnd: 'auto', alignSelf: 'center', fontSize: 12 }}><Spin size="small" /> {t(`consultation.step${busy[0]!.toUpperCase()}${busy.slice(1)}`)}</Typography.Text>}
          <Button onClick={() => navigate(-1)} disabled={!!busy}>{t('common.cancel')}</Button>
          <Button loading={busy !== null && busy !== 'submit'} disabled={!!busy} onClick={() => save(false)}>{t('consultation.saveDraft')}</Button>
          {kind === 'urgent' && existing?.status !== 'supplementing' && (
            <Button type="primary" danger disabled={!!busy} onClick={() => save('submit_urgent')}>{t('consultation.submitUrgent')}</Button>
          )}
          <Button type="primary" loading={busy === 'submit'} disabled={!!busy} onClick={() => save('submit')}>{t('consultation.submit')}</Button>
        </div>
      </Form>
    </div>
  );
}
