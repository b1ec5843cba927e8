/**
 * 转诊详情: state, the chain of institutions (forwarding shown), history, shared excerpts, attachments, follow-up
 * tasks with progress, the insurance comparison, the case chat — and the caller's action buttons (the server's
 * allowedActions, else the core state machine). Live: the `referral:<id>` topic reloads it.
 */
import { CommentOutlined, EditOutlined, PaperClipOutlined, PrinterOutlined } from '@ant-design/icons';
import { REFERRAL_STATE_LABELS, REFERRAL_TRANSITIONS, type ReferralAction } from '@yilian/core';
import {
  Alert, Button, Card, Col, Descriptions, Empty, InputNumber, Progress, Result, Row, Space, Spin, Steps, Table, Tag, Timeline, Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useMe } from '../../auth';
import { Conversation } from '../../messaging/Conversation';
import { PageHeader } from '../../components/PageHeader';
import { useApiData, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import { useTopic } from '../../realtime/RealtimeProvider';
import { ActionDialog } from './ActionDialog';
import { callerActions, insuranceRows, STATE_COLORS, toReferral, type Referral } from './model';

/** Excerpts come as record views of several kinds: the first name-like field. */
const excerptTitle = (e: object) => {
  const x = e as Record<string, unknown>;
  const at = x.startedAt ?? x.issuedAt ?? x.effectiveAt ?? x.authoredAt ?? x.recordedAt;
  const what = x.title ?? x.name ?? x.display ?? x.drug ?? x.substance ?? x.reason ?? '';
  return [what, at ? dayjs(String(at)).format('YYYY-MM-DD') : ''].filter(Boolean).join(' · ');
};
const fmt = (v?: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');
const DANGER = new Set<ReferralAction>(['refuse', 'cancel', 'sender_return', 'no_show']);

export function StateTag({ r }: { r: Pick<Referral, 'status'> & { overdue?: boolean } }) {
  const { t } = useTranslation();
  const { label } = useLabels();
  return <><Tag color={STATE_COLORS[r.status]} style={{ marginInlineEnd: 4 }}>{label(REFERRAL_STATE_LABELS, r.status)}</Tag>{r.overdue && <Tag color="red">{t('referral.overdueTag')}</Tag>}</>;
}

/** 医保报销对比: expected out-of-pocket for an amount at levels 1/2/3. */
function InsuranceCard({ r }: { r: Referral }) {
  const { t } = useTranslation();
  const [amount, setAmount] = useState(5000);
  const { data } = useApiData<unknown>(r.insuranceType ? `referrals/${r.id}/insurance` : null, { amount });
  const rows = insuranceRows({ insurance: (data ?? r.insurance) as Referral['insurance'] });
  if (!r.insuranceType) return null;
  const best = rows.length ? Math.min(...rows.map((x) => x.outOfPocket)) : 0;
  return (
    <Card size="small" title={t('referral.insuranceCompare')} style={{ marginBottom: 12 }}
      extra={<Space size={4}><span className="yl-muted" style={{ fontSize: 12 }}>{t('referral.amount')}</span><InputNumber size="small" min={0} step={1000} value={amount} onChange={(v) => setAmount(Number(v ?? 0))} /></Space>}>
      {rows.length ? (
        <Table size="small" pagination={false} rowKey="level" dataSource={rows} columns={[
          { title: t('referral.level'), dataIndex: 'level', render: (v: string) => t(`referral.levels.${v}`, { defaultValue: v }) },
          { title: t('referral.deductible'), dataIndex: 'deductible', align: 'right', render: (v: number) => `¥${v}` },
          { title: t('referral.rate'), dataIndex: 'rate', align: 'right', render: (v: number) => `${Math.round(v * 100)}%` },
          { title: t('referral.outOfPocket'), dataIndex: 'outOfPocket', align: 'right', render: (v: number) => <b style={{ color: v === best ? '#389e0d' : undefined }}>¥{v.toFixed(2)}</b> },
        ]} />
      ) : <span className="yl-muted">{t('referral.insuranceNone')}</span>}
    </Card>
  );
}

export default function ReferralDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { label, pick } = useLabels();
  const me = useMe();
  const mobile = useIsMobile();
  const { data, error, loading, reload } = useApiData<unknown>(`referrals/${id}`);
  const [action, setAction] = useState<ReferralAction | null>(null);
  useTopic(id ? `referral:${id}` : null, () => reload());

  if (error && !data) return <Result status={error.status === 403 ? '403' : error.status === 404 ? '404' : 'error'} title={error.text(i18n.language)} />;
  if (!data) return <div className="yl-center"><Spin spinning={loading} /></div>;
  const r = toReferral(data);
  const actions = callerActions(me, r);
  const patientName = r.patient?.name ?? r.patientName ?? '';
  const events = r.events ?? [];
  const chain = r.chain ?? [];
  const tasks = r.tasks ?? [];
  // Record entry views name their kind `entryKind` (a document has a `kind` of its own).
  const excerpts = (r.sharedExcerpts ?? r.sharedEntries).map((e) => ({ ...e, kind: (e as { entryKind?: string }).entryKind ?? e.kind }));
  const progress = r.taskProgress ?? { total: tasks.length, done: tasks.filter((x) => x.status === 'done').length };
  const editable = ['draft', 'returned'].includes(r.status) && r.createdBy === me.userId;
  const staff = me.role.role !== 'patient';

  const buttons = (
    <Space wrap>
      {actions.map((a) => (
        <Button key={a} type={DANGER.has(a) ? 'default' : 'primary'} danger={DANGER.has(a)} onClick={() => setAction(a)}>{pick(REFERRAL_TRANSITIONS[a].label)}</Button>
      ))}
      {editable && <Link to={`/referrals/${r.id}/edit`}><Button icon={<EditOutlined />}>{t('common.edit')}</Button></Link>}
      {staff && r.status !== 'draft' && <Link to={`/referrals/${r.id}/print`}><Button icon={<PrinterOutlined />}>{t('referral.print')}</Button></Link>}
    </Space>
  );

  return (
    <div>
      <PageHeader title={<span>{t(`referral.dir.${r.direction}`)} · <span className="yl-mono">{r.code}</span> <StateTag r={r} /></span>}
        subtitle={`${r.fromInstitutionName ?? ''} → ${r.toInstitutionName ?? ''}`} extra={!mobile && buttons} />
      {mobile && <div style={{ marginBottom: 12 }}>{buttons}</div>}
      {!actions.length && staff && !['closed', 'refused', 'cancelled', 'no_show'].includes(r.status) && (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('referral.noActions')} />
      )}
      <Row gutter={12}>
        <Col xs={24} lg={15}>
          <Card size="small" style={{ marginBottom: 12 }}>
            <Descriptions size="small" column={mobile ? 1 : 2} items={[
              { key: 'p', label: t('referral.patient'), children: staff && r.patientId ? <Link to={`/patients/${r.patientId}`}>{patientName || t('referral.patientLink')}</Link> : patientName },
              { key: 's', label: t('referral.status'), children: <span>{label(REFERRAL_STATE_LABELS, r.status)} <span className="yl-muted">{t('referral.since')} {fmt(r.statusSince)}</span></span> },
              { key: 'set', label: t('referral.setting'), children: `${t(`referral.settings.${r.setting}`, { defaultValue: r.setting })} · ${t(`referral.urgencies.${r.urgency}`, { defaultValue: r.urgency })}` },
              { key: 'c', label: t('referral.createdAt'), children: fmt(r.createdAt) },
              { key: 'dx', label: t('referral.diagnoses'), span: mobile ? 1 : 2, children: r.diagnoses.map((d) => <Tag key={d.code}>{d.code}{d.display && d.display !== d.code ? ` ${d.display}` : ''}</Tag>) },
              { key: 'r', label: t('referral.reason'), span: mobile ? 1 : 2, children: <Typography.Paragraph style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{r.reason}</Typography.Paragraph> },
              ...(r.appointment ? [{ key: 'ap', label: t('referral.appointment'), children: fmt(r.appointment.startsAt) }] : []),
              ...(r.insuranceType ? [{ key: 'ins', label: t('referral.insurance'), children: t(`referral.insuranceTypes.${r.insuranceType}`, { defaultValue: r.insuranceType }) }] : []),
              ...(r.plan ? [{ key: 'plan', label: t('referral.plan'), span: mobile ? 1 : 2, children: <span style={{ whiteSpace: 'pre-wrap' }}>{r.plan}</span> }] : []),
              ...(r.summary ? [{ key: 'sum', label: t('referral.summary'), span: mobile ? 1 : 2, children: <span style={{ whiteSpace: 'pre-wrap' }}>{r.summary}</span> }] : []),
            ]} />
          </Card>
          <Card size="small" title={t('referral.chain')} style={{ marginBottom: 12 }}>
            <Steps size="small" direction={mobile ? 'vertical' : 'horizontal'} current={chain.length - 1}
              items={chain.map((c, i) => ({
                title: c.name ?? c.institutionName ?? c.institutionId.slice(0, 8),
                description: i === 0 ? t('referral.from') : i === chain.length - 1 ? t('referral.to') : t('referral.forwarded'),
                subTitle: mobile ? undefined : c.at ? dayjs(c.at).format('MM-DD HH:mm') : undefined,
              }))} />
          </Card>
          <Card size="small" title={t('referral.sharedExcerpts')} style={{ marginBottom: 12 }}>
            {excerpts.length ? excerpts.map((e) => (
              <div key={`${e.kind}:${e.id}`} style={{ padding: '4px 0', borderBottom: '1px dashed rgba(0,0,0,0.06)' }}>
                <Tag>{t(`record.kind.${e.kind}`, { defaultValue: e.kind })}</Tag>
                <b>{excerptTitle(e)}</b>
                {e.summary && <div className="yl-muted" style={{ fontSize: 12 }}>{String(e.summary)}</div>}
              </div>
            )) : <span className="yl-muted">{t('referral.noExcerpts')}</span>}
          </Card>
          <Card size="small" title={t('referral.attachments')} style={{ marginBottom: 12 }}>
            {r.attachments.length ? r.attachments.map((a, i) => (
              <div key={a.sha256 ?? a.id ?? i}><PaperClipOutlined /> <a href={a.url ?? `/api/v1/referrals/${r.id}/attachments/${a.sha256 ?? a.id}`} target="_blank" rel="noreferrer">{a.name}</a>
                {a.size ? <span className="yl-muted"> · {(a.size / 1024).toFixed(0)} KB</span> : null}</div>
            )) : <span className="yl-muted">{t('referral.noAttachments')}</span>}
          </Card>
          {(r.direction === 'down' || tasks.length > 0) && (
            <Card size="small" title={t('referral.taskProgress')} style={{ marginBottom: 12 }}
              extra={progress.total ? <Progress percent={Math.round((progress.done / progress.total) * 100)} size="small" style={{ width: 120, margin: 0 }} /> : null}>
              {tasks.length ? tasks.map((x) => (
                <div key={x.id} style={{ display: 'flex', gap: 8, padding: '4px 0' }}>
                  <Tag color={x.status === 'done' ? 'success' : dayjs(x.dueDate).isBefore(dayjs(), 'day') ? 'error' : 'processing'}>{t(`referral.taskStatus.${x.status}`)}</Tag>
                  <span style={{ flex: 1 }}>{x.title}{x.result && <div className="yl-muted" style={{ fontSize: 12 }}>{x.result}</div>}</span>
                  <span className="yl-mono yl-muted">{x.dueDate}</span>
                </div>
              )) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('referral.taskEmpty')} />}
            </Card>
          )}
          <InsuranceCard r={r} />
        </Col>
        <Col xs={24} lg={9}>
          <Card size="small" title={t('referral.history')} style={{ marginBottom: 12 }}>
            <Timeline items={events.map((e) => {
              const to = (e.to ?? e.toStatus) as keyof typeof REFERRAL_STATE_LABELS | undefined;
              const known = e.action in REFERRAL_TRANSITIONS;
              return {
                color: to && ['refused', 'cancelled', 'returned', 'no_show'].includes(to) ? 'red' : to === 'closed' ? 'green' : 'blue',
                content: (
                  <div>
                    <b>{known ? pick(REFERRAL_TRANSITIONS[e.action as ReferralAction].label) : t(`referral.event.${e.action}`, { defaultValue: e.action === 'create' ? t('referral.newReferral') : e.action })}</b>
                    {to && <span className="yl-muted"> → {label(REFERRAL_STATE_LABELS, to)}</span>}
                    <div className="yl-muted" style={{ fontSize: 12 }}>{fmt(e.at)} {e.userName ?? ''}</div>
                    {e.note && <div style={{ fontSize: 13 }}>{e.note}</div>}
                  </div>
                ),
              };
            })} />
          </Card>
          {staff && r.threadId && (
            // The server opens the referral's thread on submit and adds the people of each step; show that one.
            <Card size="small" title={<span><CommentOutlined /> {t('referral.chat')}</span>} extra={<Link to={`/messages/${r.threadId}`}>{t('chat.openInMessages')}</Link>}
              styles={{ body: { padding: 0, height: mobile ? 420 : 480 } }}>
              <div className="yl-chat-panel" style={{ height: '100%' }}><Conversation threadId={r.threadId} compact emptyTitle={r.code} /></div>
            </Card>
          )}
        </Col>
      </Row>
      <ActionDialog referral={r} action={action} onClose={() => setAction(null)} onDone={() => { setAction(null); reload(); }} />
    </div>
  );
}
