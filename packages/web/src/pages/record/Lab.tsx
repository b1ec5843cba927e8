/** Lab results: the table of one report (item, value, unit, reference range, ↑↓) and one item's trend over time. */
import { LineChartOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, Spin, Table, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { LineChart } from 'echarts/charts';
import { GridComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiData, useIsMobile } from '../../hooks';
import { flagArrow, isAbnormal, num, refRange, type Observation, type Trend } from './model';

echarts.use([LineChart, GridComponent, TooltipComponent, MarkAreaComponent, CanvasRenderer]);

/** A value with its flag: red and ↑ when high, blue and ↓ when low. */
export function FlaggedValue({ value, flag, unit }: { value: unknown; flag?: string | null; unit?: string | null }) {
  const high = flag === 'H' || flag === 'HH';
  const low = flag === 'L' || flag === 'LL';
  const color = high || flag === 'A' ? '#cf1322' : low ? '#0958d9' : undefined;
  return (
    <span style={{ color, fontWeight: isAbnormal(flag) ? 600 : undefined, fontVariantNumeric: 'tabular-nums' }}>
      {String(value ?? '')}{unit ? <span className="yl-muted" style={{ fontWeight: 400 }}> {unit}</span> : null}
      {flagArrow(flag) && <span style={{ marginInlineStart: 4 }}>{flagArrow(flag)}</span>}
    </span>
  );
}

export function LabTable({ items, onTrend }: { items: Observation[]; onTrend?: (code: string) => void }) {
  const { t } = useTranslation();
  const mobile = useIsMobile();
  return (
    <Table<Observation> size="small" rowKey={(o) => o.id} dataSource={items} pagination={false} scroll={mobile ? undefined : { x: 'max-content' }}
      rowClassName={(o) => (isAbnormal(o.flag) ? 'yl-row-abnormal' : '')}
      columns={[
        { title: t('record.lab.item'), dataIndex: 'name', render: (v: string, o) => (
          <span>{v}{onTrend && (
            <Tooltip title={t('record.lab.trend')}>
              <Button type="link" size="small" icon={<LineChartOutlined />} onClick={() => onTrend(o.code)} aria-label={t('record.lab.trendOf', { name: v })} style={{ paddingInline: 4 }} />
            </Tooltip>
          )}</span>
        ) },
        { title: t('record.lab.result'), key: 'value', render: (_v, o) => <FlaggedValue value={o.valueNum ?? o.valueText} flag={o.flag} unit={mobile ? o.unit : undefined} /> },
        ...(mobile ? [] : [{ title: t('record.lab.unit'), dataIndex: 'unit', render: (v: string | null) => v ?? '' }]),
        { title: t('record.lab.range'), key: 'ref', render: (_v, o) => <span className="yl-muted">{refRange(o.refLow, o.refHigh, o.refText)}</span> },
      ]} />
  );
}

/** One lab item over time (GET /patients/:id/observations/trend?code): a line, the reference band shaded. */
export function LabTrend({ patientId, code, height }: { patientId: string; code: string; height?: number }) {
  const { t, i18n } = useTranslation();
  const mobile = useIsMobile();
  const el = useRef<HTMLDivElement>(null);
  const { data, loading, error } = useApiData<Trend>(`patients/${patientId}/observations/trend`, { code });
  const points = (data?.points ?? []).filter((p) => num(p.value) !== null);

  useEffect(() => {
    if (!el.current || !data || !points.length) return;
    const chart = echarts.init(el.current);
    const low = num(data.refLow); const high = num(data.refHigh);
    const values = points.map((p) => num(p.value)!);
    const lo = Math.min(...values, ...(low !== null ? [low] : [])); const hi = Math.max(...values, ...(high !== null ? [high] : []));
    // Round the axis to a readable step (0, 10, 20 … rather than 0.25 and 58.75), band and points inside.
    const span = (hi - lo) || Math.abs(hi) || 1;
    const step = 10 ** Math.floor(Math.log10(span)) / (span / 10 ** Math.floor(Math.log10(span)) < 3 ? 5 : 2);
    const yMin = Math.floor((lo - span * 0.1) / step) * step, yMax = Math.ceil((hi + span * 0.1) / step) * step;
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        formatter: (ps: { dataIndex: number }[]) => {
          const p = points[ps[0]?.dataIndex ?? 0]!;
          return `${dayjs(p.at).format('YYYY-MM-DD HH:mm')}<br/><b>${p.value}${data.unit ? ` ${data.unit}` : ''} ${flagArrow(p.flag)}</b><br/>${p.institutionName ?? ''}`;
        },
      },
      xAxis: { type: 'time', axisLabel: { formatter: '{yyyy}-{MM}-{dd}', hideOverlap: true } },
      yAxis: { type: 'value', name: data.unit ?? '', min: +yMin.toFixed(4), max: +yMax.toFixed(4) },
      series: [{
        type: 'line', name: data.name, symbolSize: 8, lineStyle: { color: '#0f6fbf' },
        data: points.map((p) => ({ value: [p.at, num(p.value)], itemStyle: { color: isAbnormal(p.flag) ? '#cf1322' : '#0f6fbf' } })),
        markArea: low !== null || high !== null ? {
          silent: true, itemStyle: { color: 'rgba(82, 196, 26, 0.12)' },
          label: { show: true, position: 'insideTopRight', color: '#389e0d', formatter: t('record.lab.refBand') },
          data: [[{ yAxis: low ?? yMin }, { yAxis: high ?? yMax }]],
        } : undefined,
      }],
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => { window.removeEventListener('resize', onResize); chart.dispose(); };
  }, [data, points, t]);

  if (error) return <Alert type="error" showIcon title={error.text(i18n.language)} />;
  if (loading && !data) return <div className="yl-center"><Spin /></div>;
  if (!points.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.lab.noTrend')} />;
  return (
    <div>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {data?.name} · {t('record.lab.range')} {refRange(data?.refLow, data?.refHigh) || '—'}{data?.unit ? ` ${data.unit}` : ''} · {t('record.lab.nPoints', { count: points.length })}
      </Typography.Text>
      <div ref={el} style={{ width: '100%', height: height ?? (mobile ? 220 : 280) }} role="img" aria-label={t('record.lab.trendOf', { name: data?.name ?? code })} />
    </div>
  );
}
