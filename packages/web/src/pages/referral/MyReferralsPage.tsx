/** 我的转诊 (patient): my referrals as cards with the steps so far — made for a phone. */
import { REFERRAL_STATE_LABELS, REFERRAL_FINAL, type ReferralState } from '@yilian/core';
import { Card, Empty, Spin, Steps } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { asPage, type Page } from '../../api';
import { PageHeader } from '../../components/PageHeader';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import { useRealtimeEvent } from '../../realtime/RealtimeProvider';
import { StateTag } from './ReferralDetailPage';
import { toReferral, type Referral } from './model';

/** The usual path of a referral, to show where this one stands. */
const PATH: ReferralState[] = ['submitted', 'sender_approved', 'receiver_approved', 'accepted', 'arrived', 'closed'];

function Progress({ r }: { r: Referral }) {
  const { label } = useLabels();
  const at = PATH.indexOf(r.status);
  const failed = REFERRAL_FINAL.includes(r.status) && r.status !== 'closed';
  return (
    <Steps size="small" direction="vertical" current={at < 0 ? 0 : at} status={failed ? 'error' : r.status === 'closed' ? 'finish' : 'process'}
      items={(failed ? [...PATH.slice(0, 1), r.status] : PATH).map((s) => ({ title: label(REFERRAL_STATE_LABELS, s) }))} />
  );
}

export default function MyReferralsPage() {
  const { t } = useTranslation();
  const { data, loading, reload } = useApiData<Page<unknown>>('referrals', { box: 'all', limit: 50 });
  useRealtimeEvent('notification.created', () => reload());
  const items = asPage(data).items.map(toReferral);
  return (
    <div style={{ maxWidth: 640 }}>
      <PageHeader title={t('referral.mine')} />
      <Spin spinning={loading}>
        <div className="yl-card-list">
          {items.map((r) => (
            <Card key={r.id} size="small" title={<span>{t(`referral.dir.${r.direction}`)} · <span className="yl-mono" style={{ fontSize: 12 }}>{r.code}</span></span>}
              extra={<StateTag r={r} />}>
              <div style={{ marginBottom: 8 }}>
                <Link to={`/referrals/${r.id}`}><b>{r.toInstitutionName ?? t('referral.detail')}</b></Link>
                <div className="yl-muted" style={{ fontSize: 12 }}>{t('referral.createdAt')} {dayjs(r.createdAt).format('YYYY-MM-DD')}</div>
              </div>
              <Progress r={r} />
            </Card>
          ))}
          {!loading && !items.length && <Empty description={t('referral.mineEmpty')} />}
        </div>
      </Spin>
    </div>
  );
}
