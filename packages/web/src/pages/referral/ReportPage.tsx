/**
 * 转诊统计: per sending institution, department or month — up/down counts, down share, acceptance and completion
 * times, outcomes, overdue steps; a bar chart and the server's Excel file (`?format=xlsx`).
 */
import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Row, Segmented, Statistic } from 'antd';
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
import { pct } from '../scheduling/model';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Hours { median: number | null; average: number | null }
interface Row {
  key: string | null; label: string; up: number; down: number; downShare: number | null; accepted: number;
  submitToAccept: Hours; acceptToClose: Hours; closed: number; refused: number; cancelled: number; overdueSteps: number;
}
interface Report { groups: Row[]; total: Row }
type GroupBy = 'institution' | 'department' | 'month';
const hrs = (h: Hours | undefined) => (h?.average === null || h?.average === undefined ? '—' : h.average.toFixed(1));

function Chart({ rows }: { rows: Row[] }) {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current);
    const short = (n: string) => (mobile && n.length > 6 ? `${n.slice(0, 6)}…` : n);
    chart.setOption({
      tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: rows.map((r) => short(r.label)), axisLabel: { interval: 0, rotate: rows.length > 4 ? 30 : 0 } },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } }],
      series: [
        { name: t('referral.rep.up'), type: 'bar', stack: 'n', barMaxWidth: 36, data: rows.map((r) => r.up), itemStyle: { color: '#1677ff' } },
        { name: t('referral.rep.down'), type: 'bar', stack: 'n', barMaxWidth: 36, data: rows.map((r) => r.down), itemStyle: { color: '#52c41a' } },
        { name: t('referral.rep.overdue'), type: 'bar', barMaxWidth: 20, data: rows.map((r) => r.overdueSteps), itemStyle: { color: '#f5222d' } },
        { name: t('referral.rep.downShare'), type: 'line', yAxisIndex: 1, data: rows.map((r) => (r.downShare === null ? null : +(r.downShare * 100).toFixed(1))), itemStyle: { color: '#722ed1' } },
      ],
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => { window.removeEventListener('resize', onResize); chart.dispose(); };
  }, [rows, t, mobile]);
  return <div ref={el} style={{ width: '100%', height: mobile ? 280 : 340 }} role="img" aria-label={t('referral.rep.chart')} />;
}

export default function ReportPage() {
  const { t } = useTranslation();
  const me = useMe();
  const mobile = useIsMobile();
  const own = me.role.role === 'institution_admin';
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(5, 'month').startOf('month'), dayjs()]);
  const [groupBy, setGroupBy] = useState<GroupBy>('institution');
  const [institutionId, setInstitutionId] = useState<string | undefined>(own ? me.role.institutionId ?? undefined : undefined);
  const query = { from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD'), groupBy, institutionId };
  const { data, loading, error } = useApiData<Report>('referrals/report', query);
  const rows = data?.groups ?? [];
  const table = rows.length > 1 && data?.total ? [...rows, { ...data.total, key: null, label: t('referral.rep.total') }] : rows;
  const total = data?.total;

  const columns: ColumnsType<Row> = [
    { title: t('referral.rep.group'), dataIndex: 'label', fixed: 'left', render: (v: string, r) => (r.key === null ? <b>{v}</b> : v) },
    { title: t('referral.rep.up'), dataIndex: 'up', align: 'right' },
    { title: t('referral.rep.down'), dataIndex: 'down', align: 'right' },
    { title: t('referral.rep.downShare'), dataIndex: 'downShare', align: 'right', render: (v: number | null) => pct(v) },
    { title: t('referral.rep.accepted'), dataIndex: 'accepted', align: 'right' },
    { title: t('referral.rep.acceptHours'), key: 'ah', align: 'right', render: (_, r) => hrs(r.submitToAccept) },
    { title: t('referral.rep.closed'), dataIndex: 'closed', align: 'right' },
    { title: t('referral.rep.closeHours'), key: 'ch', align: 'right', render: (_, r) => hrs(r.acceptToClose) },
    { title: t('referral.rep.overdue'), dataIndex: 'overdueSteps', align: 'right' },
  ];
  const href = withQuery('/api/v1/referrals/report', { ...query, format: 'xlsx' });

  return (
    <div>
      <PageHeader title={t('referral.report')} subtitle={t('referral.reportSubtitle')}
        extra={<a href={href} download><Button icon={<DownloadOutlined />} disabled={!rows.length}>{t('referral.rep.export')}</Button></a>} />
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={9}>
          <DatePicker.RangePicker value={range} allowClear={false} style={{ width: '100%' }} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />
        </Col>
        <Col xs={24} md={7}>
          <InstitutionSelect allowClear={!own} disabled={own} style={{ width: '100%' }} value={institutionId} placeholder={t('sched.allInstitutions')}
            known={own && me.role.institutionId && me.role.institutionName ? [{ value: me.role.institutionId, label: me.role.institutionName }] : []}
            onChange={(v) => setInstitutionId(v as string | undefined)} />
        </Col>
        <Col xs={24} md={8}>
          <Segmented<GroupBy> block={mobile} value={groupBy} onChange={setGroupBy} options={(['institution', 'department', 'month'] as const).map((g) => ({ value: g, label: t(`referral.rep.groupBy.${g}`) }))} />
        </Col>
      </Row>
      {total && (
        <Row gutter={[8, 8]} style={{ marginBottom: 12 }}>
          {([['up', total.up], ['down', total.down], ['downShare', pct(total.downShare)], ['acceptHours', hrs(total.submitToAccept)], ['closeHours', hrs(total.acceptToClose)], ['overdue', total.overdueSteps]] as const).map(([k, v]) => (
            <Col key={k} xs={12} md={4}><Card size="small"><Statistic title={t(`referral.rep.${k}`)} value={v} styles={{ content: { fontSize: mobile ? 18 : 22 } }} /></Card></Col>
          ))}
        </Row>
      )}
      {rows.length > 0 && <Card size="small" style={{ marginBottom: 12 }}><Chart rows={rows} /></Card>}
      <DataList<Row> rowKey={(r) => r.key ?? 'total'} columns={columns} data={table} loading={loading} error={error} empty={<span className="yl-muted">{t('referral.rep.empty')}</span>} />
    </div>
  );
}
