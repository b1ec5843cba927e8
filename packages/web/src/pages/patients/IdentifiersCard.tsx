/** Local patient numbers (院内号) of each institution linked to this one patient; link one for the own institution. */
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useAuth, useMe } from '../../auth';
import { DataList } from '../../components/DataList';
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
  const kind = (k: string | null | undefined) => t(`patient.idKind.${k ?? 'local_mrn'}`, { defaultValue: k ?? '' });
  const canLink = editable && !!institutionId && can('patient.link_local_number', institutionId);

  const add = async ({ value }: { value: string }) => {
    setBusy(true);
    try {
      await post(`patients/${patientId}/identifiers`, { institutionId, value: value.trim() });
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
      <DataList<PatientIdentifier>
        rowKey={(i) => i.id} data={identifiers} empty={<span className="yl-muted">{t('patient.noIdentifiers')}</span>}
        renderCard={(i) => (
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, flexWrap: 'wrap' }}>
            <span>{i.institutionName ?? '—'} <span className="yl-muted">{kind(i.kind)}</span></span>
            <span className="yl-mono">{i.value}</span>
          </div>
        )}
        columns={[
          { title: t('directory.institution'), dataIndex: 'institutionName', render: (v: string | null) => v ?? '—' },
          { title: t('patient.identifierKind'), dataIndex: 'kind', render: (k: string | null) => kind(k) },
          { title: t('patient.identifierValue'), dataIndex: 'value', render: (v: string) => <span className="yl-mono">{v}</span> },
        ]}
      />
    </Card>
  );
}
