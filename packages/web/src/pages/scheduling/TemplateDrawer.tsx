/**
 * 出诊模板: the stored weekly template of a resource as a grid of weekdays × half-hour start times (07:00–21:30);
 * press and drag to mark or clear several cells. Category, places per day for referrals, days generated ahead.
 */
import { Alert, App, Button, Col, Drawer, Form, InputNumber, Row, Select, Space, Spin, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get, put } from '../../api';
import { useErrorReporter, useIsMobile } from '../../hooks';
import { CATEGORIES, TEMPLATE_TIMES, WEEKDAYS, type Category, type Resource, type Template, type Weekday } from './model';

type Grid = Record<Weekday, Set<string>>;
const emptyGrid = (): Grid => Object.fromEntries(WEEKDAYS.map((d) => [d, new Set<string>()])) as Grid;
const defaultCategory = (r: Resource): Category => (r.kind === 'exam' ? 'exam' : r.kind === 'bed' ? 'bed' : 'specialist');

const PRESETS: Record<string, { days: Weekday[]; times: string[] }> = {
  weekdayAm: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: TEMPLATE_TIMES.filter((x) => x >= '08:00' && x < '12:00') },
  weekdayPm: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: TEMPLATE_TIMES.filter((x) => x >= '13:30' && x < '17:00') },
  saturdayAm: { days: ['sat'], times: TEMPLATE_TIMES.filter((x) => x >= '08:00' && x < '12:00') },
};

export function TemplateDrawer({ resource, onClose, onSaved }: { resource: Resource | null; onClose: () => void; onSaved?: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const mobile = useIsMobile();
  const report = useErrorReporter();
  const [form] = Form.useForm<{ category: Category; referralPerDay: number; horizonDays?: number | null }>();
  const [grid, setGrid] = useState<Grid>(emptyGrid);
  const [state, setState] = useState<'loading' | 'stored' | 'new' | 'missing'>('loading');
  const [busy, setBusy] = useState(false);
  const paint = useRef<boolean | null>(null);

  useEffect(() => {
    if (!resource) return;
    let live = true;
    setState('loading');
    setGrid(emptyGrid());
    get<Template>(`scheduling/resources/${resource.id}/template`)
      .then((tpl) => {
        if (!live) return;
        const g = emptyGrid();
        for (const d of WEEKDAYS) for (const x of tpl.weekly?.[d] ?? []) g[d].add(x);
        setGrid(g);
        form.setFieldsValue({ category: tpl.category, referralPerDay: tpl.referralPerDay ?? 0, horizonDays: tpl.horizonDays ?? null });
        setState('stored');
      })
      .catch((e: unknown) => {
        if (!live) return;
        form.setFieldsValue({ category: defaultCategory(resource), referralPerDay: 0, horizonDays: null });
        // 404: no template stored yet, or (no_route) a server that does not have templates yet.
        if (e instanceof ApiError && e.status === 404) setState(e.code === 'no_route' ? 'missing' : 'new');
        else { setState('new'); report(e); }
      });
    return () => { live = false; };
  }, [resource, form, report]);

  useEffect(() => {
    const up = () => { paint.current = null; };
    window.addEventListener('pointerup', up);
    return () => window.removeEventListener('pointerup', up);
  }, []);

  const setCell = (d: Weekday, x: string, on: boolean) => setGrid((g) => {
    if (g[d].has(x) === on) return g;
    const next = { ...g, [d]: new Set(g[d]) };
    if (on) next[d].add(x); else next[d].delete(x);
    return next;
  });
  const applyPreset = (key: string) => setGrid((g) => {
    const p = PRESETS[key]!;
    const next = { ...g };
    for (const d of p.days) next[d] = new Set([...g[d], ...p.times]);
    return next;
  });
  const perWeek = WEEKDAYS.reduce((n, d) => n + grid[d].size, 0);

  const save = async (v: { category: Category; referralPerDay: number; horizonDays?: number | null }) => {
    if (!resource) return;
    setBusy(true);
    try {
      const weekly = Object.fromEntries(WEEKDAYS.map((d) => [d, [...grid[d]].sort()]));
      await put(`scheduling/resources/${resource.id}/template`, {
        category: v.category, weekly, referralPerDay: v.referralPerDay ?? 0, ...(v.horizonDays ? { horizonDays: v.horizonDays } : {}),
      });
      void message.success(t('sched.templateSaved'));
      setState('stored');
      onSaved?.();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Drawer open={!!resource} onClose={onClose} size={mobile ? '100%' : 560} destroyOnHidden
      title={t('sched.templateTitle', { name: resource?.name ?? '' })}
      footer={(
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8 }}>
          <Typography.Text type="secondary">{t('sched.perWeek', { count: perWeek })}</Typography.Text>
          <Space>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="primary" loading={busy} disabled={state === 'loading'} onClick={() => form.submit()}>{t('common.save')}</Button>
          </Space>
        </div>
      )}>
      {state === 'loading' ? <div className="yl-center"><Spin /></div> : (
        <>
          {state === 'new' && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('sched.templateNew')} />}
          {state === 'missing' && <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('sched.templateMissing')} />}
          <Form form={form} layout="vertical" onFinish={save}>
            <Row gutter={8}>
              <Col xs={24} sm={8}>
                <Form.Item name="category" label={t('sched.categoryLabel')} rules={[{ required: true }]}>
                  <Select options={CATEGORIES.map((c) => ({ value: c, label: t(`sched.category.${c}`) }))} />
                </Form.Item>
              </Col>
              <Col xs={12} sm={8}>
                <Form.Item name="referralPerDay" label={t('sched.referralPerDay')} tooltip={t('sched.referralPerDayHelp')}>
                  <InputNumber min={0} max={48} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={12} sm={8}>
                <Form.Item name="horizonDays" label={t('sched.horizonDays')} tooltip={t('sched.horizonDaysHelp')}>
                  <InputNumber min={1} max={92} style={{ width: '100%' }} placeholder={t('sched.auto')} />
                </Form.Item>
              </Col>
            </Row>
          </Form>
          <Space wrap size={4} style={{ marginBottom: 8 }}>
            {Object.keys(PRESETS).map((k) => <Button key={k} size="small" onClick={() => applyPreset(k)}>+ {t(`sched.preset.${k}`)}</Button>)}
            <Button size="small" danger onClick={() => setGrid(emptyGrid())}>{t('sched.clearAll')}</Button>
          </Space>
          <div className="yl-muted" style={{ fontSize: 12, marginBottom: 6 }}>{t('sched.templateHint')}</div>
          <div className="yl-tpl-wrap">
            <table className="yl-tpl" onContextMenu={(e) => e.preventDefault()}>
              <thead>
                <tr>
                  <th />
                  {WEEKDAYS.map((d) => <th key={d}>{t(`sched.weekday.${d}`)}<div className="yl-muted" style={{ fontSize: 11 }}>{grid[d].size || ''}</div></th>)}
                </tr>
              </thead>
              <tbody>
                {TEMPLATE_TIMES.map((x) => (
                  <tr key={x} className={x.endsWith(':00') ? 'hour' : ''}>
                    <th className="time">{x}</th>
                    {WEEKDAYS.map((d) => {
                      const on = grid[d].has(x);
                      return (
                        <td key={d}>
                          <button type="button" className={on ? 'on' : ''} aria-pressed={on} aria-label={`${t(`sched.weekday.${d}`)} ${x}`}
                            onPointerDown={(e) => { e.preventDefault(); paint.current = !on; setCell(d, x, !on); }}
                            onPointerEnter={() => { if (paint.current !== null) setCell(d, x, paint.current); }}
                            onKeyDown={(e) => { if (e.key === ' ' || e.key === 'Enter') { e.preventDefault(); setCell(d, x, !on); } }} />
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Drawer>
  );
}
