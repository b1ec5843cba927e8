/**
 * 号源下沉报表: per institution and period — slots, the share reserved for primary care, how much of it primary
 * institutions and family doctors booked, how much returned unbooked, check-ins, no-shows, on-time rate; a bar chart
 * and a CSV download (opens in Excel).
 */
import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Row, Space } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth';
import { DataList } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useApiData, useIsMobile } from '../../hooks';
import { pct, type QuotaRow } from './model';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const COUNT_COLUMNS = ['slots', 'reserved', 'bookedByPrimary', 'returned', 'checkedIn', 'noShow'] as const;

function QuotaChart({ rows }: { rows: QuotaRow[] }) {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current);
    const short = (n: string) => (mobile && n.length > 6 ? `${n.slice(0, 6)}…` : n);
    const bar = (key: (typeof COUNT_COLUMNS)[number], color: string) => ({ name: t(`sched.report.${key}`), type: 'bar' as const, barMaxWidth: 36, data: rows.map((r) => r[key]), itemStyle: { color } });
    chart.setOption({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: rows.map((r) => short(r.institutionName)), axisLabel: { interval: 0, rotate: rows.length > 4 ? 30 : 0 } },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } }],
      series: [
        bar('reserved', '#fa8c16'), bar('bookedByPrimary', '#52c41a'), bar('returned', '#bfbfbf'), bar('checkedIn', '#1677ff'), bar('noShow', '#f5222d'),
        { name: t('sched.report.reservedShare'), type: 'line', yAxisIndex: 1, data: rows.map((r) => (r.reservedShare === null ? null : +(r.reservedShare * 100).toFixed(1))), itemStyle: { color: '#722ed1' } },
      ],
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => { window.removeEventListener('resize', onResize); chart.dispose(); };
  }, [rows, t, mobile]);
  return <div ref={el} style={{ width: '100%', height: mobile ? 280 : 340 }} role="img" aria-label={t('sched.report.chart')} />;
}

/** CSV with a byte-order mark, so Excel reads the Chinese names right. */
function downloadCsv(name: string, header: string[], rows: (string | number)[][]) {
  const cell = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const text = '\uFEFF' + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n');
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function QuotaReportPage() {
  const { t } = useTranslation();
  const me = useMe();
  const own = me.role.role === 'institution_admin';
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().startOf('month'), dayjs().endOf('month').startOf('day')]);
  const [institutionId, setInstitutionId] = useState<string | undefined>(own ? me.role.institutionId ?? undefined : undefined);
  // The API's period is [from, to): the last day picked is included.
  const { data, loading, error } = useApiData<{ items: QuotaRow[] }>('scheduling/reports/quota', {
    from: range[0].format('YYYY-MM-DD'), to: range[1].add(1, 'day').format('YYYY-MM-DD'), institutionId,
  });
  const rows = data?.items ?? [];
  const totals = rows.reduce<QuotaRow>((s, r) => ({
    ...s, slots: s.slots + r.slots, reserved: s.reserved + r.reserved, bookedByPrimary: s.bookedByPrimary + r.bookedByPrimary,
    returned: s.returned + r.returned, checkedIn: s.checkedIn + r.checkedIn, noShow: s.noShow + r.noShow, onTime: s.onTime + r.onTime,
  }), { institutionId: '', institutionName: t('sched.report.total'), slots: 0, reserved: 0, reservedShare: null, bookedByPrimary: 0, returned: 0, checkedIn: 0, noShow: 0, onTime: 0, onTimeRate: null });
  totals.reservedShare = totals.slots ? totals.reserved / totals.slots : null;
  totals.onTimeRate = totals.checkedIn + totals.noShow ? totals.onTime / (totals.checkedIn + totals.noShow) : null;
  const table = rows.length > 1 ? [...rows, totals] : rows;

  const columns: ColumnsType<QuotaRow> = [
    { title: t('sched.report.institution'), dataIndex: 'institutionName', fixed: 'left', render: (v: string, r) => (r.institutionId ? v : <b>{v}</b>) },
    ...COUNT_COLUMNS.map((k) => ({ title: t(`sched.report.${k}`), dataIndex: k, align: 'right' as const })),
    { title: t('sched.report.reservedShare'), dataIndex: 'reservedShare', align: 'right', render: (v: number | null) => pct(v) },
    { title: t('sched.report.onTimeRate'), dataIndex: 'onTimeRate', align: 'right', render: (v: number | null) => pct(v) },
  ];

  const exportCsv = () => downloadCsv(`号源下沉报表_${range[0].format('YYYYMMDD')}-${range[1].format('YYYYMMDD')}.csv`,
    [t('sched.report.institution'), ...COUNT_COLUMNS.map((k) => t(`sched.report.${k}`)), t('sched.report.reservedShare'), t('sched.report.onTimeRate')],
    table.map((r) => [r.institutionName, ...COUNT_COLUMNS.map((k) => r[k]), pct(r.reservedShare), pct(r.onTimeRate)]));

  return (
    <div>
      <PageHeader title={t('nav.schedReport')} subtitle={t('sched.report.subtitle')}
        extra={<Button icon={<DownloadOutlined />} disabled={!rows.length} onClick={exportCsv}>{t('sched.report.export')}</Button>} />
      <Row gutter={[8, 8]} className="yl-filters">
        <Col xs={24} md={10}>
          <Space.Compact style={{ width: '100%' }}>
            <DatePicker.RangePicker value={range} allowClear={false} style={{ width: '100%' }}
              presets={[
                { label: t('sched.report.thisMonth'), value: [dayjs().startOf('month'), dayjs().endOf('month').startOf('day')] },
                { label: t('sched.report.lastMonth'), value: [dayjs().subtract(1, 'month').startOf('month'), dayjs().subtract(1, 'month').endOf('month').startOf('day')] },
                { label: t('sched.report.next30'), value: [dayjs(), dayjs().add(29, 'day')] },
              ]}
              onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />
          </Space.Compact>
        </Col>
        <Col xs={24} md={8}>
          <InstitutionSelect allowClear={!own} disabled={own} style={{ width: '100%' }} value={institutionId} placeholder={t('sched.allInstitutions')}
            known={own && me.role.institutionId && me.role.institutionName ? [{ value: me.role.institutionId, label: me.role.institutionName }] : []}
            onChange={(v) => setInstitutionId(v as string | undefined)} />
        </Col>
      </Row>
      {rows.length > 0 && <Card size="small" style={{ marginBottom: 12 }}><QuotaChart rows={rows} /></Card>}
      <DataList<QuotaRow> rowKey={(r) => r.institutionId || 'total'} columns={columns} data={table} loading={loading} error={error}
        empty={<span className="yl-muted">{t('sched.report.empty')}</span>} />
    </div>
  );
}
