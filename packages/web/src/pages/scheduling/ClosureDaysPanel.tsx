/** 节假日/停诊日 of an institution: no slots are made that day, and slots already made are stopped (bookings cancelled, patients told). */
import { Alert, App, Button, Card, DatePicker, Form, Input, List, Popconfirm, Space, Spin } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, asPage, post, type Page } from '../../api';
import { useErrorReporter } from '../../hooks';
import { getOptional, type ClosureDay } from './model';

export function ClosureDaysPanel({ institutionId, editable }: { institutionId: string; editable: boolean }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<{ date: Dayjs; name: string }>();
  const [days, setDays] = useState<ClosureDay[] | null | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    setDays(undefined);
    getOptional<Page<ClosureDay> | ClosureDay[]>('scheduling/exceptions', {
      institutionId, from: dayjs().subtract(7, 'day').format('YYYY-MM-DD'), to: dayjs().add(1, 'year').format('YYYY-MM-DD'),
    }).then((d) => { if (live) { setDays(d === undefined ? null : asPage(d).items); setError(null); } })
      .catch((e: unknown) => { if (live) { setDays([]); setError(e instanceof ApiError ? e : null); } });
    return () => { live = false; };
  }, [institutionId, tick]);

  const add = async (v: { date: Dayjs; name: string }) => {
    setBusy(true);
    try {
      await post('scheduling/exceptions', { institutionId, date: v.date.format('YYYY-MM-DD'), name: v.name.trim() });
      void message.success(t('sched.closureAdded', { date: v.date.format('YYYY-MM-DD') }));
      form.resetFields();
      setTick((n) => n + 1);
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  if (days === null) return <Alert type="warning" showIcon title={t('sched.closureMissing')} />;
  return (
    <Card size="small" title={t('sched.closureDays')}>
      {editable && (
        <Form form={form} layout="inline" onFinish={add} style={{ marginBottom: 12, rowGap: 8 }}>
          <Form.Item name="date" rules={[{ required: true, message: t('common.required') }]}>
            <DatePicker disabledDate={(d) => d.isBefore(dayjs(), 'day')} placeholder={t('sched.closureDate')} />
          </Form.Item>
          <Form.Item name="name" rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input maxLength={60} placeholder={t('sched.closureName')} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item>
            <Popconfirm title={t('sched.closureConfirm')} description={t('sched.closureConfirmText')} onConfirm={() => form.submit()}
              okText={t('sched.addClosure')} cancelText={t('common.cancel')}>
              <Button type="primary" loading={busy}>{t('sched.addClosure')}</Button>
            </Popconfirm>
          </Form.Item>
        </Form>
      )}
      {error && <Alert type="error" showIcon title={error.text(i18n.language)} style={{ marginBottom: 12 }} />}
      {days === undefined ? <Spin /> : (
        <List size="small" dataSource={days} locale={{ emptyText: t('sched.noClosures') }}
          renderItem={(d) => (
            <List.Item>
              <Space><b className="yl-mono">{d.date}</b><span className="yl-muted">{dayjs(d.date).format('dddd')}</span>{d.name}</Space>
            </List.Item>
          )} />
      )}
    </Card>
  );
}
