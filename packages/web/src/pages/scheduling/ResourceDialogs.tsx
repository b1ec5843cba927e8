/** The dialogs of the resources page: new resource, generate slots for a period, stop a clinic (停诊). */
import { Alert, App, DatePicker, Form, Input, Modal, Radio, Select } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { DepartmentSelect, PractitionerSelect } from '../../components/RemoteSelect';
import { useErrorReporter } from '../../hooks';
import { EXAM_TYPES, RESOURCE_KINDS, type Resource } from './model';

interface ResourceValues { kind: Resource['kind']; name: string; departmentId?: string; practitionerId?: string; examType?: string; ward?: string }

export function ResourceForm({ open, institutionId, onClose, onSaved }: { open: boolean; institutionId: string | undefined; onClose: () => void; onSaved: (r: Resource) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<ResourceValues>();
  const kind = Form.useWatch('kind', form) ?? 'doctor';
  const [busy, setBusy] = useState(false);
  const [names, setNames] = useState<{ practitioner?: string; department?: string }>({});

  /** A name from what was picked, unless the user typed one: 陆志远（心血管内科）, CT（放射科）. */
  const suggest = (next: { practitioner?: string; department?: string; examType?: string }) => {
    const n = { ...names, ...next };
    setNames(n);
    const head = kind === 'doctor' ? n.practitioner : kind === 'exam' ? (next.examType ?? form.getFieldValue('examType')) : form.getFieldValue('ward');
    if (!form.isFieldTouched('name') && head) form.setFieldValue('name', n.department ? `${head}（${n.department}）` : head);
  };

  const save = async (v: ResourceValues) => {
    if (!institutionId) return;
    setBusy(true);
    try {
      const r = await post<Resource>('scheduling/resources', {
        institutionId, kind: v.kind, name: v.name.trim(), departmentId: v.departmentId ?? null,
        practitionerId: v.kind === 'doctor' ? v.practitionerId ?? null : null, examType: v.kind === 'exam' ? v.examType ?? null : null,
        ward: v.kind === 'bed' ? v.ward?.trim() || null : null,
      });
      void message.success(t('sched.resourceCreated', { name: r.name }));
      onSaved(r);
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Modal open={open} title={t('sched.newResource')} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={save} preserve={false} initialValues={{ kind: 'doctor' }}>
        <Form.Item name="kind" label={t('sched.kindLabel')}>
          <Radio.Group optionType="button" buttonStyle="solid" options={RESOURCE_KINDS.map((k) => ({ value: k, label: t(`sched.kind.${k}`) }))} />
        </Form.Item>
        <Form.Item name="departmentId" label={t('directory.departmentName')}>
          <DepartmentSelect institutionId={institutionId} allowClear
            onChange={(_: unknown, o?: unknown) => suggest({ department: (o as { label?: string } | undefined)?.label })} />
        </Form.Item>
        {kind === 'doctor' && (
          <Form.Item name="practitionerId" label={t('directory.practitioner')} rules={[{ required: true, message: t('sched.practitionerRequired') }]}>
            <PractitionerSelect query={{ institutionId }} onChange={(_: unknown, o?: unknown) => suggest({ practitioner: (o as { label?: string } | undefined)?.label })} />
          </Form.Item>
        )}
        {kind === 'exam' && (
          <Form.Item name="examType" label={t('sched.examType')} rules={[{ required: true, message: t('sched.examTypeRequired') }]}>
            <Select options={EXAM_TYPES.map((x) => ({ value: x, label: t(`sched.exam.${x}`) }))} onChange={(x: string) => suggest({ examType: x })} />
          </Form.Item>
        )}
        {kind === 'bed' && (
          <Form.Item name="ward" label={t('sched.ward')}><Input maxLength={40} onBlur={() => suggest({})} /></Form.Item>
        )}
        <Form.Item name="name" label={t('sched.resourceName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          extra={t('sched.resourceNameHelp')}>
          <Input maxLength={80} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 生成号源: slots from the stored template for a period (at most 92 days), closure days skipped. */
export function GenerateModal({ resource, onClose }: { resource: Resource | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const report = useErrorReporter();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs(), dayjs().add(13, 'day')]);
  const [busy, setBusy] = useState(false);
  const tooLong = range[1].diff(range[0], 'day') >= 92;

  const run = async () => {
    if (!resource) return;
    setBusy(true);
    try {
      const r = await post<{ created: number; primary: number; skipped: number }>(`scheduling/resources/${resource.id}/slots`,
        { from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') });
      onClose();
      modal.success({ title: t('sched.generated'), content: t('sched.generatedText', r) });
    } catch (e) { report(e); } finally { setBusy(false); }
  };

  return (
    <Modal open={!!resource} title={t('sched.generateTitle', { name: resource?.name ?? '' })} onCancel={onClose} onOk={run} confirmLoading={busy}
      okButtonProps={{ disabled: tooLong }} okText={t('sched.generate')} destroyOnHidden>
      <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('sched.generateHint')} />
      <DatePicker.RangePicker value={range} allowClear={false} style={{ width: '100%' }} disabledDate={(d) => d.isBefore(dayjs(), 'day')}
        onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} status={tooLong ? 'error' : undefined} />
      {tooLong && <div style={{ color: '#cf1322', marginTop: 4 }}>{t('sched.rangeTooLong')}</div>}
    </Modal>
  );
}

/** 停诊: blocks the period's slots, cancels their bookings and tells the patients. */
export function StopModal({ resource, onClose }: { resource: Resource | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const report = useErrorReporter();
  const [form] = Form.useForm<{ range: [Dayjs, Dayjs]; reason: string }>();
  const [busy, setBusy] = useState(false);

  const run = async (v: { range: [Dayjs, Dayjs]; reason: string }) => {
    if (!resource) return;
    setBusy(true);
    try {
      const r = await post<{ blocked: number; cancelled: string[] }>(`scheduling/resources/${resource.id}/stop`,
        { from: v.range[0].format(), to: v.range[1].format(), reason: v.reason.trim() });
      onClose();
      modal.success({ title: t('sched.stopped'), content: t('sched.stoppedText', { blocked: r.blocked, cancelled: r.cancelled.length }) });
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Modal open={!!resource} title={t('sched.stopTitle', { name: resource?.name ?? '' })} onCancel={onClose} onOk={() => form.submit()}
      confirmLoading={busy} okText={t('sched.stop')} okButtonProps={{ danger: true }} destroyOnHidden>
      <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('sched.stopHint')} />
      <Form form={form} layout="vertical" onFinish={run} preserve={false}
        initialValues={{ range: [dayjs().add(1, 'day').startOf('day'), dayjs().add(2, 'day').startOf('day')] }}>
        <Form.Item name="range" label={t('sched.stopPeriod')} rules={[{ required: true }]}>
          <DatePicker.RangePicker showTime={{ format: 'HH:mm', minuteStep: 30 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="reason" label={t('sched.stopReason')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={200} placeholder={t('sched.stopReasonPlaceholder')} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
