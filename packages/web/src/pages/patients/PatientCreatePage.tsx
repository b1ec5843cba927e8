/** 新建患者 on one screen: the ID number first (fills birth date and sex), then the rest; duplicates are caught. */
import { isoDate, mobile as mobileSchema, regionCode } from '@yilian/core';
import { App, Button, Card, Col, DatePicker, Form, Input, Radio, Row, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiError, entity, post } from '../../api';
import { useAuth, useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { useErrorReporter } from '../../hooks';
import type { Patient, PatientSummary } from '../../types';
import { zodRule } from '../../validation';
import { DuplicateCandidates } from './DuplicateCandidates';
import { idState, ResidentIdField, type IdState } from './ResidentIdField';

type Values = {
  residentId?: string; name: string; sex?: 'male' | 'female'; birthDate?: Dayjs | null; phone?: string;
  insuranceCardNo?: string; regionCode?: string; address?: string; localNumber?: string;
};

export default function PatientCreatePage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const { modal, message } = App.useApp();
  const report = useErrorReporter();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [id, setId] = useState<IdState>({ kind: 'empty' });
  const [strict, setStrict] = useState(false);
  const [busy, setBusy] = useState(false);
  const [candidates, setCandidates] = useState<PatientSummary[] | null>(null);
  const canLink = !!me.role.institutionId && can('patient.link_local_number', me.role.institutionId);
  const fromId = id.kind === 'valid';

  const onValuesChange = (changed: Partial<Values>) => {
    if (!('residentId' in changed)) return;
    const s = idState(changed.residentId);
    setId(s);
    if (s.kind === 'valid') {
      // The ID number is the authority for birth date and sex; the area code is a good first guess for the region.
      form.setFieldsValue({ birthDate: dayjs(s.info.birthDate), sex: s.info.sex });
      if (!form.getFieldValue('regionCode')) form.setFieldValue('regionCode', s.info.areaCode);
    }
  };

  const body = (v: Values, confirmNotDuplicate = false) => ({
    residentId: v.residentId || null,
    name: v.name.trim(),
    sex: v.sex,
    birthDate: v.birthDate ? v.birthDate.format('YYYY-MM-DD') : undefined,
    phone: v.phone || null,
    insuranceCardNo: v.insuranceCardNo || null,
    regionCode: v.regionCode || null,
    address: v.address || null,
    localNumber: canLink && v.localNumber ? { institutionId: me.role.institutionId!, number: v.localNumber.trim() } : undefined,
    ...(confirmNotDuplicate ? { confirmNotDuplicate: true } : {}),
  });

  const submit = async (v: Values, confirmNotDuplicate = false) => {
    setBusy(true);
    try {
      const reply = await post<unknown>('patients', body(v, confirmNotDuplicate));
      const created = entity<Patient>(reply, 'patient');
      void message.success(t('patient.created'));
      setCandidates(null);
      navigate(created ? `/patients/${created.id}` : '/patients', { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'likely_duplicate') {
        const d = e.details as { candidates?: PatientSummary[] } | PatientSummary[] | undefined;
        setCandidates((Array.isArray(d) ? d : d?.candidates) ?? []);
      } else if (e instanceof ApiError && e.code === 'duplicate_resident_id') {
        const existingId = (e.details as { existingId?: string } | undefined)?.existingId;
        form.setFields([{ name: 'residentId', errors: [e.text(i18n.language)] }]);
        modal.confirm({
          title: t('patient.duplicateIdTitle'),
          content: e.text(i18n.language),
          okText: t('patient.openExisting'),
          cancelText: t('common.cancel'),
          okButtonProps: { disabled: !existingId },
          onOk: () => { if (existingId) navigate(`/patients/${existingId}`); },
        });
      } else report(e, form);
    } finally { setBusy(false); }
  };

  return (
    <div>
      <PageHeader title={t('nav.newPatient')} subtitle={t('patient.createSubtitle')} />
      <Card style={{ maxWidth: 900 }}>
        <Form<Values>
          form={form} layout="vertical" onValuesChange={onValuesChange} scrollToFirstError
          onFinish={(v) => submit(v)} onFinishFailed={() => setStrict(true)}
        >
          <Row gutter={16}>
            <Col xs={24} md={14}><ResidentIdField state={id} strict={strict} /></Col>
            <Col xs={24} md={10}>
              <Form.Item name="name" label={t('patient.name')} rules={[{ required: true, whitespace: true, max: 40, message: t('patient.nameRequired') }]}>
                <Input size="large" autoComplete="off" />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={8}>
              <Form.Item name="sex" label={t('common.sex')} rules={[{ required: !fromId, message: t('patient.sexRequired') }]}
                extra={fromId ? t('patient.fromId') : undefined}>
                <Radio.Group optionType="button" buttonStyle="solid" disabled={fromId}
                  options={[{ value: 'male', label: t('common.male') }, { value: 'female', label: t('common.female') }]} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={8}>
              <Form.Item name="birthDate" label={t('patient.birthDate')} extra={fromId ? t('patient.fromId') : undefined}
                rules={[{ required: !fromId, message: t('patient.birthDateRequired') },
                  { validator: async (_r, d: Dayjs | null) => { if (d && !isoDate.safeParse(d.format('YYYY-MM-DD')).success) throw new Error(t('patient.birthDateRequired')); } }]}>
                <DatePicker style={{ width: '100%' }} disabled={fromId} disabledDate={(d) => d.isAfter(dayjs())} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={8}>
              <Form.Item name="phone" label={t('patient.phone')} rules={[zodRule(mobileSchema, t('common.mobileRule'))]}>
                <Input inputMode="tel" maxLength={11} className="yl-mono" />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={8}>
              <Form.Item name="insuranceCardNo" label={t('patient.insuranceCardNo')}>
                <Input maxLength={40} className="yl-mono" />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={8}>
              <Form.Item name="regionCode" label={t('patient.regionCode')} tooltip={t('directory.regionCodeHelp')}
                rules={[zodRule(regionCode, t('directory.regionCodeRule'))]}>
                <Input inputMode="numeric" maxLength={9} className="yl-mono" />
              </Form.Item>
            </Col>
            {canLink && (
              <Col xs={24} sm={12} md={8}>
                <Form.Item name="localNumber" label={t('patient.localNumberAt', { institution: me.role.institutionName ?? '' })}>
                  <Input maxLength={40} className="yl-mono" />
                </Form.Item>
              </Col>
            )}
            <Col span={24}>
              <Form.Item name="address" label={t('patient.address')}><Input maxLength={200} /></Form.Item>
            </Col>
          </Row>
          <Space wrap>
            <Button type="primary" htmlType="submit" size="large" loading={busy}>{t('patient.create')}</Button>
            <Button size="large" onClick={() => navigate(-1)}>{t('common.cancel')}</Button>
          </Space>
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0, fontSize: 12 }}>{t('patient.privacyNote')}</Typography.Paragraph>
        </Form>
      </Card>
      <DuplicateCandidates
        open={candidates !== null} candidates={candidates ?? []} busy={busy}
        onClose={() => setCandidates(null)}
        onOpenRecord={(pid) => navigate(`/patients/${pid}`)}
        onCreateAnyway={() => void submit(form.getFieldsValue(true) as Values, true)}
      />
    </div>
  );
}
