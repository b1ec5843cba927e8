/** 转诊单: an A4 page to print (CSS @media print hides the buttons) with the referral's facts and a QR code of `/r/<token>`. */
import { PrinterOutlined } from '@ant-design/icons';
import { REFERRAL_STATE_LABELS } from '@yilian/core';
import { Button, Result, Space, Spin } from 'antd';
import dayjs from 'dayjs';
import QRCode from 'qrcode';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { get } from '../../api';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import { camelize, publicUrl, toReferral } from './model';

export default function SlipPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { label } = useLabels();
  const { data, error } = useApiData<unknown>(`referrals/${id}`);
  const [qr, setQr] = useState<string>();
  const [token, setToken] = useState<string | null>(null);
  const r = data ? toReferral(data) : null;
  useEffect(() => {
    if (!r) return;
    if (r.publicToken) { setToken(r.publicToken); return; }
    get<unknown>(`referrals/${r.id}/slip`).then((s) => setToken(camelize<{ publicToken?: string }>(s).publicToken ?? null)).catch(() => setToken(null));
  }, [r?.id, r?.publicToken]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (token) void QRCode.toDataURL(publicUrl(token), { margin: 1, width: 240 }).then(setQr);
  }, [token]);

  if (error) return <Result status="error" title={error.text(i18n.language)} />;
  if (!r) return <div className="yl-center"><Spin /></div>;
  const fmt = (v?: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '');
  const row = (k: string, v: ReactNode) => <tr><th>{k}</th><td>{v}</td></tr>;
  const patient = r.patient;
  return (
    <div className="yl-slip-wrap">
      <Space className="yl-no-print" style={{ margin: 12 }}>
        <Link to={`/referrals/${r.id}`}><Button>{t('common.back')}</Button></Link>
        <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()}>{t('referral.print')}</Button>
      </Space>
      <div className="yl-slip">
        <div className="yl-slip-head">
          <div>
            <h1>{t('referral.slipTitle')}（{t(`referral.dir.${r.direction}`)}）</h1>
            <div>{t('referral.code')}：<span className="yl-mono">{r.code}</span></div>
            <div>{t('referral.status')}：{label(REFERRAL_STATE_LABELS, r.status)}</div>
          </div>
          <div style={{ textAlign: 'center' }}>
            {qr && <img src={qr} alt={t('referral.scanToTrack')} width={120} height={120} />}
            <div style={{ fontSize: 11 }}>{t('referral.scanToTrack')}</div>
          </div>
        </div>
        <table>
          <tbody>
            {row(t('referral.patient'), patient ? [patient.name, patient.sex ? t(`common.${patient.sex}`) : '', patient.birthDate ?? ''].filter(Boolean).join(' · ') : r.patientName ?? '')}
            {row(t('referral.from'), r.fromInstitutionName ?? '')}
            {row(t('referral.to'), `${r.toInstitutionName ?? ''} ${r.toDepartmentName ?? ''}`)}
            {row(t('referral.setting'), `${t(`referral.settings.${r.setting}`, { defaultValue: r.setting })} · ${t(`referral.urgencies.${r.urgency}`, { defaultValue: r.urgency })}`)}
            {row(t('referral.diagnoses'), r.diagnoses.map((d) => (d.display && d.display !== d.code ? `${d.code} ${d.display}` : d.code)).join('；'))}
            {row(t('referral.reason'), <span style={{ whiteSpace: 'pre-wrap' }}>{r.reason}</span>)}
            {r.plan && row(t('referral.plan'), <span style={{ whiteSpace: 'pre-wrap' }}>{r.plan}</span>)}
            {(r.tasks ?? []).length > 0 && row(t('referral.tasks'), (r.tasks ?? []).map((x) => `${x.dueDate} ${x.title}`).join('；'))}
            {r.appointment && row(t('referral.appointment'), fmt(r.appointment.startsAt))}
            {row(t('referral.createdAt'), fmt(r.createdAt))}
            {r.summary && row(t('referral.summary'), <span style={{ whiteSpace: 'pre-wrap' }}>{r.summary}</span>)}
          </tbody>
        </table>
        <div className="yl-slip-sign">
          <span>{t('referral.from')}（盖章）：</span><span>{t('referral.assigned')}：</span><span>{dayjs().format('YYYY-MM-DD')}</span>
        </div>
      </div>
    </div>
  );
}
