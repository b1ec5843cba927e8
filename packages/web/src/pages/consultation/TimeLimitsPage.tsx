/** 会诊时限设置 (consortium office): minutes from reaching the centre to the opinions delivered, per kind. */
import { CONSULTATION_DEFAULT_LIMIT_MINUTES, CONSULTATION_KIND_LABELS, CONSULTATION_KINDS, type ConsultationKind } from '@yilian/core';
import { Alert, App, Button, Card, Form, InputNumber, Spin } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { useAuth } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { useApiData, useErrorReporter } from '../../hooks';
import { useLabels } from '../../labels';
import { camelize } from './model';
import { useSpan } from './tags';

type Values = Record<ConsultationKind, number>;

export default function TimeLimitsPage() {
  const { t, i18n } = useTranslation();
  const { label } = useLabels();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const span = useSpan();
  const allowed = can('consultation.configure');
  const { data, loading, error, reload } = useApiData<unknown>(allowed ? 'consultation-config/time-limits' : null);
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const values = Form.useWatch([], form) as Partial<Values> | undefined;

  useEffect(() => {
    const items = camelize<{ items?: { kind: ConsultationKind; minutes: number }[] }>(data ?? {}).items ?? [];
    form.setFieldsValue({ ...CONSULTATION_DEFAULT_LIMIT_MINUTES, ...Object.fromEntries(items.map((i) => [i.kind, i.minutes])) });
  }, [data, form]);

  if (!allowed) return <div><PageHeader title={t('consultation.limits')} /><Alert type="info" showIcon title={t('consultation.noPermission')} /></div>;

  const save = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await api('consultation-config/time-limits', { method: 'PUT', body: { items: CONSULTATION_KINDS.map((kind) => ({ kind, minutes: v[kind] })) } });
      void message.success(t('consultation.limitsSaved'));
      reload();
    } catch (e) { report(e, form, Object.fromEntries(CONSULTATION_KINDS.map((k, i) => [`items.${i}.minutes`, k]))); } finally { setBusy(false); }
  };

  return (
    <div>
      <PageHeader title={t('consultation.limits')} subtitle={t('consultation.limitsSubtitle')} />
      {error && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={error.text(i18n.language)} />}
      <Spin spinning={loading}>
        <Card size="small" style={{ maxWidth: 520 }}>
          <Form form={form} layout="horizontal" labelCol={{ span: 10 }} wrapperCol={{ span: 14 }}>
            {CONSULTATION_KINDS.map((k) => (
              <Form.Item key={k} name={k} label={label(CONSULTATION_KIND_LABELS, k)} rules={[{ required: true, message: t('common.required') }]}
                extra={values?.[k] ? span(values[k]!) : undefined}>
                <InputNumber min={5} max={60 * 24 * 30} step={k === 'urgent' ? 5 : 60} style={{ width: '100%' }} suffix={t('consultation.minuteUnit')} />
              </Form.Item>
            ))}
            <Form.Item wrapperCol={{ offset: 10 }}><Button type="primary" loading={busy} onClick={save}>{t('common.save')}</Button></Form.Item>
          </Form>
        </Card>
      </Spin>
    </div>
  );
}
