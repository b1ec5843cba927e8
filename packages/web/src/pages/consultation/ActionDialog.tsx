/**
 * One step of the consultation state machine: asks exactly for what the step needs (CONSULTATION_TRANSITIONS[action]
 * .needs — a reason, the supplements list, experts and a time, a rating; consent and opinions are shown as facts the
 * server checks) and posts it with the version.
 */
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { CONSULTATION_TRANSITIONS, SPECIALTIES, TITLES, type ConsultationAction } from '@yilian/core';
import { Alert, App, Button, Col, DatePicker, Form, Input, InputNumber, Modal, Rate, Row, Select, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ApiError, asPage, post, type Page } from '../../api';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Institution } from '../../types';
import { camelize, expertName, opinionsByExpert, toConsultation, type Consultation, type PoolExpert } from './model';
import { useSpan } from './tags';

const DANGER = new Set<ConsultationAction>(['cancel', 'dept_return', 'office_return', 'expert_decline']);
export const isDanger = (a: ConsultationAction) => DANGER.has(a);

/** 专家库: the centre's pool with filters, each expert's open load and mean response time; multi-select. */
function ExpertPicker({ consultationId, value, onChange }: { consultationId: string; value?: string[]; onChange?: (ids: string[]) => void }) {
  const { t } = useTranslation();
  const span = useSpan();
  const mobile = useIsMobile();
  const [filters, setFilters] = useState<{ specialty?: string; title?: string; institutionId?: string; q?: string }>({});
  const { data, loading } = useApiData<Page<PoolExpert> | PoolExpert[]>('consultations/experts', { ...filters, consultationId });
  const items = asPage(data as Page<PoolExpert>).items.map((x) => camelize<PoolExpert>(x));
  const institutions = useApiData<Page<Institution>>('institutions', { limit: 500, active: true });
  const { label, options } = useLabels();
  return (
    <div>
      <Row gutter={[8, 8]} style={{ marginBottom: 8 }}>
        <Col xs={12} md={6}><Input.Search allowClear placeholder={t('consultation.expertSearch')} onSearch={(q) => setFilters((f) => ({ ...f, q: q.trim() || undefined }))} /></Col>
        <Col xs={12} md={6}><Select allowClear style={{ width: '100%' }} placeholder={t('consultation.filterSpecialty')} value={filters.specialty}
          onChange={(v) => setFilters((f) => ({ ...f, specialty: v }))} options={options(SPECIALTIES)} /></Col>
        <Col xs={12} md={6}><Select allowClear style={{ width: '100%' }} placeholder={t('consultation.filterTitle')} value={filters.title}
          onChange={(v) => setFilters((f) => ({ ...f, title: v }))} options={options(TITLES)} /></Col>
        <Col xs={12} md={6}><Select allowClear showSearch={{ optionFilterProp: 'label' }} style={{ width: '100%' }} placeholder={t('consultation.filterInstitution')} value={filters.institutionId}
          onChange={(v) => setFilters((f) => ({ ...f, institutionId: v }))} options={asPage(institutions.data).items.map((i) => ({ value: i.id, label: i.name }))} /></Col>
      </Row>
      <Table<PoolExpert> size="small" rowKey="practitionerId" loading={loading} dataSource={items} pagination={{ pageSize: 8, size: 'small', hideOnSinglePage: true }}
        scroll={{ x: mobile ? 560 : undefined }}
        rowSelection={{ selectedRowKeys: value ?? [], onChange: (keys) => onChange?.(keys as string[]), preserveSelectedRowKeys: true, getCheckboxProps: (x) => ({ disabled: !x.userId && !x.invited }) }}
        columns={[
          { title: t('consultation.experts'), dataIndex: 'name', render: (v: string, x) => <span><b>{v}</b> {x.title && <span className="yl-muted">{label(TITLES, x.title)}</span>}{x.invited ? <Tag color="blue" style={{ marginInlineStart: 4 }}>{t('consultation.invited')}</Tag> : null}</span> },
          { title: t('consultation.filterInstitution'), dataIndex: 'institutionName', render: (v: string, x) => <span>{v}{x.departmentName ? <div className="yl-muted" style={{ fontSize: 12 }}>{x.departmentName}</div> : null}</span> },
          { title: t('consultation.filterSpecialty'), dataIndex: 'specialty', render: (v: string) => label(SPECIALTIES, v) },
          { title: t('consultation.openLoad'), dataIndex: 'openLoad', align: 'right', sorter: (a, b) => (a.openLoad ?? 0) - (b.openLoad ?? 0) },
          { title: t('consultation.avgResponse'), dataIndex: 'avgResponseMinutes', align: 'right', sorter: (a, b) => (a.avgResponseMinutes ?? 1e9) - (b.avgResponseMinutes ?? 1e9),
            render: (v: number | null) => (v == null ? '—' : span(v)) },
        ]} />
    </div>
  );
}

interface Props { consultation: Consultation; action: ConsultationAction | null; onClose: () => void; onDone: (c: Consultation) => void }
interface Values { reason?: string; supplements?: string[]; experts?: string[]; scheduledAt?: Dayjs; durationMinutes?: number; rating?: number; comment?: string }

export function ActionDialog({ consultation: c, action, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { pick } = useLabels();
  const report = useErrorReporter();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [stale, setStale] = useState(false);
  const tr = action ? CONSULTATION_TRANSITIONS[action] : null;
  const needs = new Set(tr?.needs ?? []);

  useEffect(() => {
    if (!action) return;
    form.resetFields();
    setStale(false);
    if (action === 'invite') {
      form.setFieldsValue({
        experts: c.experts.filter((e) => e.status === 'invited' || e.status === 'accepted').map((e) => e.practitionerId),
        scheduledAt: c.scheduledAt ? dayjs(c.scheduledAt) : undefined, durationMinutes: c.durationMinutes ?? 60,
      });
    }
    if (action === 'request_supplements') form.setFieldsValue({ supplements: [''] });
  }, [action]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!action || !tr) return null;

  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const body: Record<string, unknown> = action === 'expert_accept' || action === 'expert_decline' ? {} : { version: c.version };
      if (v.reason?.trim()) body.reason = v.reason.trim();
      if (needs.has('supplements')) body.supplements = (v.supplements ?? []).map((s) => s.trim()).filter(Boolean);
      if (needs.has('experts')) body.experts = (v.experts ?? []).map((practitionerId) => ({ practitionerId }));
      if (needs.has('time') && v.scheduledAt) { body.scheduledAt = v.scheduledAt.toISOString(); body.durationMinutes = v.durationMinutes; }
      if (needs.has('rating')) { body.rating = v.rating; if (v.comment?.trim()) body.comment = v.comment.trim(); }
      const reply = await post(`consultations/${c.id}/actions/${action}`, body);
      void message.success(t('consultation.actionDone', { action: pick(tr.label) }));
      onDone(toConsultation(reply ?? c));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'version_conflict') setStale(true);
      report(e, form, { 'supplements': 'supplements', 'experts': 'experts', comment: 'comment' });
    } finally { setBusy(false); }
  };

  const signed = opinionsByExpert(c.opinions);
  const accepted = c.experts.filter((e) => e.status === 'accepted');
  const wide = needs.has('experts');

  return (
    <Modal open title={`${pick(tr.label)} · ${c.code}`} onCancel={onClose} onOk={submit} confirmLoading={busy} okText={pick(tr.label)}
      width={wide ? 920 : 520} destroyOnHidden okButtonProps={{ danger: isDanger(action) }}>
      {stale && <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('consultation.version')} />}
      <Form form={form} layout="vertical">
        {needs.has('consent') && (c.consent
          ? <Alert type="success" showIcon style={{ marginBottom: 12 }} title={`${t('consultation.consentOnFile')}：${c.consent.signerName}`} />
          : <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('consultation.consentHint')}
            action={<Link to={`/consultations/${c.id}/edit`}><Button size="small">{t('consultation.consentGoEdit')}</Button></Link>} />)}
        {needs.has('experts') && (
          <Form.Item name="experts" label={t('consultation.chooseExperts')} rules={[{ required: true, type: 'array', min: 1, message: t('consultation.needExperts') }]}>
            <ExpertPicker consultationId={c.id} />
          </Form.Item>
        )}
        {needs.has('time') && (
          <Row gutter={12}>
            <Col xs={24} md={14}>
              <Form.Item name="scheduledAt" label={t('consultation.proposedTime')} rules={[{ required: true, message: t('consultation.needTime') }]}>
                <DatePicker showTime={{ format: 'HH:mm', minuteStep: 5 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }}
                  disabledDate={(d) => d.isBefore(dayjs().startOf('day'))} />
              </Form.Item>
            </Col>
            <Col xs={24} md={10}>
              <Form.Item name="durationMinutes" label={t('consultation.duration')}>
                <InputNumber min={10} max={480} step={10} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          </Row>
        )}
        {needs.has('supplements') && (
          <Form.Item label={t('consultation.supplements')} required>
            <Form.List name="supplements" rules={[{ validator: async (_, v: string[] | undefined) => {
              if (!(v ?? []).some((s) => s?.trim())) throw new Error(t('consultation.needSupplements'));
            } }]}>
              {(fields, { add, remove }, { errors }) => (
                <>
                  {fields.map((f) => (
                    <div key={f.key} style={{ display: 'flex', gap: 6, marginBottom: 6 }}>
                      <Form.Item name={f.name} noStyle><Input placeholder={t('consultation.supplementPh')} maxLength={200} /></Form.Item>
                      <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('common.remove')} />
                    </div>
                  ))}
                  <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add('')}>{t('consultation.addSupplement')}</Button>
                  <Form.ErrorList errors={errors} />
                </>
              )}
            </Form.List>
          </Form.Item>
        )}
        {needs.has('opinions') && (
          <div style={{ marginBottom: 12 }}>
            <div style={{ marginBottom: 4 }}>{t('consultation.opinionsStatus')}</div>
            {accepted.map((e) => {
              const ok = signed.some((s) => s.latest.practitionerId === e.practitionerId && s.latest.status === 'signed');
              return <div key={e.practitionerId}><Tag color={ok ? 'success' : 'warning'}>{ok ? t('consultation.opinionSigned') : t('consultation.opinionMissing')}</Tag>{expertName(e)}</div>;
            })}
          </div>
        )}
        {needs.has('rating') && (
          <>
            <Form.Item name="rating" label={t('consultation.rating')} rules={[{ required: true, message: t('consultation.needRating') }]}>
              <Rate />
            </Form.Item>
            <Form.Item name="comment" label={t('consultation.ratingComment')}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 5 }} maxLength={1000} />
            </Form.Item>
          </>
        )}
        {needs.has('reason') && (
          <Form.Item name="reason" label={action === 'submit_urgent' ? t('consultation.urgentReason') : t('consultation.reasonLabel')}
            initialValue={action === 'submit_urgent' ? c.urgentReason ?? undefined : undefined}
            rules={[{ required: true, whitespace: true, message: t('consultation.needReason') }]}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={1000} />
          </Form.Item>
        )}
        {!tr.needs?.length && <div className="yl-muted">{t('consultation.confirmAction', { action: pick(tr.label) })}</div>}
      </Form>
    </Modal>
  );
}
