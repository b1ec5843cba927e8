/** 新建账号: username, name, initial password, the practitioner (or patient) it belongs to, and one or more roles. */
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { TITLES, type Role } from '@yilian/core';
import { App, Button, Col, Drawer, Form, Input, Row, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useAuth } from '../../auth';
import { PatientSelect, PractitionerSelect } from '../../components/RemoteSelect';
import { useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { PatientSummary, Practitioner } from '../../types';
import { sexText } from '../patients/format';
import { GrantFields, useGrantRules } from './grants';
import { PasswordField } from './password';

type Grant = { role?: Role; institutionId?: string | null };
type Values = {
  username: string; displayName: string; password: string; practitionerId?: string | null; patientId?: string | null;
  roles: Grant[];
};

const USERNAME = /^[a-z][a-z0-9_.-]{2,39}$/;

export function UserForm({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { label } = useLabels();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const { anyInstitution, ownInstitution, blank } = useGrantRules();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const roles = Form.useWatch('roles', form) as Grant[] | undefined;
  const forPatient = !!roles?.some((r) => r?.role === 'patient');
  const forStaff = !!roles?.some((r) => r?.role && r.role !== 'patient');

  useEffect(() => { if (open) form.resetFields(); }, [open, form]);

  const describePractitioner = (p: Practitioner) =>
    [p.name, label(TITLES, p.title), p.roles[0]?.institutionName].filter(Boolean).join(' · ');
  const describePatient = (p: PatientSummary) =>
    [p.name, sexText(t, p.sex), p.birthDate, p.residentIdMasked].filter(Boolean).join(' · ');

  const save = async (v: Values) => {
    setBusy(true);
    try {
      await post('users', {
        username: v.username.trim(), displayName: v.displayName.trim(), password: v.password,
        practitionerId: forStaff ? v.practitionerId || null : null,
        patientId: forPatient ? v.patientId || null : null,
        roles: v.roles.map((r) => ({ role: r.role, institutionId: r.institutionId || null })),
      });
      void message.success(t('users.created', { name: v.displayName.trim() }));
      onSaved();
    } catch (e) {
      // A grant the server refuses names its row (roles.1): show it on that row's institution.
      report(e, form, Object.fromEntries((roles ?? []).map((_, i) => [`roles.${i}`, `roles.${i}.institutionId`])));
    } finally { setBusy(false); }
  };

  return (
    <Drawer open={open} onClose={onClose} size={mobile ? '100%' : 640} destroyOnHidden title={t('users.newUser')}
      footer={<Space style={{ float: 'right' }}><Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button type="primary" loading={busy} onClick={() => form.submit()}>{t('common.save')}</Button></Space>}>
      <Form<Values> form={form} layout="vertical" onFinish={save} scrollToFirstError
        initialValues={{ roles: [blank()] }}>
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            <Form.Item name="username" label={t('users.username')} extra={t('users.usernameHelp')} normalize={(v: string) => v.toLowerCase().trim()}
              rules={[{ required: true, message: t('common.required') }, { pattern: USERNAME, message: t('users.usernameRule') }]}>
              <Input className="yl-mono" autoComplete="off" autoCapitalize="none" spellCheck={false} maxLength={40} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="displayName" label={t('users.displayName')} rules={[{ required: true, whitespace: true, max: 40, message: t('users.displayNameRequired') }]}>
              <Input autoComplete="off" maxLength={40} />
            </Form.Item>
          </Col>
        </Row>
        <PasswordField label={t('users.password')} />

        <Typography.Title level={5} style={{ marginTop: 8 }}>{t('users.roles')}</Typography.Title>
        <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
          {t('users.rolesHelp')}
          {!anyInstitution && <><br />{ownInstitution ? t('users.ownInstitutionNamed', { name: ownInstitution.label }) : t('users.ownInstitutionOnly')}</>}
        </Typography.Paragraph>
        <Form.List name="roles" rules={[{ validator: async (_, v: unknown[]) => { if (!v?.length) throw new Error(t('users.needOneRole')); } }]}>
          {(fields, { add, remove }, { errors }) => (
            <>
              {!mobile && !!fields.length && (
                <Row gutter={8} className="yl-muted" style={{ fontSize: 13, marginBottom: 4 }} wrap={false}>
                  <Col flex="2 1 0">{t('users.role')}</Col>
                  <Col flex="3 1 0">{t('users.institution')}</Col>
                  <Col flex="none" style={{ width: 40 }} />
                </Row>
              )}
              {fields.map((f) => (
                <GrantFields key={f.key} rel={[f.name]} abs={['roles', f.name]} stacked={mobile}
                  last={<Button type="text" icon={<MinusCircleOutlined />} disabled={fields.length <= 1} onClick={() => remove(f.name)} aria-label={t('common.remove')} />} />
              ))}
              <Form.ErrorList errors={errors} />
              <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add(blank())} disabled={fields.length >= 10} style={{ marginBottom: 24 }}>
                {t('users.addRoleRow')}
              </Button>
            </>
          )}
        </Form.List>

        {forStaff && (
          <Form.Item name="practitionerId" label={t('users.practitioner')} extra={t('users.practitionerHelp')}>
            <PractitionerSelect allowClear describe={describePractitioner}
              query={anyInstitution ? undefined : { institutionId: ownInstitution?.value }}
              onChange={(_v, option) => {
                // The practitioner's name is a good display name when none is given yet.
                const text = Array.isArray(option) ? undefined : option?.label;
                const name = typeof text === 'string' ? text.split(' · ')[0] : undefined;
                if (name && !form.getFieldValue('displayName')) form.setFieldValue('displayName', name);
              }} />
          </Form.Item>
        )}
        {forPatient && can('patient.search') && (
          <Form.Item name="patientId" label={t('users.patient')} extra={t('users.patientHelp')}>
            <PatientSelect allowClear describe={describePatient} placeholder={t('users.searchPatient')} />
          </Form.Item>
        )}
      </Form>
    </Drawer>
  );
}
