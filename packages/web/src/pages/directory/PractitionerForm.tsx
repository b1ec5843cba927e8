/** Create or edit a practitioner, with one or more practising institutions (多点执业). */
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { mobile as mobileSchema, SPECIALTIES, TITLES } from '@yilian/core';
import { App, Button, Col, Drawer, Form, Input, Radio, Row, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get, patch, post } from '../../api';
import { useAuth, useMe } from '../../auth';
import { DepartmentSelect, InstitutionSelect } from '../../components/RemoteSelect';
import { useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Practitioner, PractitionerRole } from '../../types';
import { zodRule } from '../../validation';

type Values = {
  name: string; sex: 'male' | 'female'; title: string; specialty?: string | null; phone?: string; licenseNo?: string;
  roles: { institutionId?: string; departmentId?: string | null }[];
};

export function PractitionerForm({ open, editingId, onClose, onSaved }: {
  open: boolean; editingId: string | null; onClose: () => void; onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { options } = useLabels();
  const me = useMe();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [known, setKnown] = useState<PractitionerRole[]>([]);
  const roles = Form.useWatch('roles', form);
  // An institution admin manages the staff of their own institution only; the consortium office any.
  const anyInstitution = can('practitioner.manage', '__other__');

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setKnown([]);
    if (!editingId) {
      if (me.role.institutionId) form.setFieldsValue({ roles: [{ institutionId: me.role.institutionId }] });
      return;
    }
    get<Practitioner>(`practitioners/${editingId}`).then((p) => {
      setKnown(p.roles);
      form.setFieldsValue({
        name: p.name, sex: p.sex, title: p.title, specialty: p.specialty, phone: p.phone ?? undefined, licenseNo: p.licenseNo ?? undefined,
        roles: p.roles.map((r) => ({ institutionId: r.institutionId, departmentId: r.departmentId })),
      });
    }).catch((e) => report(e));
  }, [open, editingId, form, me.role.institutionId, report]);

  const knownInstitutions = [
    ...(me.role.institutionId ? [{ value: me.role.institutionId, label: me.role.institutionName ?? '' }] : []),
    ...known.map((r) => ({ value: r.institutionId, label: r.institutionName ?? '' })),
  ];
  const knownDepartments = known.filter((r) => r.departmentId).map((r) => ({ value: r.departmentId!, label: r.departmentName ?? '' }));

  const save = async (v: Values) => {
    setBusy(true);
    const body = {
      ...v, specialty: v.specialty || null, phone: v.phone || null, licenseNo: v.licenseNo || null,
      roles: v.roles.filter((r) => r.institutionId).map((r) => ({ institutionId: r.institutionId, departmentId: r.departmentId || null })),
    };
    try {
      if (editingId) await patch(`practitioners/${editingId}`, body); else await post('practitioners', body);
      void message.success(t('common.saved'));
      onSaved();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Drawer open={open} onClose={onClose} size={mobile ? '100%' : 600} destroyOnHidden
      title={editingId ? t('directory.editPractitioner') : t('directory.newPractitioner')}
      footer={<Space style={{ float: 'right' }}><Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button type="primary" loading={busy} onClick={() => form.submit()}>{t('common.save')}</Button></Space>}>
      <Form<Values> form={form} layout="vertical" onFinish={save} initialValues={{ sex: 'male', title: 'attending_physician', roles: [{}] }}>
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            <Form.Item name="name" label={t('directory.practitionerName')} rules={[{ required: true, min: 2, max: 40, message: t('directory.personNameRule') }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="sex" label={t('common.sex')} rules={[{ required: true }]}>
              <Radio.Group optionType="button" options={[{ value: 'male', label: t('common.male') }, { value: 'female', label: t('common.female') }]} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="title" label={t('directory.title')} rules={[{ required: true }]}>
              <Select options={options(TITLES)} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="specialty" label={t('directory.specialty')}>
              <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={options(SPECIALTIES)} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="phone" label={t('directory.mobile')} rules={[zodRule(mobileSchema, t('common.mobileRule'))]}>
              <Input inputMode="tel" maxLength={11} className="yl-mono" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="licenseNo" label={t('directory.licenseNo')}><Input maxLength={40} className="yl-mono" /></Form.Item>
          </Col>
        </Row>
        <Typography.Title level={5}>{t('directory.practiceSites')}</Typography.Title>
        <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('directory.practiceSitesHelp')}</Typography.Paragraph>
        <Form.List name="roles" rules={[{ validator: async (_, v: unknown[]) => { if (!v?.length) throw new Error(t('directory.needOneSite')); } }]}>
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((f, idx) => (
                <Row key={f.key} gutter={8} align="top" wrap={false}>
                  <Col flex="1 1 0" style={{ minWidth: 0 }}>
                    <Form.Item name={[f.name, 'institutionId']} rules={[{ required: true, message: t('directory.chooseInstitution') }]}
                      style={{ marginBottom: mobile ? 8 : 16 }}>
                      <InstitutionSelect known={knownInstitutions} disabled={!anyInstitution && idx === 0 && !editingId}
                        onChange={() => form.setFieldValue(['roles', f.name, 'departmentId'], null)} />
                    </Form.Item>
                    {mobile && (
                      <Form.Item name={[f.name, 'departmentId']}>
                        <DepartmentSelect allowClear institutionId={roles?.[idx]?.institutionId} known={knownDepartments} />
                      </Form.Item>
                    )}
                  </Col>
                  {!mobile && (
                    <Col flex="1 1 0" style={{ minWidth: 0 }}>
                      <Form.Item name={[f.name, 'departmentId']}>
                        <DepartmentSelect allowClear institutionId={roles?.[idx]?.institutionId} known={knownDepartments} />
                      </Form.Item>
                    </Col>
                  )}
                  <Col flex="none">
                    <Button type="text" icon={<MinusCircleOutlined />} disabled={fields.length <= 1} onClick={() => remove(f.name)}
                      aria-label={t('common.remove')} />
                  </Col>
                </Row>
              ))}
              <Form.ErrorList errors={errors} />
              <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({})} disabled={fields.length >= 10}>
                {t('directory.addPracticeSite')}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
    </Drawer>
  );
}
