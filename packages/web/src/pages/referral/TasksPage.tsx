/** 随访任务: the down-referral follow-ups of a primary doctor (mine / my institution), each done with its result. */
import { App, Button, Form, Input, Modal, Segmented, Select, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { asPage, post, type Page } from '../../api';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { camelize, type ReferralTask } from './model';

export default function TasksPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [box, setBox] = useState<'mine' | 'institution'>('institution');
  const [status, setStatus] = useState<string | undefined>('open');
  const [doing, setDoing] = useState<ReferralTask | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ result: string }>();
  const { data, loading, error, reload } = useApiData<Page<unknown>>('referral-tasks', { box, status });
  const items = asPage(data).items.map((x) => camelize<ReferralTask>(x));

  const done = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await post(`referral-tasks/${doing!.id}/done`, { result: v.result.trim() });
      void message.success(t('referral.taskDone'));
      setDoing(null); form.resetFields(); reload();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };
  const dueTag = (x: ReferralTask) => {
    const late = x.status === 'open' && dayjs(x.dueDate).isBefore(dayjs(), 'day');
    return <Tag color={x.status === 'done' ? 'success' : late ? 'error' : 'processing'}>{x.dueDate}</Tag>;
  };
  const doneButton = (x: ReferralTask) => x.status === 'open' && <Button size={mobile ? 'middle' : 'small'} type="primary" onClick={(e) => { e.stopPropagation(); setDoing(x); }}>{t('referral.done')}</Button>;
  const columns: ColumnsType<ReferralTask> = [
    { title: t('referral.due'), dataIndex: 'dueDate', render: (_, x) => dueTag(x) },
    { title: t('referral.patient'), dataIndex: 'patientName', render: (v: string | null, x) => <Link to={`/patients/${x.patientId}`}>{v ?? x.patientId?.slice(0, 8)}</Link> },
    { title: t('referral.taskTitle'), dataIndex: 'title' },
    { title: t('referral.status'), dataIndex: 'status', render: (v: string) => t(`referral.taskStatus.${v}`) },
    { title: t('referral.result'), dataIndex: 'result', ellipsis: true },
    { title: t('referral.code'), dataIndex: 'referralId', render: (v: string, x) => <Link to={`/referrals/${v}`} className="yl-mono">{x.referralCode ?? t('referral.detail')}</Link> },
    { title: t('common.actions'), key: 'a', render: (_, x) => doneButton(x) },
  ];
  return (
    <div>
      <PageHeader title={t('referral.taskList')} />
      <div className="yl-filters" style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
        <Segmented value={box} onChange={(v) => setBox(v as typeof box)} options={(['institution', 'mine'] as const).map((b) => ({ value: b, label: t(`referral.taskBox.${b}`) }))} />
        <Select allowClear value={status} onChange={setStatus} style={{ width: 140 }} options={(['open', 'done', 'cancelled'] as const).map((s) => ({ value: s, label: t(`referral.taskStatus.${s}`) }))} />
      </div>
      <DataList<ReferralTask> rowKey={(x) => x.id} columns={columns} data={items} loading={loading} error={error} empty={<span className="yl-muted">{t('referral.taskEmpty')}</span>}
        renderCard={(x) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between' }}><b>{x.patientName ?? ''}</b>{dueTag(x)}</div>
            <div style={{ margin: '4px 0' }}>{x.title}</div>
            {x.result && <div className="yl-muted" style={{ fontSize: 12 }}>{x.result}</div>}
            {doneButton(x)}
          </div>
        )} />
      <Modal open={!!doing} title={`${t('referral.done')} · ${doing?.title ?? ''}`} onCancel={() => setDoing(null)} onOk={done} confirmLoading={busy} destroyOnHidden>
        <Form form={form} layout="vertical">
          <Form.Item name="result" label={t('referral.result')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
            <Input.TextArea autoSize={{ minRows: 3 }} placeholder={t('referral.resultPh')} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
