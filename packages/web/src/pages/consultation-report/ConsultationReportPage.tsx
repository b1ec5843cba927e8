/**
 * 会诊统计: per kind, applicant institution or department, expert or month — volume, outcomes, answers within the
 * time limit, overdue requests, response minutes (mean, p90) against the limit, ratings; three charts, a table and
 * the server's Excel file (`?format=xlsx`).
 */
import { DownloadOutlined } from '@ant-design/icons';
import { CONSULTATION_KIND_LABELS, type ConsultationKind } from '@yilian/core';
import { Alert, Button, Card, Col, DatePicker, Row, Segmented, Statistic } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../../api';
import { useMe } from '../../auth';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useApiData, useIsMobile } from '../../hooks';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Row {
  key: string | null; label: string; count: number; closed: number; cancelled: number; expired: number;
  answered: number; answeredInLimit: number; overdue: number;
  responseMinutes: { mean: number | null; p90: number | null }; limitMinutes: number | null;
  signedOpinions: number; rating: { mean: number | null; count: number };
}
interface Report { groups: Row[]; total: Row }
const GROUPS = ['kind', 'institution', 'department', 'expert', 'month'] as const;
type GroupBy = (typeof GROUPS)[number];

const num = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '—' : v.toFixed(digits));
const share = (part: number, whole: number) => (whole ? `${((part / whole) * 100).toFixed(1)}%` : '—');

/** One ECharts chart; `option` is rebuilt by the caller when rows or language change. */
function EChart({ option, label, height }: { option: echarts.EChartsCoreOption; label: string; height: number }) {
  const el = useRef<HTMLDivElement>(null);
  // Re-drawn only when the option's content changes, not on every render of the page.
  const json = JSON.stringify(option);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current);
    chart.setOption(JSON.parse(json) as echarts.EChartsCoreOption);
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => { window.removeEventListener('resize', onResize); chart.dispose(); };
  }, [json]);
  return <div ref={el} style={{ width: '100%', height }} role="img" aria-label={label} />;
}

function Charts({ rows }: { rows: Row[] }) {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const names = rows.map((r) => (mobile && r.label.length > 6 ? `${r.label.slice(0, 6)}…` : r.label));
  // Long labels (资料会诊（影像/病理/心电）, institution names) are cut to the width a bar group has.
  const xAxis = { type: 'category', data: names, axisLabel: { interval: 0, rotate: rows.length > 4 ? 30 : 0, width: mobile ? 60 : 96, overflow: 'truncate' } };
  const grid = { left: 8, right: 8, top: 40, bottom: 8, containLabel: true };
  const counts = {
    tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' }, grid, xAxis, yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('cx.rep.count'), type: 'bar', barMaxWidth: 32, data: rows.map((r) => r.count), itemStyle: { color: '#1677ff' } },
      { name: t('cx.rep.inLimit'), type: 'bar', barMaxWidth: 32, data: rows.map((r) => r.answeredInLimit), itemStyle: { color: '#52c41a' } },
      { name: t('cx.rep.overdue'), type: 'bar', barMaxWidth: 32, data: rows.map((r) => r.overdue), itemStyle: { color: '#f5222d' } },
    ],
  };
  const response = {
    tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' }, grid, xAxis,
    // Urgent limits are minutes, routine ones days: a log scale keeps both readable.
    yAxis: { type: 'log', logBase: 10, min: 1 },
    series: [
      { name: t('cx.rep.respMean'), type: 'bar', barMaxWidth: 28, data: rows.map((r) => r.responseMinutes.mean), itemStyle: { color: '#13c2c2' } },
      { name: t('cx.rep.respP90'), type: 'bar', barMaxWidth: 28, data: rows.map((r) => r.responseMinutes.p90), itemStyle: { color: '#2f54eb' } },
      { name: t('cx.rep.limit'), type: 'line', data: rows.map((r) => r.limitMinutes), itemStyle: { color: '#fa8c16' }, lineStyle: { type: 'dashed' } },
    ],
  };
  const rating = {
    tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid, xAxis,
    yAxis: [{ type: 'value', min: 0, max: 5 }, { type: 'value', minInterval: 1, splitLine: { show: false } }],
    series: [
      { name: t('cx.rep.rating'), type: 'bar', barMaxWidth: 28, data: rows.map((r) => r.rating.mean), itemStyle: { color: '#faad14' } },
      { name: t('cx.rep.ratings'), type: 'line', yAxisIndex: 1, data: rows.map((r) => r.rating.count), itemStyle: { color: '#722ed1' } },
    ],
  };
  const h = mobile ? 260 : 320;
  return (
    <Row gutter={[8, 8]} style={{ marginBottom: 12 }}>
      <Col xs={24}><Card size="small" title={t('cx.rep.chartCounts')}><EChart option={counts} label={t('cx.rep.chartCounts')} height={h} /></Card></Col>
      <Col xs={24} lg={12}><Card size="small" title={t('cx.rep.chartResponse')}><EChart option={response} label={t('cx.rep.chartResponse')} height={h} /></Card></Col>
      <Col xs={24} lg={12}><Card size="small" title={t('cx.rep.chartRating')}><EChart option={rating} label={t('cx.rep.chartRating')} height={h} /></Card></Col>
    </Row>
  );
}

export default function ConsultationReportPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const mobile = useIsMobile();
  const en = i18n.language.startsWith('en');
  // Medical offices and centre coordinators see their own institution's consultations (the server limits them too).
  const own = me.role.role === 'institution_admin' || me.role.role === 'consult_coordinator';
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(5, 'month').startOf('month'), dayjs()]);
  const [groupBy, setGroupBy] = useState<GroupBy>('kind');
  const [institutionId, setInstitutionId] = useState<string | undefined>(own ? me.role.institutionId ?? undefined : undefined);
  const query = { from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD'), groupBy, institutionId };
  const { data, loading, error } = useApiData<Report>('consultations/report', query);
  // Kind labels follow the reader's language (the server sends Chinese).
  const label = (r: Row) => (groupBy === 'kind' && r.key ? CONSULTATION_KIND_LABELS[r.key as ConsultationKind]?.[en ? 'en' : 'zh'] ?? r.label : r.label);
  const rows = (data?.groups ?? []).map((r) => ({ ...r, label: label(r) }));
  const total = data?.total;
  const table = rows.length > 1 && total ? [...rows, { ...total, key: null, label: t('cx.rep.total') }] : rows;

  const columns: ColumnsType<Row> = [
    { title: t('cx.rep.group'), dataIndex: 'label', fixed: 'left', render: (v: string, r) => (r.key === null ? <b>{v}</b> : v) },
    { title: t('cx.rep.count'), dataIndex: 'count', align: 'right' },
    { title: t('cx.rep.closed'), dataIndex: 'closed', align: 'right' },
    { title: t('cx.rep.cancelled'), dataIndex: 'cancelled', align: 'right' },
    { title: t('cx.rep.expired'), dataIndex: 'expired', align: 'right' },
    { title: t('cx.rep.answered'), dataIndex: 'answered', align: 'right' },
    { title: t('cx.rep.inLimit'), dataIndex: 'answeredInLimit', align: 'right' },
    { title: t('cx.rep.overdue'), dataIndex: 'overdue', align: 'right', render: (v: number) => (v ? <span style={{ color: '#cf1322' }}>{v}</span> : v) },
    { title: t('cx.rep.respMean'), key: 'rm', align: 'right', render: (_, r) => num(r.responseMinutes.mean) },
    { title: t('cx.rep.respP90'), key: 'rp', align: 'right', render: (_, r) => num(r.responseMinutes.p90) },
    { title: t('cx.rep.limit'), dataIndex: 'limitMinutes', align: 'right', render: (v: number | null) => num(v) },
    { title: t('cx.rep.signed'), dataIndex: 'signedOpinions', align: 'right' },
    { title: t('cx.rep.rating'), key: 'ra', align: 'right', render: (_, r) => `${num(r.rating.mean, 2)}${r.rating.count ? ` (${r.rating.count})` : ''}` },
  ];
  const renderCard = (r: Row) => (
    <div>
      <div style={{ fontWeight: 600, marginBottom: 4 }}>{r.label}</div>
      <div className="yl-muted" style={{ fontSize: 13, lineHeight: 1.7 }}>
        {t('cx.rep.count')} {r.count} · {t('cx.rep.inLimit')} {r.answeredInLimit} · {t('cx.rep.overdue')} {r.overdue}<br />
        {t('cx.rep.respMean')} {num(r.responseMinutes.mean)} · P90 {num(r.responseMinutes.p90)} · {t('cx.rep.limit')} {num(r.limitMinutes)}<br />
        {t('cx.rep.rating')} {num(r.rating.mean, 2)} ({r.rating.count}) · {t('cx.rep.closed')} {r.closed} · {t('cx.rep.cancelled')} {r.cancelled} · {t('cx.rep.expired')} {r.expired}
      </div>
    </div>
  );
  const href = withQuery('/api/v1/consultations/report', { ...query, format: 'xlsx' });

  return (
    <div>
      <PageHeader title={t('cx.rep.title')} subtitle={t('cx.rep.subtitle')}
        extra={<a href={href} download><Button icon={<DownloadOutlined />} disabled={!rows.length}>{t('cx.rep.export')}</Button></a>} />
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={8}>
          <DatePicker.RangePicker value={range} allowClear={false} style={{ width: '100%' }} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />
        </Col>
        <Col xs={24} md={6}>
          <InstitutionSelect allowClear={!own} disabled={own} style={{ width: '100%' }} value={institutionId} placeholder={t('cx.rep.allInstitutions')}
            known={own && me.role.institutionId && me.role.institutionName ? [{ value: me.role.institutionId, label: me.role.institutionName }] : []}
            onChange={(v) => setInstitutionId(v as string | undefined)} />
        </Col>
        <Col xs={24} md={10}>
          <Segmented<GroupBy> block={mobile} value={groupBy} onChange={setGroupBy} options={GROUPS.map((g) => ({ value: g, label: t(`cx.rep.${mobile ? 'groupByShort' : 'groupBy'}.${g}`) }))} />
        </Col>
      </Row>
      {total && (
        <Row gutter={[8, 8]} style={{ marginBottom: 12 }}>
          {([
            ['count', total.count], ['inLimitShare', share(total.answeredInLimit, total.answered)], ['overdue', total.overdue],
            ['respMean', num(total.responseMinutes.mean)], ['respP90', num(total.responseMinutes.p90)], ['rating', num(total.rating.mean, 2)],
          ] as const).map(([k, v]) => (
            <Col key={k} xs={12} md={4}><Card size="small"><Statistic title={t(`cx.rep.${k}`)} value={v} styles={{ content: { fontSize: mobile ? 18 : 22, color: k === 'overdue' && total.overdue ? '#cf1322' : undefined } }} /></Card></Col>
          ))}
        </Row>
      )}
      {groupBy === 'expert' && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('cx.rep.expertNote')} />}
      {rows.length > 0 && <Charts rows={rows} />}
      <DataList<Row> rowKey={(r) => r.key ?? 'total'} columns={columns} data={table} loading={loading} error={error} renderCard={renderCard}
        empty={<span className="yl-muted">{t('cx.rep.empty')}</span>} />
    </div>
  );
}
