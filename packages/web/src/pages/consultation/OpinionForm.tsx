/**
 * 会诊意见 of the invited expert: findings, ICD-10 diagnoses, recommendations and whether to refer (where to); "保存草稿"
 * keeps the draft (PUT /opinion), "签名" saves it and signs it with the password re-entered (POST /opinion/sign).
 * A signed version is locked; writing again makes the next version.
 */
import { EditOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Form, Input, Modal, Row, Select, Space, Switch } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { asPage, post, api, type Page } from '../../api';
import { DepartmentSelect, RemoteSelect } from '../../components/RemoteSelect';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import type { Institution } from '../../types';
import type { Consultation, Diagnosis, Opinion } from './model';

interface CodeConcept { code: string; display: string; displayEn?: string | null; system?: string }
interface Values {
  findings: string; diagnoses: string[]; recommendations: string; refer: boolean;
  referInstitutionId?: string; referDepartmentId?: string; referNote?: string;
}

export function OpinionForm({ c, base, onDone }: { c: Consultation; base?: Opinion | null; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<Values>();
  const [pwForm] = Form.useForm<{ password: string }>();
  const [busy, setBusy] = useState<'save' | 'sign' | null>(null);
  const [signing, setSigning] = useState(false);
  // A signed opinion is shown read-only until the expert chooses to correct it.
  const [open, setOpen] = useState(!base || base.status === 'draft');
  const codes = useRef(new Map<string, Diagnosis>());
  const [dxKnown, setDxKnown] = useState<{ value: string; label: string }[]>([]);
  const refer = Form.useWatch('refer', form) as boolean | undefined;
  const referInstitutionId = Form.useWatch('referInstitutionId', form) as string | undefined;
  const institutions = useApiData<Page<Institution>>(refer ? 'institutions' : null, { limit: 500, active: true });

  useEffect(() => {
    if (!base) return;
    for (const d of base.diagnoses) codes.current.set(d.code, d);
    setDxKnown(base.diagnoses.map((d) => ({ value: d.code, label: `${d.code} · ${d.display ?? ''}` })));
    form.setFieldsValue({
      findings: base.findings, diagnoses: base.diagnoses.map((d) => d.code), recommendations: base.recommendations, refer: base.refer,
      referInstitutionId: base.referInstitutionId ?? undefined, referDepartmentId: base.referDepartmentId ?? undefined, referNote: base.referNote ?? undefined,
    });
  }, [base?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const save = async (): Promise<boolean> => {
    let v: Values;
    try { v = await form.validateFields(); } catch { return false; }
    try {
      await api(`consultations/${c.id}/opinion`, { method: 'PUT', body: {
        findings: v.findings.trim(), recommendations: v.recommendations.trim(), refer: !!v.refer,
        diagnoses: (v.diagnoses ?? []).map((code) => ({ code, system: codes.current.get(code)?.system ?? 'ICD-10' })),
        ...(v.refer ? { referInstitutionId: v.referInstitutionId, referDepartmentId: v.referDepartmentId || undefined, referNote: v.referNote?.trim() || undefined } : {}),
      } });
      return true;
    } catch (e) { report(e, form); return false; }
  };

  const saveDraft = async () => {
    setBusy('save');
    if (await save()) { void message.success(t('consultation.opinion.draftSaved')); onDone(); }
    setBusy(null);
  };
  const askSign = async () => {
    setBusy('sign');
    const ok = await save();
    setBusy(null);
    if (ok) { pwForm.resetFields(); setSigning(true); }
  };
  const sign = async () => {
    const { password } = await pwForm.validateFields();
    setBusy('sign');
    try {
      await post(`consultations/${c.id}/opinion/sign`, { password });
      setSigning(false);
      setOpen(false);
      void message.success(t('consultation.opinion.signedOk'));
      onDone();
    } catch (e) { report(e, pwForm); } finally { setBusy(null); }
  };

  if (!open) {
    return (
      <Card size="small" title={t('consultation.opinion.mine')} style={{ marginBottom: 12 }}>
        <Button icon={<EditOutlined />} onClick={() => setOpen(true)}>{t('consultation.opinion.correction')}</Button>
      </Card>
    );
  }

  return (
    <Card size="small" title={t('consultation.opinion.mine')} style={{ marginBottom: 12, borderColor: '#91caff' }}>
      <Form<Values> form={form} layout="vertical" requiredMark="optional" initialValues={{ refer: false, diagnoses: [] }}>
        <Form.Item name="findings" label={t('consultation.opinion.findings')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} maxLength={8000} />
        </Form.Item>
        <Form.Item name="diagnoses" label={t('consultation.opinion.diagnoses')}>
          <RemoteSelect<CodeConcept> mode="multiple" path="codes/search" known={dxKnown} placeholder={t('record.form.icdPlaceholder')}
            toOption={(x) => {
              codes.current.set(x.code, { code: x.code, system: x.system ?? 'ICD-10', display: x.display });
              return { value: x.code, label: `${x.code} · ${i18n.language.startsWith('en') && x.displayEn ? x.displayEn : x.display}` };
            }} />
        </Form.Item>
        <Form.Item name="recommendations" label={t('consultation.opinion.recommendations')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} maxLength={8000} />
        </Form.Item>
        <Form.Item name="refer" label={t('consultation.opinion.refer')} valuePropName="checked">
          <Switch checkedChildren={t('consultation.opinion.yes')} unCheckedChildren={t('consultation.opinion.no')} />
        </Form.Item>
        {refer && (
          <Row gutter={12}>
            <Col span={mobile ? 24 : 12}>
              <Form.Item name="referInstitutionId" label={t('consultation.opinion.referInstitution')} rules={[{ required: true, message: t('common.required') }]}>
                <Select showSearch={{ optionFilterProp: 'label' }} loading={institutions.loading} onChange={() => form.setFieldValue('referDepartmentId', undefined)}
                  options={asPage(institutions.data).items.map((i) => ({ value: i.id, label: i.name }))} />
              </Form.Item>
            </Col>
            <Col span={mobile ? 24 : 12}>
              <Form.Item name="referDepartmentId" label={t('consultation.opinion.referDepartment')}>
                <DepartmentSelect institutionId={referInstitutionId} allowClear />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="referNote" label={t('consultation.opinion.referNote')}>
                <Input.TextArea autoSize={{ minRows: 2, maxRows: 5 }} maxLength={1000} />
              </Form.Item>
            </Col>
          </Row>
        )}
        <Space wrap>
          <Button loading={busy === 'save'} disabled={!!busy} onClick={saveDraft}>{t('consultation.opinion.saveDraft')}</Button>
          <Button type="primary" icon={<SafetyCertificateOutlined />} loading={busy === 'sign' && !signing} disabled={!!busy} onClick={askSign}>{t('consultation.opinion.sign')}</Button>
        </Space>
      </Form>
      <Modal open={signing} title={t('consultation.opinion.signTitle')} onCancel={() => setSigning(false)} onOk={sign} confirmLoading={busy === 'sign'}
        okText={t('consultation.opinion.sign')} destroyOnHidden>
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('consultation.opinion.signHint')} />
        <Form form={pwForm} layout="vertical" onFinish={sign}>
          <Form.Item name="password" label={t('consultation.opinion.password')} rules={[{ required: true, message: t('consultation.opinion.needPassword') }]}>
            <Input.Password autoFocus autoComplete="current-password" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
