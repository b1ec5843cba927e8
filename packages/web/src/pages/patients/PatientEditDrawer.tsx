/**
 * 编辑患者档案: the demographics on one screen. Only the fields that changed are sent, with the version that was read,
 * so an edit made meanwhile by someone else is not overwritten (409 stale: reload and edit again).
 */
import { isoDate, mobile as mobileSchema, regionCode } from '@yilian/core';
import { Alert, App, Button, Col, DatePicker, Drawer, Form, Input, Radio, Row, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ApiError, entity, get, patch } from '../../api';
import { useErrorReporter, useIsMobile } from '../../hooks';
import type { Patient } from '../../types';
import { zodRule } from '../../validation';
import { idState, ResidentIdField, type IdState } from './ResidentIdField';

type Values = {
  residentId?: string; name: string; sex?: 'male' | 'female'; birthDate?: Dayjs | null; phone?: string;
  insuranceCardNo?: string; regionCode?: string; address?: string;
};

const valuesOf = (p: Patient): Values => ({
  residentId: p.residentId ?? '', name: p.name, sex: p.sex ?? undefined, birthDate: p.birthDate ? dayjs(p.birthDate) : null,
  phone: p.phone ?? '', insuranceCardNo: p.insuranceCardNo ?? '', regionCode: p.regionCode ?? '', address: p.address ?? '',
});

/** The fields whose value differs from the record as read, in the shape PATCH /patients/:id takes. */
export function changesOf(p: Patient, v: Values): Record<string, string | null> {
  const next: Record<string, string | null> = {
    residentId: v.residentId?.trim() || null,
    name: v.name.trim(),
    sex: v.sex ?? null,
    birthDate: v.birthDate ? v.birthDate.format('YYYY-MM-DD') : null,
    phone: v.phone?.trim() || null,
    insuranceCardNo: v.insuranceCardNo?.trim() || null,
    regionCode: v.regionCode?.trim() || null,
    address: v.address?.trim() || null,
  };
  const before: Record<string, string | null> = {
    residentId: p.residentId, name: p.name, sex: p.sex, birthDate: p.birthDate, phone: p.phone,
    insuranceCardNo: p.insuranceCardNo ?? null, regionCode: p.regionCode ?? null, address: p.address ?? null,
  };
  // Sex and birth date cannot be cleared (the server keeps them); the other fields can.
  return Object.fromEntries(Object.entries(next).filter(([k, val]) =>
    val !== (before[k] ?? null) && !((k === 'sex' || k === 'birthDate') && val === null)));
}

export function PatientEditDrawer({ open, patient, onClose, onSaved, onReloaded }: {
  open: boolean; patient: Patient; onClose: () => void;
  /** The record as the server now has it, after a save. */
  onSaved: (p: Patient) => void;
  /** The latest record, fetched after a stale save (or when it turned out merged meanwhile). */
  onReloaded: (p: Patient) => void;
}) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<Values>();
  const [base, setBase] = useState<Patient>(patient);
  const [formKey, setFormKey] = useState(0);
  const [id, setId] = useState<IdState>(() => idState(patient.residentId ?? undefined));
  const [strict, setStrict] = useState(false);
  const [busy, setBusy] = useState(false);
  const [stale, setStale] = useState(false);
  const [reloading, setReloading] = useState(false);
  /** The server's word on the resident ID (already on file), shown on the field until the number changes. */
  const [idError, setIdError] = useState<ReactNode>(null);
  const fromId = id.kind === 'valid';

  const load = (p: Patient) => {
    setBase(p);
    setId(idState(p.residentId ?? undefined));
    setStrict(false);
    setStale(false);
    setIdError(null);
    setFormKey((k) => k + 1);
  };
  // Each opening starts from the record as the page shows it.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { if (open) load(patient); }, [open]);

  const onValuesChange = (changed: Partial<Values>) => {
    if (!('residentId' in changed)) return;
    const s = idState(changed.residentId);
    setId(s);
    setIdError(null);
    if (s.kind === 'valid') {
      form.setFieldsValue({ birthDate: dayjs(s.info.birthDate), sex: s.info.sex });
      if (!form.getFieldValue('regionCode')) form.setFieldValue('regionCode', s.info.areaCode);
    }
  };

  const reload = async () => {
    setReloading(true);
    try {
      const fresh = await get<Patient>(`patients/${base.id}`);
      onReloaded(fresh);
      if (fresh.status === 'merged') { void message.warning(t('patient.mergedMeanwhile')); onClose(); return; }
      load(fresh);
      void message.info(t('patient.reloaded'));
    } catch (e) { report(e); } finally { setReloading(false); }
  };

  const save = async (v: Values) => {
    const changes = changesOf(base, v);
    if (!Object.keys(changes).length) { void message.info(t('patient.noChanges')); onClose(); return; }
    setBusy(true);
    try {
      const reply = await patch<unknown>(`patients/${base.id}`, { ...changes, ...(base.version ? { version: base.version } : {}) });
      void message.success(t('patient.updated'));
      const saved = entity<Patient>(reply, 'patient');
      if (saved) onSaved(saved); else { onClose(); await reload(); }
    } catch (e) {
      if (e instanceof ApiError && e.code === 'stale') setStale(true);
      else if (e instanceof ApiError && e.code === 'merged') await reload();
      else if (e instanceof ApiError && e.field === 'residentId') {
        const existingId = (e.details as { existingId?: string } | undefined)?.existingId;
        setIdError(<span>{e.text(i18n.language)}{existingId && <> <Link to={`/patients/${existingId}`} onClick={onClose}>{t('patient.openExisting')}</Link></>}</span>);
      }
      else report(e, form);
    } finally { setBusy(false); }
  };

  return (
    <Drawer open={open} onClose={onClose} size={mobile ? '100%' : 640} destroyOnHidden
      title={t('patient.editTitle', { name: base.name })}
      footer={<Space style={{ float: 'right' }}>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button type="primary" loading={busy} disabled={stale} onClick={() => form.submit()}>{t('common.save')}</Button>
      </Space>}>
      {stale && (
        <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('patient.staleTitle')} description={t('patient.staleText')}
          action={<Button size="small" type="primary" loading={reloading} onClick={() => void reload()}>{t('patient.reloadLatest')}</Button>}
        />
      )}
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('patient.editHint')}</Typography.Paragraph>
      <Form<Values> key={formKey} form={form} layout="vertical" initialValues={valuesOf(base)} onValuesChange={onValuesChange}
        scrollToFirstError onFinish={save} onFinishFailed={() => setStrict(true)} disabled={stale} preserve={false}>
        <div style={{ paddingBottom: 8 }}><ResidentIdField state={id} strict={strict} autoFocus={false} error={idError} /></div>
        <Row gutter={16}>
          <Col xs={24} sm={12}>
            <Form.Item name="name" label={t('patient.name')} rules={[{ required: true, whitespace: true, max: 40, message: t('patient.nameRequired') }]}>
              <Input autoComplete="off" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="phone" label={t('patient.phone')} rules={[zodRule(mobileSchema, t('common.mobileRule'))]}>
              <Input inputMode="tel" maxLength={11} className="yl-mono" />
            </Form.Item>
          </Col>
          {/* Side by side even on a phone: both short, and both follow the resident ID. */}
          <Col xs={12}>
            <Form.Item name="sex" label={t('common.sex')} rules={[{ required: !fromId, message: t('patient.sexRequired') }]}
              extra={fromId ? t('patient.fromId') : undefined}>
              <Radio.Group optionType="button" buttonStyle="solid" disabled={fromId || stale}
                options={[{ value: 'male', label: t('common.male') }, { value: 'female', label: t('common.female') }]} />
            </Form.Item>
          </Col>
          <Col xs={12}>
            <Form.Item name="birthDate" label={t('patient.birthDate')} extra={fromId ? t('patient.fromId') : undefined}
              rules={[{ required: !fromId, message: t('patient.birthDateRequired') },
                { validator: async (_r, d: Dayjs | null) => { if (d && !isoDate.safeParse(d.format('YYYY-MM-DD')).success) throw new Error(t('patient.birthDateRequired')); } }]}>
              <DatePicker style={{ width: '100%' }} disabled={fromId || stale} disabledDate={(d) => d.isAfter(dayjs())} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="insuranceCardNo" label={t('patient.insuranceCardNo')}>
              <Input maxLength={40} className="yl-mono" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="regionCode" label={t('patient.regionCode')} tooltip={t('directory.regionCodeHelp')}
              rules={[zodRule(regionCode, t('directory.regionCodeRule'))]}>
              <Input inputMode="numeric" maxLength={9} className="yl-mono" />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="address" label={t('patient.address')}><Input.TextArea autoSize={{ minRows: 1, maxRows: 3 }} maxLength={200} /></Form.Item>
          </Col>
        </Row>
      </Form>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0, fontSize: 12 }}>{t('patient.privacyNote')}</Typography.Paragraph>
    </Drawer>
  );
}
