/**
 * 远程会诊报告单: an A4 page to print (outside the app layout; @media print hides the buttons) from
 * GET /consultations/:id/report — consortium and centre, patient (ID masked), applicant, the times, purpose and
 * summary, each expert's signed opinion with its signature hash, and the applicant's rating.
 */
import { PrinterOutlined } from '@ant-design/icons';
import { CONSULTATION_KIND_LABELS, CONSULTATION_MATERIAL_LABELS, CONSULTATION_STATE_LABELS, TITLES } from '@yilian/core';
import { Button, Result, Space, Spin } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useApiData } from '../../hooks';
import { useLabels } from '../../labels';
import { applicantName, camelize, expertName, opinionsByExpert, shortHash, toConsultation, type Opinion } from './model';
import './print.css';
import { useInstitutionNames } from './tags';

interface ReportExtras {
  consortiumName?: string | null; centreName?: string | null;
  patient?: { name?: string; sex?: string | null; age?: number | null; birthDate?: string | null; residentIdMasked?: string | null; residentId?: string | null } | null;
  applicant?: { institutionName?: string | null; departmentName?: string | null; doctorName?: string | null; name?: string | null } | null;
}

/** 110101********1234: never the whole resident ID on paper. */
const maskId = (id?: string | null) => (!id ? '' : id.includes('*') ? id : id.length > 10 ? `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}` : id);
const ageOf = (p: ReportExtras['patient']) => p?.age ?? (p?.birthDate ? dayjs().diff(dayjs(p.birthDate), 'year') : null);

export default function ConsultationPrintPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { label } = useLabels();
  const report = useApiData<unknown>(`consultations/${id}/report`);
  const inst = useInstitutionNames();
  const data = report.data;
  if (report.error) return <Result status={report.error.status === 403 ? '403' : report.error.status === 404 ? '404' : 'error'} title={report.error.text(i18n.language)} />;
  if (!data) return <div className="yl-center"><Spin /></div>;
  const c = toConsultation(data);
  const x = camelize<ReportExtras>(data);
  const p = x.patient ?? c.patient ?? null;
  const fmt = (v?: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');
  const row = (k: string, v: ReactNode, k2?: string, v2?: ReactNode) => (
    <tr><th>{k}</th><td colSpan={k2 ? 1 : 3}>{v}</td>{k2 && <><th>{k2}</th><td>{v2}</td></>}</tr>
  );
  const signed = opinionsByExpert(c.opinions).map((g) => g.latest).filter((o) => o.status === 'signed');
  const age = ageOf(p);
  const dx = (o: Pick<Opinion, 'diagnoses'>) => o.diagnoses.map((d) => (d.display && d.display !== d.code ? `${d.display}（${d.code}）` : d.code)).join('；') || '—';
  const consortium = x.consortiumName ?? '';
  const centre = x.centreName ?? '';

  return (
    <div className="yl-slip-wrap yl-report-wrap">
      <Space className="yl-no-print" style={{ margin: 12 }}>
        <Link to={`/consultations/${c.id}`}><Button>{t('common.back')}</Button></Link>
        <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()}>{t('consultation.print')}</Button>
      </Space>
      <div className="yl-slip yl-report">
        <div className="yl-report-head">
          <div className="yl-report-org">{[consortium, centre].filter(Boolean).join(' · ')}</div>
          <h1>{t('consultation.report.title')}</h1>
          <div className="yl-report-meta">
            <span>{t('consultation.code')}：<span className="yl-mono">{c.code}</span></span>
            <span>{t('consultation.kind')}：{label(CONSULTATION_KIND_LABELS, c.kind)}{c.materialType ? `（${label(CONSULTATION_MATERIAL_LABELS, c.materialType)}）` : ''}</span>
            <span>{t('consultation.status')}：{label(CONSULTATION_STATE_LABELS, c.status)}</span>
          </div>
        </div>
        <table>
          <colgroup><col style={{ width: '16%' }} /><col style={{ width: '34%' }} /><col style={{ width: '16%' }} /><col style={{ width: '34%' }} /></colgroup>
          <tbody>
            {row(t('consultation.report.patient'), p?.name ?? c.patientName ?? '', t('consultation.report.sex'), p?.sex ? t(`common.${p.sex}`, { defaultValue: p.sex }) : '—')}
            {row(t('consultation.report.age'), age != null ? t('consultation.report.ageYears', { n: age }) : '—', t('consultation.report.idNo'), <span className="yl-mono">{maskId(p?.residentIdMasked ?? p?.residentId) || '—'}</span>)}
            {row(t('consultation.report.applicantInst'), x.applicant?.institutionName ?? c.fromInstitutionName ?? '', t('consultation.report.applicantDept'), x.applicant?.departmentName ?? c.fromDepartmentName ?? '—')}
            {row(t('consultation.report.applicantDoctor'), x.applicant?.doctorName ?? x.applicant?.name ?? applicantName(c) ?? '', t('consultation.report.centre'), centre)}
            {row(t('consultation.report.applied'), fmt(c.createdAt), t('consultation.report.received'), fmt(c.receivedAt))}
            {row(t('consultation.report.scheduled'), fmt(c.scheduledAt), t('consultation.report.answered'), fmt(c.answeredAt))}
            {row(t('consultation.diagnoses'), c.diagnoses.map((d) => (d.display && d.display !== d.code ? `${d.display}（${d.code}）` : d.code)).join('；') || '—')}
            {row(t('consultation.purpose'), <span style={{ whiteSpace: 'pre-wrap' }}>{c.purpose}</span>)}
            {row(t('consultation.summary'), <span style={{ whiteSpace: 'pre-wrap' }}>{c.summary}</span>)}
          </tbody>
        </table>
        {signed.map((o, i) => (
          <div key={o.id} className="yl-report-opinion">
            <h2>{t('consultation.opinions')}{signed.length > 1 ? ` ${i + 1}` : ''}：{expertName(o)} {[label(TITLES, o.title), o.institutionName, o.departmentName].filter(Boolean).join(' · ')}</h2>
            <table>
              <colgroup><col style={{ width: '16%' }} /><col /></colgroup>
              <tbody>
                <tr><th>{t('consultation.opinion.findings')}</th><td style={{ whiteSpace: 'pre-wrap' }}>{o.findings}</td></tr>
                <tr><th>{t('consultation.opinion.diagnoses')}</th><td>{dx(o)}</td></tr>
                <tr><th>{t('consultation.opinion.recommendations')}</th><td style={{ whiteSpace: 'pre-wrap' }}>{o.recommendations}</td></tr>
                <tr><th>{t('consultation.report.referAdvice')}</th><td>{o.refer ? [inst(o.referInstitutionId, o.referInstitutionName), o.referDepartmentName, o.referNote].filter(Boolean).join(' · ') || t('consultation.opinion.yes') : t('consultation.report.noRefer')}</td></tr>
              </tbody>
            </table>
            <div className="yl-report-sign">
              <span>{t('consultation.report.expert')}：{expertName(o)}{o.title ? `（${label(TITLES, o.title)}）` : ''}</span>
              <span>{t('consultation.opinion.signedAt')}：{fmt(o.signedAt)}</span>
              <span>{t('consultation.report.signature')}：<span className="yl-mono">{shortHash(o.signatureHash)}</span>{o.version > 1 ? ` · ${t('consultation.opinion.version', { n: o.version })}` : ''}</span>
            </div>
          </div>
        ))}
        {!signed.length && <p className="yl-muted" style={{ marginTop: 16 }}>{t('consultation.noOpinions')}</p>}
        {c.rating ? (
          <p style={{ marginTop: 16 }}>{t('consultation.report.rating')}：{'★'.repeat(c.rating)}{'☆'.repeat(5 - c.rating)} {c.ratingComment ?? ''}</p>
        ) : null}
        <div className="yl-report-foot">{t('consultation.report.printedAt')}：{dayjs().format('YYYY-MM-DD HH:mm')}</div>
      </div>
    </div>
  );
}
