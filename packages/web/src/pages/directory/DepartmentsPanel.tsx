/** 科室 of one institution: list, create/edit (modal), deactivate/activate. */
import { PlusOutlined } from '@ant-design/icons';
import { SPECIALTIES } from '@yilian/core';
import { App, Button, Form, Input, Modal, Select, Space } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { patch, post, type Page } from '../../api';
import { useAuth } from '../../auth';
import { DataList } from '../../components/DataList';
import { StatusTag } from '../../components/StatusTag';
import { ToggleActive } from '../../components/ToggleActive';
import { useApiData, useErrorReporter } from '../../hooks';
import { useLabels } from '../../labels';
import type { Department } from '../../types';

type Values = { name: string; code?: string; specialty?: string | null };

export function DepartmentsPanel({ institutionId }: { institutionId: string }) {
  const { t } = useTranslation();
  const { label, options } = useLabels();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<Values>();
  const [editing, setEditing] = useState<Department | 'new' | null>(null);
  const [busy, setBusy] = useState(false);
  const { data, loading, error, reload } = useApiData<Page<Department>>('departments', { institutionId, limit: 500 });
  const manage = can('department.manage', institutionId);

  const open = (d: Department | 'new') => {
    form.resetFields();
    if (d !== 'new') form.setFieldsValue({ name: d.name, code: d.code ?? undefined, specialty: d.specialty ?? undefined });
    setEditing(d);
  };
  const save = async (v: Values) => {
    setBusy(true);
    const body = { name: v.name, code: v.code || null, specialty: v.specialty || null };
    try {
      if (editing === 'new') await post('departments', { ...body, institutionId });
      else if (editing) await patch(`departments/${editing.id}`, body);
      void message.success(t('common.saved'));
      setEditing(null);
      reload();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  const columns: ColumnsType<Department> = [
    { title: t('directory.departmentName'), dataIndex: 'name' },
    { title: t('directory.departmentCode'), dataIndex: 'code', render: (v: string | null) => <span className="yl-mono">{v ?? ''}</span> },
    { title: t('directory.specialty'), dataIndex: 'specialty', render: (v: string | null) => label(SPECIALTIES, v) },
    { title: t('common.status'), dataIndex: 'active', render: (a: boolean) => <StatusTag active={a} /> },
  ];
  if (manage) columns.push({ title: t('common.actions'), key: 'a', render: (_, d) => (
    <Space size={0}>
      <Button type="link" size="small" onClick={() => open(d)}>{t('common.edit')}</Button>
      <ToggleActive base={`departments/${d.id}`} active={d.active} name={d.name} onDone={reload} />
    </Space>
  ) });

  return (
    <div>
      {manage && <div style={{ marginBottom: 12 }}>
        <Button icon={<PlusOutlined />} onClick={() => open('new')}>{t('directory.newDepartment')}</Button>
      </div>}
      <DataList<Department> rowKey={(d) => d.id} columns={columns} data={data?.items} loading={loading} error={error} />
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('directory.newDepartment') : t('directory.editDepartment')}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        confirmLoading={busy}
        okText={t('common.save')}
        destroyOnHidden
      >
        <Form<Values> form={form} layout="vertical" onFinish={save}>
          <Form.Item name="name" label={t('directory.departmentName')} rules={[{ required: true, max: 60, message: t('common.required') }]}>
            <Input />
          </Form.Item>
          <Form.Item name="code" label={t('directory.departmentCode')}><Input maxLength={40} className="yl-mono" /></Form.Item>
          <Form.Item name="specialty" label={t('directory.specialty')}>
            <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={options(SPECIALTIES)} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
