/**
 * 会诊详情: the header (code, kind, state, the answer clock, the agreed time), the caller's buttons (the server's
 * allowedActions, each asking exactly its step's needs), the request material, the consent, the experts and their
 * replies, the signed opinions with their versions (and the invited expert's own opinion form), the history, the case
 * chat; 进入会诊室, 打印会诊报告 and 一键转诊 on an opinion that advises referral. Live on the `consultation:<id>` topic.
 */
import {
  CommentOutlined, EditOutlined, PaperClipOutlined, PrinterOutlined, SwapOutlined, VideoCameraOutlined,
} from '@ant-design/icons';
import {
  CONSENT_RELATION_LABELS, CONSULTATION_STATE_LABELS, CONSULTATION_TRANSITIONS, SPECIALTIES, TITLES, type ConsultationAction, type ConsultationState,
} from '@yilian/core';
import {
  Alert, App, Button, Card, Col, Collapse, Descriptions, Empty, Image, Rate, Result, Row, Space, Spin, Tabs, Tag, Timeline, Tooltip, Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { post } from '../../api';
import { useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { useApiData, useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import { Conversation } from '../../messaging/Conversation';
import { useTopic } from '../../realtime/RealtimeProvider';
import { ActionDialog, isDanger } from './ActionDialog';
import {
  applicantName, attachmentUrl, callerActions, camelize, expertName, fileUrl, isFinal, myInvitation, opinionsByExpert, shortHash, toConsultation,
  type Consultation, type Opinion,
} from './model';
import { OpinionForm } from './OpinionForm';
import { DueTag, fmt, KindTag, StateTag, useInstitutionNames } from './tags';

/** Excerpts come as record views of several kinds: the first name-like field. */
const excerptTitle = (e: object) => {
  const x = e as Record<string, unknown>;
  const at = x.startedAt ?? x.issuedAt ?? x.effectiveAt ?? x.authoredAt ?? x.recordedAt ?? x.at;
  const what = x.title ?? x.name ?? x.display ?? x.drug ?? x.substance ?? x.reason ?? '';
  return [what, at ? dayjs(String(at)).format('YYYY-MM-DD') : ''].filter(Boolean).join(' · ');
};
const EXPERT_COLORS = { invited: 'processing', accepted: 'success', declined: 'error', withdrawn: 'default' } as const;

function OpinionView({ o, onRefer }: { o: Opinion; onRefer?: () => void }) {
  const { t } = useTranslation();
  const inst = useInstitutionNames();
  return (
    <div>
      <Descriptions size="small" column={1} items={[
        { key: 'f', label: t('consultation.opinion.findings'), children: <span style={{ whiteSpace: 'pre-wrap' }}>{o.findings}</span> },
        { key: 'd', label: t('consultation.opinion.diagnoses'), children: o.diagnoses.length ? o.diagnoses.map((d) => <Tag key={d.code}>{d.code}{d.display && d.display !== d.code ? ` ${d.display}` : ''}</Tag>) : '—' },
        { key: 'r', label: t('consultation.opinion.recommendations'), children: <span style={{ whiteSpace: 'pre-wrap' }}>{o.recommendations}</span> },
        { key: 'ref', label: t('consultation.opinion.refer'), children: o.refer
          ? <span>{t('consultation.opinion.yes')} · {inst(o.referInstitutionId, o.referInstitutionName)} {o.referDepartmentName ?? ''}{o.referNote ? ` · ${o.referNote}` : ''} {onRefer && <Button size="small" type="primary" icon={<SwapOutlined />} onClick={onRefer} style={{ marginInlineStart: 8 }}>{t('consultation.referOneClick')}</Button>}</span>
          : t('consultation.opinion.no') },
        { key: 's', label: t('consultation.opinion.signedAt'), children: <span>{fmt(o.signedAt)} · {t('consultation.opinion.hash')} <Tooltip title={o.signatureHash}><span className="yl-mono">{shortHash(o.signatureHash)}</span></Tooltip></span> },
      ]} />
    </div>
  );
}

export default function ConsultationDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { label, pick } = useLabels();
  const { message } = App.useApp();
  const me = useMe();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const report = useErrorReporter();
  const { data, error, loading, reload } = useApiData<unknown>(`consultations/${id}`);
  const [action, setAction] = useState<ConsultationAction | null>(null);
  const [referring, setReferring] = useState(false);
  // Until the reader picks a tab, the page shows the one that matters now (the opinions once there are some to read or write).
  const [tab, setTab] = useState<string>();
  useTopic(id ? `consultation:${id}` : null, () => reload());

  if (error && !data) return <Result status={error.status === 403 ? '403' : error.status === 404 ? '404' : 'error'} title={error.text(i18n.language)} />;
  if (!data) return <div className="yl-center"><Spin spinning={loading} /></div>;
  const c = toConsultation(data);
  const actions = callerActions(me, c);
  const applicant = c.createdBy === me.userId;
  const editable = applicant && ['draft', 'returned', 'supplementing'].includes(c.status);
  const staff = me.role.role !== 'patient';
  const invitation = myInvitation(me, c);
  const groups = opinionsByExpert(c.opinions);
  const mine = c.myOpinion ?? null;
  const myLatest = groups.find((g) => g.latest.practitionerId === (invitation?.practitionerId ?? me.practitionerId))?.latest ?? null;
  const writesOpinion = invitation?.status === 'accepted' && (['scheduled', 'answered'] as ConsultationState[]).includes(c.status);
  const excerpts = (c.sharedExcerpts ?? c.sharedEntries).map((e) => ({ ...e, kind: (e as { entryKind?: string }).entryKind ?? e.kind }));
  const room = c.room;

  const refer = async (o: Opinion) => {
    setReferring(true);
    try {
      const r = camelize<{ referralId?: string; id?: string }>(await post(`consultations/${c.id}/referral`, { opinionId: o.id }));
      void message.success(t('consultation.referDone'));
      navigate(`/referrals/${r.referralId ?? r.id}/edit`);
    } catch (e) { report(e); } finally { setReferring(false); }
  };

  const buttons = (
    <Space wrap>
      {actions.map((a) => (
        <Button key={a} type={isDanger(a) ? 'default' : 'primary'} danger={isDanger(a) || a === 'submit_urgent'} onClick={() => setAction(a)}>{pick(CONSULTATION_TRANSITIONS[a].label)}</Button>
      ))}
      {editable && <Link to={`/consultations/${c.id}/edit`}><Button icon={<EditOutlined />}>{t('consultation.edit')}</Button></Link>}
      {c.scheduledAt && !isFinal(c.status) && (
        <Tooltip title={room && !room.open ? (room.opensAt && dayjs(room.opensAt).isAfter(dayjs()) ? t('consultation.roomOpensAt', { time: fmt(room.opensAt) }) : t('consultation.roomClosed')) : undefined}>
          <Button icon={<VideoCameraOutlined />} disabled={!room?.open} onClick={() => navigate(`/consultations/${c.id}/room`)}>{t('consultation.enterRoom')}</Button>
        </Tooltip>
      )}
      {staff && c.status !== 'draft' && <Link to={`/consultations/${c.id}/print`}><Button icon={<PrinterOutlined />}>{t('consultation.print')}</Button></Link>}
    </Space>
  );

  const patientName = c.patient?.name ?? c.patientName ?? '';
  const facts = (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Descriptions size="small" column={mobile ? 1 : 2} items={[
        { key: 'p', label: t('consultation.patient'), children: staff && c.patientId ? <Link to={`/patients/${c.patientId}`}>{patientName || c.patientId.slice(0, 8)}</Link> : patientName },
        { key: 's', label: t('consultation.status'), children: <span>{label(CONSULTATION_STATE_LABELS, c.status)} <span className="yl-muted">{t('consultation.since')} {fmt(c.statusSince)}</span></span> },
        { key: 'a', label: t('consultation.applicant'), children: [c.fromInstitutionName, c.fromDepartmentName, applicantName(c)].filter(Boolean).join(' · ') },
        { key: 'cen', label: t('consultation.centre'), children: c.centreInstitutionName ?? '' },
        { key: 'c', label: t('consultation.createdAt'), children: fmt(c.createdAt) },
        { key: 'r', label: t('consultation.receivedAt'), children: fmt(c.receivedAt) },
        { key: 'due', label: t('consultation.dueAt'), children: <span>{fmt(c.dueAt)} <DueTag c={c} /></span> },
        { key: 'sch', label: t('consultation.scheduledAt'), children: c.scheduledAt ? `${fmt(c.scheduledAt)}${c.durationMinutes ? ` · ${t('consultation.minutes', { n: c.durationMinutes })}` : ''}` : '—' },
        ...(c.answeredAt ? [{ key: 'ans', label: t('consultation.answeredAt'), children: fmt(c.answeredAt) }] : []),
        ...(c.rating ? [{ key: 'rt', label: t('consultation.rating'), children: <span><Rate disabled value={c.rating} style={{ fontSize: 14 }} /> {c.ratingComment ?? ''}</span> }] : []),
        ...(c.urgentReason ? [{ key: 'ur', label: t('consultation.urgentReason'), span: 'filled' as const, children: c.urgentReason }] : []),
      ]} />
    </Card>
  );

  const material = (
    <div>
      <Descriptions size="small" column={1} bordered style={{ marginBottom: 12 }} items={[
        ...(c.requestedSpecialty ? [{ key: 'sp', label: t('consultation.requestedSpecialty'), children: label(SPECIALTIES, c.requestedSpecialty) }] : []),
        { key: 'pu', label: t('consultation.purpose'), children: <Typography.Paragraph style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{c.purpose}</Typography.Paragraph> },
        { key: 'su', label: t('consultation.summary'), children: <Typography.Paragraph style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{c.summary}</Typography.Paragraph> },
        { key: 'dx', label: t('consultation.diagnoses'), children: c.diagnoses.length ? c.diagnoses.map((d) => <Tag key={d.code}>{d.code}{d.display && d.display !== d.code ? ` ${d.display}` : ''}</Tag>) : '—' },
      ]} />
      {c.supplementsRequested.length > 0 && (
        <Alert type={c.status === 'supplementing' ? 'warning' : 'info'} showIcon style={{ marginBottom: 12 }} title={t('consultation.supplementsRequested')}
          description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{c.supplementsRequested.map((s) => <li key={s}>{s}</li>)}</ul>} />
      )}
      <Typography.Title level={5}>{t('consultation.excerpts')}</Typography.Title>
      {excerpts.length ? excerpts.map((e) => (
        <div key={`${e.kind}:${e.id}`} style={{ padding: '4px 0', borderBottom: '1px dashed rgba(0,0,0,0.06)' }}>
          <Tag>{t(`record.kind.${e.kind}`, { defaultValue: e.kind })}</Tag><b>{excerptTitle(e)}</b>
          {e.summary && <div className="yl-muted" style={{ fontSize: 12 }}>{String(e.summary)}</div>}
        </div>
      )) : <span className="yl-muted">{t('consultation.noExcerpts')}</span>}
      <Typography.Title level={5} style={{ marginTop: 12 }}>{t('consultation.attachments')}</Typography.Title>
      {c.attachments.length ? c.attachments.map((a, i) => (
        <div key={a.sha256 ?? a.id ?? i}><PaperClipOutlined /> <a href={attachmentUrl(c.id, a)} target="_blank" rel="noreferrer">{a.name}</a>
          {a.size ? <span className="yl-muted"> · {(a.size / 1024).toFixed(0)} KB</span> : null}</div>
      )) : <span className="yl-muted">{t('consultation.noAttachments')}</span>}
    </div>
  );

  const consent = c.consent ? (
    <Descriptions size="small" column={1} items={[
      { key: 'n', label: t('consultation.signerName'), children: c.consent.signerName },
      { key: 'r', label: t('consultation.relation'), children: label(CONSENT_RELATION_LABELS, c.consent.relation) },
      { key: 't', label: t('consultation.signedAt'), children: fmt(c.consent.signedAt) },
      { key: 'm', label: t('consultation.method'), children: t(`consultation.methods.${c.consent.method}`, { defaultValue: c.consent.method }) },
      { key: 'i', label: t('consultation.consent'), children: <Image width={mobile ? 220 : 320} src={c.consent.url ?? fileUrl(c.id, c.consent.fileId)} alt={t('consultation.consent')} style={{ border: '1px solid #eee', background: '#fff' }} /> },
    ]} />
  ) : <Alert type="warning" showIcon title={t('consultation.consentMissing')} action={editable && <Link to={`/consultations/${c.id}/edit`}><Button size="small">{t('consultation.consentGoEdit')}</Button></Link>} />;

  const experts = c.experts.length ? c.experts.map((e) => (
    <div key={e.practitionerId} style={{ display: 'flex', gap: 8, padding: '6px 0', borderBottom: '1px dashed rgba(0,0,0,0.06)', flexWrap: 'wrap' }}>
      <Tag color={EXPERT_COLORS[e.status]}>{t(`consultation.expertStatus.${e.status}`)}</Tag>
      <span style={{ flex: 1, minWidth: 160 }}>
        <b>{expertName(e)}</b> <span className="yl-muted">{[label(TITLES, e.title), label(SPECIALTIES, e.specialty), e.institutionName, e.departmentName].filter(Boolean).join(' · ')}</span>
        {e.replyNote && <div style={{ fontSize: 13 }}>{e.replyNote}</div>}
      </span>
      <span className="yl-muted" style={{ fontSize: 12 }}>{fmt(e.repliedAt ?? e.invitedAt)}</span>
    </div>
  )) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('consultation.noExperts')} />;

  const opinions = (
    <div>
      {writesOpinion && <OpinionForm key={mine?.id ?? myLatest?.id ?? 'new'} c={c} base={mine ?? myLatest} onDone={reload} />}
      {groups.length ? groups.map(({ latest, history }) => (
        <Card key={latest.practitionerId} size="small" style={{ marginBottom: 12 }}
          title={<span>{expertName(latest)} <span className="yl-muted" style={{ fontWeight: 400 }}>{[label(TITLES, latest.title), latest.institutionName].filter(Boolean).join(' · ')}</span></span>}
          extra={<Tag color={latest.status === 'signed' ? 'success' : 'default'}>{t('consultation.opinion.version', { n: latest.version })}</Tag>}>
          <OpinionView o={latest} onRefer={latest.refer && applicant && latest.status === 'signed' && !referring ? () => void refer(latest) : undefined} />
          {history.length > 0 && (
            <Collapse size="small" ghost items={[{ key: 'h', label: `${t('consultation.opinion.versions')}（${history.length}）`, children: history.map((o) => (
              <div key={o.id} style={{ borderTop: '1px dashed #eee', paddingTop: 6 }}>
                <Tag>{t('consultation.opinion.version', { n: o.version })}</Tag>{o.status === 'superseded' && <Tag>{t('consultation.opinion.superseded')}</Tag>}
                <OpinionView o={o} />
              </div>
            )) }]} />
          )}
        </Card>
      )) : !writesOpinion && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('consultation.noOpinions')} />}
    </div>
  );

  const history = (
    <Timeline items={c.events.map((e) => {
      const to = e.toStatus as ConsultationState | undefined;
      const known = e.action in CONSULTATION_TRANSITIONS;
      return {
        color: to && ['cancelled', 'returned', 'expired'].includes(to) ? 'red' : to === 'closed' ? 'green' : 'blue',
        content: (
          <div>
            <b>{known ? pick(CONSULTATION_TRANSITIONS[e.action as ConsultationAction].label) : t(`consultation.event.${e.action}`, { defaultValue: e.action })}</b>
            {to && e.fromStatus !== to && <span className="yl-muted"> → {label(CONSULTATION_STATE_LABELS, to)}</span>}
            <div className="yl-muted" style={{ fontSize: 12 }}>{fmt(e.at)} {e.userName ?? ''}{e.institutionName ? ` · ${e.institutionName}` : ''}</div>
            {e.note && <div style={{ fontSize: 13, whiteSpace: 'pre-wrap' }}>{e.note}</div>}
          </div>
        ),
      };
    })} />
  );

  const defaultTab = writesOpinion || groups.length ? 'opinions' : 'material';
  return (
    <div>
      <PageHeader title={<span><KindTag c={c} /><span className="yl-mono">{c.code}</span> <StateTag c={c} /><DueTag c={c} /></span>}
        subtitle={`${c.fromInstitutionName ?? ''} → ${c.centreInstitutionName ?? ''}${c.scheduledAt ? ` · ${t('consultation.scheduledAt')} ${fmt(c.scheduledAt)}` : ''}`}
        extra={!mobile && buttons} />
      {mobile && <div style={{ marginBottom: 12 }}>{buttons}</div>}
      {c.status === 'cancelled' && c.cancelReason && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={`${label(CONSULTATION_STATE_LABELS, 'cancelled')}：${c.cancelReason}`} />}
      {c.status === 'supplementing' && applicant && c.supplementsRequested.length > 0 && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={`${t('consultation.supplementsRequested')}：${c.supplementsRequested.join('；')}`} />
      )}
      {!actions.length && staff && !isFinal(c.status) && !writesOpinion && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('consultation.noActions')} />}
      <Row gutter={12}>
        <Col xs={24} lg={15}>
          {facts}
          <Card size="small" style={{ marginBottom: 12 }}>
            <Tabs size={mobile ? 'small' : 'middle'} activeKey={tab ?? defaultTab} onChange={setTab} items={[
              { key: 'material', label: t('consultation.material'), children: material },
              { key: 'consent', label: <span>{t('consultation.consent')}{!c.consent && <Tag color="warning" style={{ marginInlineStart: 4 }}>!</Tag>}</span>, children: consent },
              { key: 'experts', label: `${t('consultation.experts')}${c.experts.length ? `（${c.experts.length}）` : ''}`, children: experts },
              { key: 'opinions', label: `${t('consultation.opinions')}${groups.length ? `（${groups.length}）` : ''}`, children: opinions },
              ...(mobile ? [{ key: 'history', label: t('consultation.history'), children: history }] : []),
            ]} />
          </Card>
        </Col>
        <Col xs={24} lg={9}>
          {!mobile && <Card size="small" title={t('consultation.history')} style={{ marginBottom: 12 }}>{history}</Card>}
          {staff && c.threadId && (
            // The server opens the consultation's case thread and adds the people of each step; show that one.
            <Card size="small" title={<span><CommentOutlined /> {t('consultation.chat')}</span>} extra={<Link to={`/messages/${c.threadId}`}>{t('chat.openInMessages')}</Link>}
              styles={{ body: { padding: 0, height: mobile ? 420 : 480 } }}>
              <div className="yl-chat-panel" style={{ height: '100%' }}><Conversation threadId={c.threadId} compact emptyTitle={c.code} /></div>
            </Card>
          )}
        </Col>
      </Row>
      <ActionDialog consultation={c} action={action} onClose={() => setAction(null)} onDone={() => { setAction(null); reload(); }} />
    </div>
  );
}
