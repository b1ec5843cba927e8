/** Local patient numbers (院内号) of each institution linked to this one patient; link one for the own institution. */
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Space, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useAuth, useMe } from '../../auth';
import { useErrorReporter, useIsMobile } from '../../hooks';
import type { PatientIdentifier } from '../../types';

export function IdentifiersCard({ patientId, identifiers, editable, onChanged }: {
  patientId: string; identifiers: PatientIdentifier[]; editable: boolean; onChanged: () => void;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<{ value: string }>();
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState(false);
  const institutionId = me.role.institutionId;
  const canLink = editable && !!institutionId && can('patient.link_local_number', institutionId);

  const add = async ({ value }: { value: string }) => {
    setBusy(true);
    try {
      await post(`patients/${patientId}/identifiers`, { institutionId, kind: 'local_number', value: value.trim() });
      void message.success(t('common.saved'));
      form.resetFields();
      setAdding(false);
      onChanged();
    } catch (e) { report(e, form, { number: 'value' }); } finally { setBusy(false); }
  };

  return (
    <Card title={t('patient.identifiers')} extra={canLink && !adding &&
      <Button size="small" icon={<PlusOutlined />} onClick={() => setAdding(true)}>{t('patient.addLocalNumber')}</Button>}>
      {adding && (
        <Form form={form} layout={mobile ? 'vertical' : 'inline'} onFinish={add} style={{ marginBottom: 12, rowGap: 8 }}>
          <Form.Item label={t('directory.institution')}>{me.role.institutionName}</Form.Item>
          <Form.Item name="value" label={t('patient.localNumber')} rules={[{ required: true, whitespace: true, max: 40, message: t('common.required') }]}>
            <Input className="yl-mono" autoFocus />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" loading={busy}>{t('common.save')}</Button>
              <Button onClick={() => setAdding(false)}>{t('common.cancel')}</Button>
            </Space>
          </Form.Item>
        </Form>
      )}
      <Table<PatientIdentifier>
        size="small" rowKey="id" dataSource={identifiers} pagination={false} scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('patient.noIdentifiers') }}
        columns={[
          { title: t('directory.institution'), dataIndex: 'institutionName', render: (v: string | null) => v ?? '—' },
          { title: t('patient.identifierKind'), dataIndex: 'kind', render: (k: string | null) => t(`patient.idKind.${k ?? 'local_number'}`, { defaultValue: k ?? '' }) },
          { title: t('patient.identifierValue'), dataIndex: 'value', render: (v: string) => <span className="yl-mono">{v}</span> },
        ]}
      />
    </Card>
  );
}
