/** Create or edit a consortium (医联体办公室 only). */
import { CONSORTIUM_KINDS, regionCode } from '@yilian/core';
import { App, Form, Input, Modal, Select } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { patch, post } from '../../api';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useErrorReporter } from '../../hooks';
import { useLabels } from '../../labels';
import type { Consortium } from '../../types';
import { zodRule } from '../../validation';

type Values = { name: string; kind: string; leadInstitutionId?: string | null; regionCode?: string; description?: string };

export function ConsortiumForm({ open, editing, onClose, onSaved }: {
  open: boolean; editing: Consortium | null; onClose: () => void; onSaved: (c: Consortium) => void;
}) {
  const { t } = useTranslation();
  const { options } = useLabels();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    if (editing) form.setFieldsValue({ name: editing.name, kind: editing.kind, leadInstitutionId: editing.leadInstitutionId,
      regionCode: editing.regionCode ?? undefined, description: editing.description ?? undefined });
  }, [open, editing, form]);

  const save = async (v: Values) => {
    setBusy(true);
    const body = { ...v, leadInstitutionId: v.leadInstitutionId || null, regionCode: v.regionCode || null, description: v.description || null };
    try {
      const saved = editing ? await patch<Consortium>(`consortia/${editing.id}`, body) : await post<Consortium>('consortia', body);
      void message.success(t('common.saved'));
      onSaved(saved);
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Modal open={open} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy} okText={t('common.save')} destroyOnHidden
      title={editing ? t('directory.editConsortium') : t('directory.newConsortium')}>
      <Form<Values> form={form} layout="vertical" onFinish={save} initialValues={{ kind: 'city_group' }}>
        <Form.Item name="name" label={t('directory.consortiumName')} rules={[{ required: true, min: 2, max: 100, message: t('directory.nameRule') }]}>
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t('directory.consortiumKind')} rules={[{ required: true }]}>
          <Select options={options(CONSORTIUM_KINDS)} />
        </Form.Item>
        <Form.Item name="leadInstitutionId" label={t('directory.leadInstitution')}>
          <InstitutionSelect allowClear known={editing?.leadInstitutionId ? [{ value: editing.leadInstitutionId, label: editing.leadInstitutionName ?? '' }] : []} />
        </Form.Item>
        <Form.Item name="regionCode" label={t('directory.regionCode')} rules={[zodRule(regionCode, t('directory.regionCodeRule'))]}>
          <Input className="yl-mono" maxLength={9} inputMode="numeric" />
        </Form.Item>
        <Form.Item name="description" label={t('directory.description')}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
