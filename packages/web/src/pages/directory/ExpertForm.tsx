/** Add a practitioner (副主任医师 or above) to the expert pool, or edit an entry. */
import { EXPERT_SERVICES, SENIOR_TITLES, SPECIALTIES, TITLES } from '@yilian/core';
import { App, Checkbox, Form, Input, Modal, Select } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { patch, post } from '../../api';
import { PractitionerSelect } from '../../components/RemoteSelect';
import { useErrorReporter } from '../../hooks';
import { useLabels } from '../../labels';
import type { Expert } from '../../types';

type Values = { practitionerId: string; specialty: string; services: string[]; availability?: string };

export function ExpertForm({ open, editing, onClose, onSaved }: {
  open: boolean; editing: Expert | null; onClose: () => void; onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { label, options } = useLabels();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    if (editing) form.setFieldsValue({ practitionerId: editing.practitionerId, specialty: editing.specialty, services: editing.services,
      availability: editing.availability ?? undefined });
  }, [open, editing, form]);

  const save = async (v: Values) => {
    setBusy(true);
    try {
      if (editing) {
        const { practitionerId: _unused, ...rest } = v;
        await patch(`experts/${editing.practitionerId}`, { ...rest, availability: v.availability || null });
      } else await post('experts', { ...v, availability: v.availability || null });
      void message.success(t('common.saved'));
      onSaved();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Modal open={open} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy} okText={t('common.save')} destroyOnHidden
      title={editing ? t('directory.editExpert', { name: editing.name }) : t('directory.addExpert')}>
      <Form<Values> form={form} layout="vertical" onFinish={save} initialValues={{ services: ['consultation'] }}>
        <Form.Item name="practitionerId" label={t('directory.practitioner')} extra={!editing && t('directory.expertTitleRule')}
          rules={[{ required: true, message: t('directory.searchPractitioner') }]}>
          <PractitionerSelect
            disabled={!!editing}
            known={editing ? [{ value: editing.practitionerId, label: editing.name }] : []}
            query={{ active: true }}
            describe={(p) => `${p.name} · ${label(TITLES, p.title)}${p.roles[0]?.institutionName ? ` · ${p.roles[0].institutionName}` : ''}${SENIOR_TITLES.includes(p.title) ? '' : ` (${t('directory.tooJunior')})`}`}
            onChange={() => undefined}
          />
        </Form.Item>
        <Form.Item name="specialty" label={t('directory.specialty')} rules={[{ required: true, message: t('common.required') }]}>
          <Select showSearch={{ optionFilterProp: 'label' }} options={options(SPECIALTIES)} />
        </Form.Item>
        <Form.Item name="services" label={t('directory.services')} rules={[{ required: true, type: 'array', min: 1, message: t('directory.needOneService') }]}>
          <Checkbox.Group options={options(EXPERT_SERVICES)} />
        </Form.Item>
        <Form.Item name="availability" label={t('directory.availability')}>
          <Input maxLength={200} placeholder={t('directory.availabilityPlaceholder')} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
