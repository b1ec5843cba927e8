/**
 * One step of the state machine: asks for what the step needs (REFERRAL_TRANSITIONS[action].needs — a reason, the
 * receiving doctor, the institution to forward to, a green-channel slot, the summary) and posts it with the version.
 */
import { REFERRAL_TRANSITIONS, type ReferralAction } from '@yilian/core';
import { Alert, App, DatePicker, Form, Input, Modal, Select, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, asPage, post, type Page } from '../../api';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Institution, Practitioner } from '../../types';
import { ResourceSelect, useResources } from '../scheduling/ResourceSelect';
import { SlotGrid } from '../scheduling/SlotGrid';
import { loadSlots, type Slot } from '../scheduling/model';
import { targetFilter } from './ReferralCreatePage';
import { toReferral, type Referral } from './model';

/**
 * Where the receiving office may forward: any other active institution that still fits the direction — going up,
 * one of at least the current receiver's level (市级三甲 → 省级三甲 is the usual hop), never back to the sender.
 */
function forwardFilter(r: Referral, current: Institution | undefined) {
  const fits = targetFilter(r.direction, current);
  return (i: Institution) => i.id !== r.fromInstitutionId && i.id !== r.toInstitutionId && i.active !== false
    && (fits(i) || (r.direction === 'up' && Number(i.level ?? 0) >= Number(current?.level ?? 0)));
}

interface Props { referral: Referral; action: ReferralAction | null; onClose: () => void; onDone: (r: Referral) => void }

/** Green-channel slots of the receiving institution: the scheduling calendar's grid, referral pool bookable. */
function GreenChannelPicker({ institutionId, value, onChange }: { institutionId: string; value?: string; onChange?: (id: string) => void }) {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const { data, loading } = useResources(institutionId);
  const [resourceId, setResourceId] = useState<string>();
  const [start, setStart] = useState<Dayjs>(dayjs().startOf('day'));
  const [slots, setSlots] = useState<Slot[]>([]);
  const days = useMemo(() => Array.from({ length: mobile ? 3 : 7 }, (_, i) => start.add(i, 'day')), [start, mobile]);
  useEffect(() => {
    if (!resourceId) { setSlots([]); return; }
    loadSlots(resourceId, days[0]!, days[days.length - 1]!.add(1, 'day'), 'free', { greenChannel: true })
      .then((d) => setSlots(d.items ?? [])).catch(() => setSlots([]));
  }, [resourceId, days]);
  const now = Date.now();
  const bookable = new Set(slots.filter((s) => s.status === 'free' && Date.parse(s.startsAt) > now).map((s) => s.id));
  const picked = slots.find((s) => s.id === value);
  return (
    <div>
      <Space wrap style={{ marginBottom: 8 }}>
        <ResourceSelect resources={data?.items} loading={loading} value={resourceId} onChange={setResourceId} style={{ minWidth: 220 }} />
        <DatePicker value={start} allowClear={false} onChange={(d) => d && setStart(d.startOf('day'))} />
      </Space>
      {!resourceId ? <Alert type="info" showIcon title={t('referral.noResource')} />
        : <SlotGrid days={days} slots={slots} bookable={bookable} onPick={(s) => onChange?.(s.id)} stacked={mobile} />}
      {picked && <Alert style={{ marginTop: 8 }} type="success" showIcon title={`${dayjs(picked.startsAt).format('YYYY-MM-DD dd HH:mm')}`} />}
    </div>
  );
}

export function ActionDialog({ referral, action, onClose, onDone }: Props) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { pick } = useLabels();
  const report = useErrorReporter();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [stale, setStale] = useState(false);
  const tr = action ? REFERRAL_TRANSITIONS[action] : null;
  const needs = new Set(tr?.needs ?? []);
  const doctors = useApiData<Page<Practitioner & { userId?: string | null }>>(needs.has('assignee') ? 'practitioners' : null,
    { institutionId: referral.toInstitutionId, departmentId: referral.toDepartmentId ?? undefined, active: true, limit: 200 });
  const allDoctors = useApiData<Page<Practitioner & { userId?: string | null }>>(needs.has('assignee') && referral.toDepartmentId ? 'practitioners' : null,
    { institutionId: referral.toInstitutionId, active: true, limit: 200 });
  const institutions = useApiData<Page<Institution>>(needs.has('target') ? 'institutions' : null, { limit: 500, active: true });
  const current = asPage(institutions.data).items.find((i) => i.id === referral.toInstitutionId);

  useEffect(() => { if (action) { form.resetFields(); setStale(false); } }, [action, form]);
  if (!action || !tr) return null;

  const doctorOptions = [...asPage(doctors.data).items, ...asPage(allDoctors.data).items]
    .filter((p, i, a) => a.findIndex((x) => x.id === p.id) === i)
    .map((p) => ({ value: p.userId ?? `p:${p.id}`, disabled: !p.userId, label: `${p.name} · ${p.title ?? ''}${p.roles?.[0]?.departmentName ? ` · ${p.roles[0].departmentName}` : ''}${p.userId ? '' : `（${t('referral.noAccount')}）`}` }));

  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const body: Record<string, unknown> = { version: referral.version };
      for (const k of ['reason', 'summary', 'assigneeUserId', 'toInstitutionId', 'toDepartmentId', 'slotId']) if (v[k]) body[k] = typeof v[k] === 'string' ? v[k].trim() : v[k];
      const r = toReferral(await post(`referrals/${referral.id}/actions/${action}`, body));
      void message.success(t('referral.actionDone', { action: pick(tr.label) }));
      onDone(r);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'version_conflict') setStale(true);
      report(e, form);
    } finally { setBusy(false); }
  };

  return (
    <Modal open title={`${pick(tr.label)} · ${referral.code}`} onCancel={onClose} onOk={submit} confirmLoading={busy} okText={pick(tr.label)}
      width={needs.has('booking') ? 860 : 520} destroyOnHidden okButtonProps={{ danger: ['refuse', 'cancel', 'sender_return', 'no_show'].includes(action) }}>
      {stale && <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('referral.version')} />}
      <Form form={form} layout="vertical">
        {needs.has('assignee') && (
          <Form.Item name="assigneeUserId" label={t('referral.assigned')} rules={[{ required: true, message: t('referral.needAssignee') }]}>
            <Select showSearch={{ optionFilterProp: 'label' }} loading={doctors.loading} placeholder={t('referral.chooseDoctor')} options={doctorOptions} />
          </Form.Item>
        )}
        {needs.has('target') && (
          <Form.Item name="toInstitutionId" label={t('referral.to')} rules={[{ required: true, message: t('referral.needTarget') }]}>
            <Select showSearch={{ optionFilterProp: 'label' }} placeholder={t('referral.chooseInstitution')}
              options={asPage(institutions.data).items.filter(forwardFilter(referral, current)).map((i) => ({ value: i.id, label: i.name }))} />
          </Form.Item>
        )}
        {needs.has('booking') && (
          <Form.Item name="slotId" label={t('referral.slotsHint')} rules={[{ required: true, message: t('referral.needSlot') }]}>
            <GreenChannelPicker institutionId={referral.toInstitutionId} />
          </Form.Item>
        )}
        {needs.has('reason') && (
          <Form.Item name="reason" label={t('referral.reasonLabel')} rules={[{ required: true, whitespace: true, message: t('referral.needReason') }]}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={1000} />
          </Form.Item>
        )}
        {needs.has('summary') && (
          <Form.Item name="summary" label={t('referral.summaryLabel')} rules={[{ required: true, whitespace: true, message: t('referral.needSummary') }]}>
            <Input.TextArea autoSize={{ minRows: 4, maxRows: 10 }} maxLength={4000} />
          </Form.Item>
        )}
        {!needs.size && <div className="yl-muted">{i18n.language.startsWith('en') ? `${tr.label.en}?` : `确定${tr.label.zh}？`}</div>}
      </Form>
    </Modal>
  );
}
