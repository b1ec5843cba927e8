/** /r/:token — the referral slip's QR code: code, state, dates and institutions, no sign-in and no patient data. */
import { REFERRAL_STATE_LABELS, type ReferralState } from '@yilian/core';
import { Card, Descriptions, Result, Spin, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { get } from '../../api';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { useLabels } from '../../labels';
import { camelize, STATE_COLORS } from './model';

interface PublicStatus {
  code: string; status: ReferralState; direction: 'up' | 'down'; urgency?: string; createdAt: string; statusSince: string;
  fromInstitution: string; toInstitution: string; appointmentAt?: string | null;
}

export default function PublicStatusPage() {
  const { token = '' } = useParams();
  const { t } = useTranslation();
  const { label } = useLabels();
  const [data, setData] = useState<PublicStatus | null | undefined>(undefined);
  useEffect(() => {
    get<unknown>(`referrals/public/${encodeURIComponent(token)}`).then((d) => setData(camelize<PublicStatus>(d))).catch(() => setData(null));
  }, [token]);
  const fmt = (v?: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');
  return (
    <div style={{ minHeight: '100vh', background: '#f5f7fa', padding: 16, boxSizing: 'border-box' }}>
      <div style={{ maxWidth: 520, margin: '0 auto' }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 12 }}>
          <Typography.Title level={4} style={{ margin: 0 }}>{t('app.shortName')} · {t('referral.publicTitle')}</Typography.Title>
          <LanguageSwitch />
        </div>
        {data === undefined ? <div className="yl-center"><Spin /></div>
          : data === null ? <Result status="404" title={t('referral.publicNotFound')} />
            : (
              <Card>
                <div style={{ textAlign: 'center', marginBottom: 16 }}>
                  <div className="yl-mono" style={{ fontSize: 18 }}>{data.code}</div>
                  <Tag color={STATE_COLORS[data.status]} style={{ fontSize: 16, padding: '4px 12px', marginTop: 8 }}>{label(REFERRAL_STATE_LABELS, data.status)}</Tag>
                </div>
                <Descriptions column={1} size="small" items={[
                  { key: 'd', label: t('referral.direction'), children: t(`referral.dir.${data.direction}`) },
                  { key: 'f', label: t('referral.from'), children: data.fromInstitution },
                  { key: 't', label: t('referral.to'), children: data.toInstitution },
                  { key: 'c', label: t('referral.createdAt'), children: fmt(data.createdAt) },
                  { key: 's', label: t('referral.since'), children: fmt(data.statusSince) },
                  ...(data.appointmentAt ? [{ key: 'a', label: t('referral.appointment'), children: fmt(data.appointmentAt) }] : []),
                ]} />
                <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 12, marginBottom: 0 }}>{t('referral.publicHint')}</Typography.Paragraph>
              </Card>
            )}
      </div>
    </div>
  );
}
