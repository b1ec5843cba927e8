/**
 * 移动问诊 /quick-consults/:id?: a doctor asks an expert in a chat (text, images, voice are messages of the consult's
 * thread). The list (asked by me / asked of me) beside the conversation on wide screens; on a phone the list and the
 * conversation are separate screens. The expert answers; either side converts it into a draft consultation or
 * referral (owned by the asker) or closes it — the buttons are the server's `allowedActions`.
 */
import { ArrowLeftOutlined, CheckOutlined, CloseCircleOutlined, MedicineBoxOutlined, PlusOutlined, SwapOutlined } from '@ant-design/icons';
import { QUICK_CONSULT_STATE_LABELS, SPECIALTIES, TITLES, type QuickConsultAction, type QuickConsultState } from '@yilian/core';
import { App, Badge, Button, Empty, Form, Input, Modal, Popconfirm, Radio, Segmented, Space, Spin, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { post } from '../../api';
import { PageHeader } from '../../components/PageHeader';
import { PatientSelect, RemoteSelect } from '../../components/RemoteSelect';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import { Conversation } from '../../messaging/Conversation';
import { useRealtimeEvent } from '../../realtime/RealtimeProvider';
import type { Expert } from '../../types';
import { usePatientDescriber } from '../scheduling/BookingDialog';

type Action = QuickConsultAction;
interface QuickConsult {
  id: string; code: string; status: QuickConsultState; subject: string; statusSince: string; createdAt: string; lastMessageAt: string | null;
  asker: { userId: string; name: string; institutionName: string };
  expert: { userId: string; practitionerId: string; name: string; title: string; institutionName: string | null };
  patient: { id: string; name: string } | null; threadId: string; unread: number;
  convertedTo: { type: 'consultation' | 'referral'; id: string } | null;
  side?: 'asker' | 'expert'; allowedActions?: Action[];
}
type Box = 'asked' | 'received' | 'all';
const STATE_COLORS: Record<QuickConsultState, string> = { open: 'orange', answered: 'green', converted: 'blue', closed: 'default' };
const draftLink = (c: NonNullable<QuickConsult['convertedTo']>) => `/${c.type === 'consultation' ? 'consultations' : 'referrals'}/${c.id}`;

function StateTag({ status }: { status: QuickConsultState }) {
  const { pick } = useLabels();
  return <Tag color={STATE_COLORS[status]} style={{ marginInlineEnd: 0 }}>{pick(QUICK_CONSULT_STATE_LABELS[status])}</Tag>;
}

function ConsultList({ box, setBox, selectedId, onOpen, tick }: { box: Box; setBox: (b: Box) => void; selectedId?: string; onOpen: (id: string) => void; tick: number }) {
  const { t } = useTranslation();
  const { data, loading, reload } = useApiData<{ items: QuickConsult[]; total: number }>('quick-consults', { box, limit: 100 });
  useEffect(() => { if (tick) reload(); }, [tick, reload]);
  const items = data?.items ?? [];
  return (
    <div className="yl-thread-list">
      <div style={{ padding: 8, borderBottom: '1px solid rgba(0,0,0,0.06)' }}>
        <Segmented<Box> block value={box} onChange={setBox} options={(['received', 'asked', 'all'] as const).map((b) => ({ value: b, label: t(`cx.qc.${b}`) }))} />
      </div>
      <div className="yl-thread-items">
        {loading && !data ? <div className="yl-center" style={{ padding: 24 }}><Spin /></div> : !items.length ? <Empty style={{ marginTop: 32 }} description={t('cx.qc.empty')} /> : items.map((q) => {
          const other = q.side === 'expert' || (box === 'received') ? q.asker.name : q.expert.name;
          return (
            <button key={q.id} type="button" className="yl-thread-item" onClick={() => onOpen(q.id)}
              style={q.id === selectedId ? { background: '#e8f1fc' } : undefined} aria-current={q.id === selectedId}>
              <div style={{ flex: 1, minWidth: 0 }}>
                <div style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
                  <Typography.Text strong ellipsis style={{ flex: 1 }}>{q.subject}</Typography.Text>
                  <Badge count={q.unread} size="small" />
                </div>
                <div style={{ display: 'flex', gap: 6, alignItems: 'center', marginTop: 4, fontSize: 12 }}>
                  <StateTag status={q.status} />
                  <Typography.Text type="secondary" ellipsis style={{ flex: 1, fontSize: 12 }}>
                    {box === 'all' ? `${q.asker.name} → ${q.expert.name}` : other}{q.patient ? ` · ${q.patient.name}` : ''}
                  </Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12, flex: 'none' }}>{dayjs(q.lastMessageAt ?? q.createdAt).format('MM-DD HH:mm')}</Typography.Text>
                </div>
              </div>
            </button>
          );
        })}
      </div>
    </div>
  );
}

function NewConsultModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useTranslation();
  const { label } = useLabels();
  const report = useErrorReporter();
  const describe = usePatientDescriber();
  const [form] = Form.useForm<{ expertPractitionerId: string; patientId?: string; subject: string; text: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const created = await post<QuickConsult>('quick-consults', v);
      form.resetFields();
      onCreated(created.id);
    } catch (e) { report(e, form); } finally { setSaving(false); }
  };
  return (
    <Modal open={open} title={t('cx.qc.newConsult')} onCancel={onClose} onOk={() => void submit()} okText={t('cx.qc.create')} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" requiredMark="optional">
        <Form.Item name="expertPractitionerId" label={t('cx.qc.expert')} rules={[{ required: true, message: t('cx.qc.chooseExpert') }]}>
          <RemoteSelect<Expert> path="experts" query={{ active: true }} placeholder={t('cx.qc.chooseExpert')}
            toOption={(e) => ({ value: e.practitionerId, label: [e.name, label(TITLES, e.title), label(SPECIALTIES, e.specialty), e.institutions?.[0]?.name].filter(Boolean).join(' · ') })} />
        </Form.Item>
        <Form.Item name="patientId" label={t('cx.qc.patient')}>
          <PatientSelect describe={describe} placeholder={t('cx.qc.choosePatient')} allowClear />
        </Form.Item>
        <Form.Item name="subject" label={t('cx.qc.subject')} rules={[{ required: true, whitespace: true, max: 200 }]}>
          <Input placeholder={t('cx.qc.subjectPh')} maxLength={200} />
        </Form.Item>
        <Form.Item name="text" label={t('cx.qc.text')} rules={[{ required: true, whitespace: true, max: 4000 }]}>
          <Input.TextArea rows={4} placeholder={t('cx.qc.textPh')} maxLength={4000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The consult's bar above its conversation: who, which patient, its state, and the steps the caller may take. */
function ConsultBar({ q, onChanged, onBack }: { q: QuickConsult; onChanged: () => void; onBack?: () => void }) {
  const { t } = useTranslation();
  const { label } = useLabels();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const report = useErrorReporter();
  const describe = usePatientDescriber();
  const [answering, setAnswering] = useState(false);
  const [converting, setConverting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [answerForm] = Form.useForm<{ text: string }>();
  const [convertForm] = Form.useForm<{ to: 'consultation' | 'referral'; patientId?: string }>();
  const allowed = q.allowedActions ?? [];
  const act = async (action: Action, body: Record<string, unknown>, form?: Parameters<typeof report>[1]) => {
    setBusy(true);
    try {
      const r = await post<QuickConsult & { converted: QuickConsult['convertedTo'] }>(`quick-consults/${q.id}/actions/${action}`, body);
      onChanged();
      return r;
    } catch (e) { report(e, form); return null; } finally { setBusy(false); }
  };
  const answer = async () => {
    const v = await answerForm.validateFields();
    if (await act('answer', v, answerForm)) { setAnswering(false); answerForm.resetFields(); void message.success(t('cx.qc.answered')); }
  };
  const convert = async () => {
    const v = await convertForm.validateFields();
    const r = await act('convert', v, convertForm);
    if (r?.converted) {
      setConverting(false);
      const to = r.converted;
      void message.success({ content: <span>{t('cx.qc.converted')} <a onClick={() => navigate(draftLink(to))}>{t('cx.qc.openDraft')}</a></span> });
    }
  };
  const other = q.side === 'expert' ? `${q.asker.name} · ${q.asker.institutionName}` : [q.expert.name, label(TITLES, q.expert.title), q.expert.institutionName].filter(Boolean).join(' · ');
  return (
    <div style={{ padding: '8px 12px', borderBottom: '1px solid rgba(0,0,0,0.06)', background: '#fff' }}>
      <div style={{ display: 'flex', alignItems: 'center', gap: 8, flexWrap: 'wrap' }}>
        {onBack && <Button type="text" icon={<ArrowLeftOutlined />} onClick={onBack} aria-label={t('cx.qc.back')} />}
        <Typography.Text strong style={{ fontSize: 15, flex: '1 1 200px', minWidth: 0 }} ellipsis>{q.subject}</Typography.Text>
        <StateTag status={q.status} />
      </div>
      <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)', margin: '4px 0', lineHeight: 1.7 }}>
        {q.code} · {other} · {q.patient ? q.patient.name : t('cx.qc.noPatient')}
        {q.convertedTo && <> · <a onClick={() => navigate(draftLink(q.convertedTo!))}>{t(`cx.qc.convertedTo.${q.convertedTo.type}`)}</a></>}
      </div>
      {allowed.length > 0 && (
        <Space wrap size={6}>
          {allowed.includes('answer') && <Button type="primary" size="small" icon={<CheckOutlined />} onClick={() => setAnswering(true)}>{t('cx.qc.answer')}</Button>}
          {allowed.includes('convert') && <Button size="small" icon={<SwapOutlined />} onClick={() => { convertForm.setFieldsValue({ to: 'consultation', patientId: q.patient?.id }); setConverting(true); }}>{t('cx.qc.convert')}</Button>}
          {allowed.includes('close') && (
            <Popconfirm title={t('cx.qc.closeConfirm')} onConfirm={() => act('close', {}).then((r) => { if (r) void message.success(t('cx.qc.closed')); })}>
              <Button size="small" danger icon={<CloseCircleOutlined />} loading={busy && !answering && !converting}>{t('cx.qc.close')}</Button>
            </Popconfirm>
          )}
        </Space>
      )}
      <Modal open={answering} title={t('cx.qc.answer')} onCancel={() => setAnswering(false)} onOk={() => void answer()} confirmLoading={busy} destroyOnHidden>
        <Form form={answerForm} layout="vertical">
          <Form.Item name="text" rules={[{ required: true, whitespace: true, max: 4000 }]}>
            <Input.TextArea rows={5} placeholder={t('cx.qc.answerPh')} maxLength={4000} autoFocus />
          </Form.Item>
        </Form>
      </Modal>
      <Modal open={converting} title={t('cx.qc.convert')} onCancel={() => setConverting(false)} onOk={() => void convert()} confirmLoading={busy} destroyOnHidden>
        <Form form={convertForm} layout="vertical">
          <Form.Item name="to" label={t('cx.qc.convertTo')} rules={[{ required: true }]}>
            <Radio.Group options={(['consultation', 'referral'] as const).map((v) => ({ value: v, label: t(`cx.qc.to.${v}`) }))} />
          </Form.Item>
          <Form.Item name="patientId" label={t('cx.qc.patient')} rules={[{ required: !q.patient, message: t('cx.qc.needPatient') }]}>
            <PatientSelect describe={describe} placeholder={t('cx.qc.choosePatient')} allowClear
              known={q.patient ? [{ value: q.patient.id, label: q.patient.name }] : []} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

function ConsultView({ id, tick, onChanged, onBack }: { id: string; tick: number; onChanged: () => void; onBack?: () => void }) {
  const { i18n } = useTranslation();
  const { data, error, reload } = useApiData<QuickConsult>(`quick-consults/${id}`);
  useEffect(() => { if (tick) reload(); }, [tick, reload]);
  if (error) return <div className="yl-center" style={{ height: '100%', padding: 24 }}><Empty description={error.text(i18n.language)} /></div>;
  if (!data) return <div className="yl-center" style={{ height: '100%' }}><Spin /></div>;
  return (
    <div style={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 }}>
      <ConsultBar q={data} onChanged={onChanged} onBack={onBack} />
      <div style={{ flex: 1, minHeight: 0 }}>
        <Conversation key={data.threadId} threadId={data.threadId} compact emptyTitle={data.subject} />
      </div>
    </div>
  );
}

export default function QuickConsultsPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const [box, setBox] = useState<Box>('received');
  const [creating, setCreating] = useState(false);
  // Reloads the list and the open consult when a step is taken here or by the other side (live); the list alone
  // when a message arrives or is read (its order and unread counts).
  const [tick, setTick] = useState(0);
  const [listTick, setListTick] = useState(0);
  const reload = () => { setTick((n) => n + 1); setListTick((n) => n + 1); };
  const reloadList = () => setListTick((n) => n + 1);
  useRealtimeEvent('quick_consult.updated', reload);
  useRealtimeEvent('message.created', reloadList);
  useRealtimeEvent('message.read', reloadList);
  useRealtimeEvent('resync', reload);
  const open = (qid: string) => navigate(`/quick-consults/${qid}`);

  const newButton = <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('cx.qc.newConsult')}</Button>;
  const modal = <NewConsultModal open={creating} onClose={() => setCreating(false)} onCreated={(qid) => { setCreating(false); setBox('asked'); reload(); open(qid); }} />;

  if (mobile) {
    return (
      <div>
        {id ? (
          <div className="yl-messages-phone"><ConsultView id={id} tick={tick} onChanged={reload} onBack={() => navigate('/quick-consults')} /></div>
        ) : (
          <>
            <PageHeader title={t('cx.qc.title')} extra={newButton} />
            <div className="yl-messages-phone list"><ConsultList box={box} setBox={setBox} onOpen={open} tick={listTick} /></div>
          </>
        )}
        {modal}
      </div>
    );
  }
  return (
    <div>
      <PageHeader title={t('cx.qc.title')} subtitle={t('cx.qc.subtitle')} extra={newButton} />
      <div className="yl-messages">
        <ConsultList box={box} setBox={setBox} selectedId={id} onOpen={open} tick={listTick} />
        <div className="yl-messages-main">
          {id ? <ConsultView key={id} id={id} tick={tick} onChanged={reload} /> : (
            <div className="yl-center" style={{ height: '100%' }}>
              <Empty image={<MedicineBoxOutlined style={{ fontSize: 56, color: '#bfd4ea' }} />} description={t('cx.qc.pick')} />
            </div>
          )}
        </div>
      </div>
      {modal}
    </div>
  );
}
