/**
 * 发起转诊 (and editing a draft or returned one): one screen — direction, setting, urgency, patient, target, reason,
 * ICD-10 diagnoses, record excerpts to share, attachments, insurance; a down-referral adds the rehabilitation plan
 * and follow-up tasks (with presets). "保存草稿" keeps a draft; "提交" sends it to the sending office.
 * Prefilled from the query: ?patientId&direction&diagnosis (patient page, workbench, 下转候选).
 */
import { DeleteOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { INSTITUTION_LEVELS, INSTITUTION_TYPES } from '@yilian/core';
import {
  Alert, App, Button, Card, Col, Form, Input, InputNumber, Radio, Row, Select, Space, Typography, Upload, type UploadFile,
} from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, asPage, get, patch, post, type Page } from '../../api';
import { useAuth, useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { DepartmentSelect, PatientSelect, RemoteSelect } from '../../components/RemoteSelect';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Institution } from '../../types';
import { ExcerptPicker } from '../record/ExcerptPicker';
import { usePatientDescriber } from '../scheduling/BookingDialog';
import {
  INSURANCE_TYPES, SETTINGS, TASK_PRESETS, URGENCIES, toReferral, type Diagnosis, type Direction, type Referral,
} from './model';

interface CodeConcept { code: string; display: string; displayEn?: string | null; system?: string }
interface TaskRow { title: string; detail?: string; dueInDays: number }
interface Values {
  direction: Direction; setting: string; urgency: string; patientId: string; toInstitutionId: string; toDepartmentId?: string;
  reason: string; diagnoses: string[]; shared: string[]; insuranceType?: string; plan?: string; tasks?: TaskRow[];
}

const DOWN_TYPES = new Set(['rehabilitation', 'nursing_home']);
const levelOf = (i: Pick<Institution, 'level'> | undefined) => Number(i?.level ?? 0);

/** Institutions the referral may go to: up = a higher level; down = a lower level, or rehabilitation/nursing. */
export function targetFilter(direction: Direction, mine: Institution | undefined) {
  const my = levelOf(mine);
  return (i: Institution) => i.id !== mine?.id && i.active !== false && (direction === 'up'
    ? levelOf(i) > my
    : levelOf(i) < my || DOWN_TYPES.has(i.type));
}

export default function ReferralCreatePage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { label } = useLabels();
  const me = useMe();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const report = useErrorReporter();
  const describe = usePatientDescriber();
  const { id: editId } = useParams();
  const [params] = useSearchParams();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState<'draft' | 'submit' | null>(null);
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [existing, setExisting] = useState<Referral | null>(null);
  const [patientKnown, setPatientKnown] = useState<{ value: string; label: string }[]>([]);
  const codes = useRef(new Map<string, Diagnosis>());
  const [dxKnown, setDxKnown] = useState<{ value: string; label: string }[]>([]);

  const mine = useApiData<Institution>(me.role.institutionId ? `institutions/${me.role.institutionId}` : null);
  const institutions = useApiData<Page<Institution>>('institutions', { limit: 500, active: true });
  const myLevel = levelOf(mine.data);
  const defaultDirection: Direction = (params.get('direction') as Direction | null) ?? (mine.data && myLevel >= 2 ? 'down' : 'up');

  const direction = (Form.useWatch('direction', form) ?? defaultDirection) as Direction;
  const patientId = Form.useWatch('patientId', form) as string | undefined;
  const toInstitutionId = Form.useWatch('toInstitutionId', form) as string | undefined;

  // Defaults once my institution is known (a primary institution refers up, an upper hospital down).
  useEffect(() => {
    if (editId || !mine.data) return;
    if (!form.isFieldTouched('direction')) form.setFieldValue('direction', defaultDirection);
  }, [mine.data, editId]); // eslint-disable-line react-hooks/exhaustive-deps

  // Prefill from the query: the patient, a diagnosis (下转候选).
  useEffect(() => {
    const pid = params.get('patientId');
    if (pid && !editId) {
      form.setFieldValue('patientId', pid);
      get<{ id: string; name: string }>(`patients/${pid}`).then((p) => setPatientKnown([{ value: p.id, label: p.name }])).catch(() => undefined);
    }
    const dx = params.get('diagnosis');
    if (dx && !editId) {
      const display = params.get('diagnosisName') ?? dx;
      codes.current.set(dx, { code: dx, system: 'ICD-10', display });
      setDxKnown([{ value: dx, label: `${dx} · ${display}` }]);
      form.setFieldValue('diagnoses', [dx]);
    }
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  // Editing a draft or a returned referral.
  useEffect(() => {
    if (!editId) return;
    get<unknown>(`referrals/${editId}`).then((reply) => {
      const r = toReferral(reply);
      setExisting(r);
      for (const d of r.diagnoses) codes.current.set(d.code, d);
      setDxKnown(r.diagnoses.map((d) => ({ value: d.code, label: `${d.code} · ${d.display ?? ''}` })));
      setPatientKnown([{ value: r.patientId, label: r.patientName ?? r.patientId }]);
      form.setFieldsValue({
        direction: r.direction, setting: r.setting, urgency: r.urgency, patientId: r.patientId, toInstitutionId: r.toInstitutionId,
        toDepartmentId: r.toDepartmentId ?? undefined, reason: r.reason, diagnoses: r.diagnoses.map((d) => d.code),
        shared: r.sharedEntries.map((e) => `${e.kind}:${e.id}`), insuranceType: r.insuranceType ?? undefined, plan: r.plan ?? undefined,
        tasks: (r.tasks ?? []).map((x) => ({ title: x.title, detail: x.detail ?? undefined, dueInDays: Math.max(1, Math.round((Date.parse(x.dueDate) - Date.now()) / 864e5)) })),
      });
    }).catch((e: unknown) => report(e));
  }, [editId]); // eslint-disable-line react-hooks/exhaustive-deps

  const targets = useMemo(() => asPage(institutions.data).items.filter(targetFilter(direction, mine.data))
    .sort((a, b) => (direction === 'up' ? levelOf(b) - levelOf(a) : levelOf(a) - levelOf(b))), [institutions.data, direction, mine.data]);
  // A target that no longer fits the direction is cleared.
  useEffect(() => {
    if (toInstitutionId && institutions.data && !targets.some((i) => i.id === toInstitutionId) && !editId) form.setFieldsValue({ toInstitutionId: undefined, toDepartmentId: undefined });
  }, [direction]); // eslint-disable-line react-hooks/exhaustive-deps


  if (!can('referral.create')) return <div><PageHeader title={t('referral.newReferral')} /><Alert type="info" showIcon title={t('referral.noPermission')} /></div>;

  const addPreset = (k: keyof typeof TASK_PRESETS) => {
    const cur = (form.getFieldValue('tasks') as TaskRow[] | undefined) ?? [];
    form.setFieldValue('tasks', [...cur, ...TASK_PRESETS[k].map((p) => ({ title: t(p.titleKey), dueInDays: p.dueInDays }))]);
  };

  const save = async (submit: boolean) => {
    let v: Values;
    try { v = await form.validateFields(); } catch { return; }
    setBusy(submit ? 'submit' : 'draft');
    const body = {
      direction: v.direction, setting: v.setting, urgency: v.urgency, patientId: v.patientId, toInstitutionId: v.toInstitutionId,
      toDepartmentId: v.toDepartmentId || undefined, reason: v.reason.trim(),
      diagnoses: (v.diagnoses ?? []).map((c) => { const d = codes.current.get(c); return { code: c, system: d?.system ?? 'ICD-10' }; }),
      sharedEntries: (v.shared ?? []).map((s) => { const [kind, ...id] = s.split(':'); return { kind, id: id.join(':') }; }),
      insuranceType: v.insuranceType || undefined,
      ...(v.direction === 'down' ? { plan: v.plan?.trim() || undefined, tasks: (v.tasks ?? []).filter((x) => x.title?.trim()).map((x) => ({ title: x.title.trim(), detail: x.detail?.trim() || undefined, dueInDays: x.dueInDays })) } : {}),
    };
    const pending = files.filter((f) => f.originFileObj);
    try {
      let r: Referral;
      if (existing) r = toReferral(await patch(`referrals/${existing.id}`, { ...body, version: existing.version }));
      else r = toReferral(await post('referrals', { ...body, ...(submit && !pending.length ? { submit: true } : {}) }));
      for (const f of pending) {
        const fd = new FormData();
        fd.append('file', f.originFileObj as Blob, f.name);
        // A file the server refuses (type, size, no route yet) must not lose the referral just saved.
        try { await api(`referrals/${r.id}/attachments`, { method: 'POST', body: fd }); } catch (e) { report(e); }
      }
      if (submit && r.status !== 'submitted') {
        const fresh = toReferral(await get(`referrals/${r.id}`));
        r = toReferral(await post(`referrals/${r.id}/actions/submit`, { version: fresh.version }));
      }
      void message.success(submit ? t('referral.submitted') : t('referral.saved'));
      navigate(`/referrals/${r.id}`, { replace: true });
    } catch (e) {
      report(e, form);
    } finally {
      setBusy(null);
    }
  };

  const instLabel = (i: Institution) => `${i.name}（${label(INSTITUTION_LEVELS, i.level)}${DOWN_TYPES.has(i.type) ? ` · ${label(INSTITUTION_TYPES, i.type)}` : ''}）`;
  const half = mobile ? 24 : 12;
  const third = mobile ? 24 : 8;

  return (
    <div>
      <PageHeader title={existing ? `${t('referral.detail')} ${existing.code}` : t('referral.newReferral')}
        subtitle={mine.data ? `${t('referral.from')}：${mine.data.name}（${label(INSTITUTION_LEVELS, mine.data.level)}）` : undefined} />
      <Form<Values> form={form} layout="vertical" requiredMark="optional"
        initialValues={{ direction: defaultDirection, setting: 'outpatient', urgency: 'routine', diagnoses: [], shared: [], tasks: [], insuranceType: 'urban_rural_resident' }}>
        <Card size="small" style={{ marginBottom: 12 }}>
          <Row gutter={16}>
            <Col span={third}>
              <Form.Item name="direction" label={t('referral.direction')} extra={t(`referral.dirHint.${direction}`)}>
                <Radio.Group optionType="button" buttonStyle="solid" options={(['up', 'down'] as const).map((d) => ({ value: d, label: t(`referral.dir.${d}`) }))} />
              </Form.Item>
            </Col>
            <Col span={third}>
              <Form.Item name="setting" label={t('referral.setting')}>
                <Radio.Group optionType="button" options={SETTINGS.map((s) => ({ value: s, label: t(`referral.settings.${s}`) }))} />
              </Form.Item>
            </Col>
            <Col span={third}>
              <Form.Item name="urgency" label={t('referral.urgency')}>
                <Radio.Group optionType="button" options={URGENCIES.map((s) => ({ value: s, label: t(`referral.urgencies.${s}`) }))} />
              </Form.Item>
            </Col>
            <Col span={half}>
              <Form.Item name="patientId" label={t('referral.patient')} rules={[{ required: true, message: t('common.required') }]}>
                <PatientSelect describe={describe} known={patientKnown} placeholder={t('referral.choosePatient')} disabled={!!existing} allowClear />
              </Form.Item>
            </Col>
            <Col span={half}>
              <Form.Item name="insuranceType" label={t('referral.insurance')}>
                <Select allowClear options={INSURANCE_TYPES.map((k) => ({ value: k, label: t(`referral.insuranceTypes.${k}`) }))} />
              </Form.Item>
            </Col>
            <Col span={half}>
              <Form.Item name="toInstitutionId" label={t('referral.to')} extra={t(`referral.targetHint.${direction}`)} rules={[{ required: true, message: t('common.required') }]}>
                <Select showSearch={{ optionFilterProp: 'label' }} loading={institutions.loading} placeholder={t('directory.chooseInstitution')}
                  onChange={() => form.setFieldValue('toDepartmentId', undefined)}
                  options={targets.map((i) => ({ value: i.id, label: instLabel(i) }))} />
              </Form.Item>
            </Col>
            <Col span={half}>
              <Form.Item name="toDepartmentId" label={t('referral.toDept')}>
                <DepartmentSelect institutionId={toInstitutionId} allowClear />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="diagnoses" label={t('referral.diagnoses')} rules={[{ required: true, type: 'array', min: 1, message: t('common.required') }]}>
                <RemoteSelect<CodeConcept> mode="multiple" path="codes/search" known={dxKnown} placeholder={t('record.form.icdPlaceholder')}
                  toOption={(c) => {
                    codes.current.set(c.code, { code: c.code, system: c.system ?? 'ICD-10', display: c.display });
                    const name = i18n.language.startsWith('en') && c.displayEn ? c.displayEn : c.display;
                    return { value: c.code, label: `${c.code} · ${name}` };
                  }} />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="reason" label={t('referral.reason')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
                <Input.TextArea autoSize={{ minRows: 3, maxRows: 8 }} maxLength={2000} showCount placeholder={t('referral.reasonPh')} />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <Row gutter={12}>
          <Col xs={24} lg={direction === 'down' ? 12 : 24}>
            <Card size="small" title={t('referral.excerpts')} style={{ marginBottom: 12 }} extra={<span className="yl-muted" style={{ fontSize: 12 }}>{t('referral.excerptsHint')}</span>}>
              <ExcerptPicker patientId={patientId} choosePatientFirst={t('referral.choosePatientFirst')} noTimeline={t('referral.noTimeline')} withSummary />
            </Card>
            <Card size="small" title={t('referral.attachments')} style={{ marginBottom: 12 }}>
              <Upload multiple fileList={files} accept=".pdf,.jpg,.jpeg,.png" beforeUpload={() => false}
                onChange={({ fileList }) => setFiles(fileList.filter((f) => (f.size ?? 0) <= 20 * 1024 * 1024))}>
                <Button icon={<UploadOutlined />}>{t('referral.upload')}</Button>
              </Upload>
              {existing?.attachments.length ? <div className="yl-muted" style={{ marginTop: 6 }}>{existing.attachments.map((a) => a.name).join('、')}</div> : null}
            </Card>
          </Col>
          {direction === 'down' && (
            <Col xs={24} lg={12}>
              <Card size="small" title={t('referral.plan')} style={{ marginBottom: 12 }}>
                <Form.Item name="plan" noStyle><Input.TextArea autoSize={{ minRows: 3, maxRows: 8 }} maxLength={4000} placeholder={t('referral.planPh')} /></Form.Item>
              </Card>
              <Card size="small" title={t('referral.tasks')} style={{ marginBottom: 12 }}
                extra={<Space size={4} wrap>{(Object.keys(TASK_PRESETS) as (keyof typeof TASK_PRESETS)[]).map((k) => (
                  <Button key={k} size="small" onClick={() => addPreset(k)}>+ {t(`referral.preset.${k}`)}</Button>
                ))}</Space>}>
                <Form.List name="tasks">
                  {(fields, { add, remove }) => (
                    <>
                      {fields.map((f) => (
                        <div key={f.key} style={{ display: 'flex', gap: 6, alignItems: 'flex-start', marginBottom: 6 }}>
                          <Form.Item name={[f.name, 'title']} noStyle rules={[{ required: true, whitespace: true }]}>
                            <Input placeholder={t('referral.taskTitle')} style={{ flex: 1 }} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'dueInDays']} noStyle rules={[{ required: true }]}>
                            <InputNumber min={0} max={365} style={{ width: 120 }} suffix={mobile ? undefined : t('referral.dueInDays')} aria-label={t('referral.dueInDays')} />
                          </Form.Item>
                          <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('common.remove')} />
                        </div>
                      ))}
                      <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({ title: '', dueInDays: 14 })}>{t('referral.addTask')}</Button>
                    </>
                  )}
                </Form.List>
              </Card>
            </Col>
          )}
        </Row>
        <div className="yl-form-actions" style={{ display: 'flex', gap: 8, justifyContent: 'flex-end', position: 'sticky', bottom: 0, background: '#f5f7fa', padding: '8px 0' }}>
          <Typography.Text type="secondary" style={{ marginInlineEnd: 'auto', alignSelf: 'center', fontSize: 12 }}>
            {t('referral.dir.' + direction)} · {t('referral.submit')} → {t('referral.box.todo')}
          </Typography.Text>
          <Button onClick={() => navigate(-1)}>{t('common.cancel')}</Button>
          <Button loading={busy === 'draft'} disabled={!!busy} onClick={() => save(false)}>{t('referral.saveDraft')}</Button>
          <Button type="primary" loading={busy === 'submit'} disabled={!!busy} onClick={() => save(true)}>{t('referral.submit')}</Button>
        </div>
      </Form>
    </div>
  );
}
