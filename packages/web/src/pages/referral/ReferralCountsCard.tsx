/** 转诊待办 on the workbench: 待审核 / 待接收 / 待到诊 / 随访任务, live (the `referrals:<institution>` topic), each opening its list. */
import { Card, Col, Row, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useAuth, useMe } from '../../auth';
import { useApiData, useIsMobile } from '../../hooks';
import { useRealtimeEvent, useTopic } from '../../realtime/RealtimeProvider';
import { toCounts } from './model';

export function ReferralCountsCard() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const me = useMe();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const staff = me.role.role !== 'patient' && can('referral.read');
  const { data, reload } = useApiData<unknown>(staff ? 'referrals/counts' : null);
  useTopic(staff && me.role.institutionId ? `referrals:${me.role.institutionId}` : null, () => reload());
  useRealtimeEvent('notification.created', () => { if (staff) reload(); });
  if (!staff) return null;
  const c = toCounts(data);
  const office = can('referral.office');
  const items = [
    ...(office ? [{ key: 'review', value: c.review, to: '/referrals?box=todo', color: '#d4380d' }] : []),
    ...(!office ? [{ key: 'accept', value: c.accept, to: '/referrals?box=todo', color: '#0f6fbf' }] : []),
    { key: 'arrival', value: c.arrival, to: '/referrals?box=todo', color: '#389e0d' },
    ...(can('referral.create') || office ? [{ key: 'tasks', value: c.tasks, to: '/referrals/tasks', color: '#722ed1' }] : []),
  ];
  return (
    <Card title={t('referral.workbench')} size="small" extra={<a onClick={() => navigate('/referrals')}>{t('referral.title')}</a>}>
      <Row gutter={[8, 8]}>
        {items.map((i) => (
          <Col key={i.key} span={24 / items.length}>
            <Card size="small" hoverable onClick={() => navigate(i.to)} className="yl-home-stat" data-count={i.key}>
              <Statistic title={t(`referral.counts.${i.key}`)} value={i.value ?? '—'} styles={{ content: { fontSize: mobile ? 20 : 24, color: i.value ? i.color : undefined } }} />
            </Card>
          </Col>
        ))}
      </Row>
    </Card>
  );
}
