/**
 * 会诊待办 on the workbench: the role's figures from GET /consultations/counts (科主任 待同意, 医务科 待审批, the centre's
 * 待预审 / 待安排专家 / 待转发 / 超时, an expert's 会诊邀请 / 待写意见, the applicant's 待补充 / 待确认), live on the
 * `consultations:<institution>` topic; each opens the to-do list.
 */
import { Card, Col, Row, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useAuth, useMe } from '../../auth';
import { useApiData, useIsMobile } from '../../hooks';
import { useRealtimeEvent, useTopic } from '../../realtime/RealtimeProvider';
import { toCounts, type CountKey } from './model';

const COLORS: Partial<Record<CountKey, string>> = {
  approve: '#d4380d', office: '#d4380d', review: '#0f6fbf', arrange: '#0f6fbf', forward: '#389e0d', overdue: '#cf1322',
  invitations: '#722ed1', opinions: '#722ed1', supplements: '#d48806', confirm: '#389e0d', quick: '#13a8a8',
};

/** Which figures a role watches (the server counts them all; a zero elsewhere is noise). */
function keysFor(role: string, can: (a: 'consultation.centre' | 'consultation.create' | 'quick_consult.use') => boolean): CountKey[] {
  if (can('consultation.centre')) return ['review', 'arrange', 'forward', 'overdue'];
  if (role === 'institution_admin') return ['office', 'overdue'];
  const out: CountKey[] = [];
  if (role === 'dept_head') out.push('approve');
  if (['doctor', 'dept_head', 'reading_physician'].includes(role)) out.push('invitations', 'opinions');
  if (can('consultation.create')) out.push('supplements', 'confirm');
  if (can('quick_consult.use')) out.push('quick');
  return out.slice(0, 4);
}

export function ConsultationCountsCard() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const me = useMe();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const keys = me.role.role === 'patient' || !can('consultation.read') ? [] : keysFor(me.role.role, can);
  const { data, reload } = useApiData<unknown>(keys.length ? 'consultations/counts' : null);
  useTopic(keys.length && me.role.institutionId ? `consultations:${me.role.institutionId}` : null, () => reload());
  useRealtimeEvent('notification.created', () => { if (keys.length) reload(); });
  if (!keys.length) return null;
  const c = toCounts(data);
  const to = (k: CountKey) => (k === 'quick' ? '/quick-consults' : k === 'overdue' ? '/consultations/overdue' : '/consultations?box=todo');
  return (
    <Card title={t('consultation.workbench')} size="small" extra={<a onClick={() => navigate('/consultations')}>{t('consultation.title')}</a>}>
      <Row gutter={[8, 8]}>
        {keys.map((k) => (
          <Col key={k} span={24 / keys.length}>
            <Card size="small" hoverable onClick={() => navigate(to(k))} className="yl-home-stat" data-count={`consultation-${k}`}>
              <Statistic title={t(`consultation.counts.${k}`)} value={c[k] ?? '—'} styles={{ content: { fontSize: mobile ? 20 : 24, color: c[k] ? COLORS[k] : undefined } }} />
            </Card>
          </Col>
        ))}
      </Row>
    </Card>
  );
}
