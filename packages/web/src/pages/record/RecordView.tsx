/**
 * 健康档案: one patient's record across the consortium's institutions — asks first whether the caller may read it
 * (care relationship, consent, break-glass; the patient their own) and offers the ways in when not; then allergies
 * on top, the timeline (newest first, filters, load more), lab results with trends, documents, and the add menu.
 */
import { AlertOutlined, DownOutlined, FileTextOutlined, LockOutlined, PlusOutlined, SafetyCertificateOutlined, WarningOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Collapse, DatePicker, Dropdown, Empty, Result, Row, Select, Skeleton, Space, Spin, Tabs, Tag, Tooltip, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, asPage, get, type Page } from '../../api';
import { useAuth } from '../../auth';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useApiData, useIsMobile } from '../../hooks';
import { Attachments } from './Attachments';
import { BreakGlassModal } from './BreakGlassModal';
import { ConsentModal } from './ConsentModal';
import { EntryDrawer } from './EntryDrawer';
import { EntryFormDrawer, FORM_KINDS, type FormKind } from './EntryForm';
import { LabTable, LabTrend } from './Lab';
import {
  ENTRY_KINDS, entryIdOf, FILTER_KINDS, fmtMinute, isAbnormal, KIND_COLORS, type Access, type EntryKind, type EntryVersion, type FilterKind,
  type Observation, type TimelineEntry,
} from './model';

const PAGE = 30;

/** The access check, and while it is granted by break-glass or consent, a banner saying so. */
export function useRecordAccess(patientId: string) {
  return useApiData<Access>(`patients/${patientId}/record/access`);
}

export function AccessBanner({ access }: { access: Access }) {
  const { t, i18n } = useTranslation();
  const reason = access.reason ? (i18n.language.startsWith('en') ? access.reason.en : access.reason.zh) : '';
  if (access.via === 'break_glass') return (
    <Alert type="error" showIcon icon={<AlertOutlined />} style={{ marginBottom: 12 }}
      title={t('record.bg.banner', { time: fmtMinute(access.breakGlassUntil) })} description={t('record.bg.bannerHint')} />
  );
  if (access.via === 'consent') return (
    <Alert type="info" showIcon icon={<SafetyCertificateOutlined />} style={{ marginBottom: 12 }} title={t('record.viaConsent')} description={reason} />
  );
  return null;
}

/** Not allowed: the server's reason, and the two ways out (record consent, break-glass). */
function AccessDenied({ patientId, access, onGranted }: { patientId: string; access: Access; onGranted: () => void }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const [consent, setConsent] = useState(false);
  const [glass, setGlass] = useState(false);
  const reason = access.reason ? (i18n.language.startsWith('en') ? access.reason.en : access.reason.zh) : t('record.denied');
  return (
    <Card>
      <Result icon={<LockOutlined style={{ color: '#fa8c16' }} />} title={t('record.deniedTitle')} subTitle={reason} style={{ padding: '16px 0' }}
        extra={(
          <Space wrap style={{ justifyContent: 'center' }}>
            {can('record.consent') && <Button type="primary" icon={<SafetyCertificateOutlined />} onClick={() => setConsent(true)}>{t('record.consent.add')}</Button>}
            {can('record.break_glass') && <Button danger icon={<AlertOutlined />} onClick={() => setGlass(true)}>{t('record.bg.button')}</Button>}
          </Space>
        )} />
      <ConsentModal patientId={patientId} open={consent} withoutCare onClose={() => setConsent(false)} onSaved={() => { setConsent(false); onGranted(); }} />
      <BreakGlassModal patientId={patientId} open={glass} onClose={() => setGlass(false)} onGranted={() => { setGlass(false); onGranted(); }} />
    </Card>
  );
}

/** Allergies first, in red: the one thing nobody may miss. */
function AllergyStrip({ patientId, onOpen }: { patientId: string; onOpen: (e: EntryVersion) => void }) {
  const { t } = useTranslation();
  const { data, error, loading } = useApiData<Page<EntryVersion>>(`patients/${patientId}/allergies`);
  // One tag per substance, however many institutions recorded it (the tooltip names them).
  const bySubstance = new Map<string, EntryVersion[]>();
  for (const a of asPage(data).items.filter((x) => !x.clinicalStatus || x.clinicalStatus === 'active')) {
    const k = String(a.substance).trim().toLowerCase();
    bySubstance.set(k, [...(bySubstance.get(k) ?? []), a]);
  }
  const items = [...bySubstance.values()].map((same): EntryVersion & { sources: EntryVersion[] } => ({ ...same.find((a) => a.criticality === 'high') ?? same[0]!, sources: same }));
  if (error?.status === 403) return null;
  return (
    <div className={`yl-allergy-strip${items.length ? ' has' : ''}`} role="region" aria-label={t('record.allergies')}>
      <span className="yl-allergy-label"><WarningOutlined /> {t('record.allergies')}</span>
      {loading && !data ? <Spin size="small" /> : items.length ? items.map((a) => (
        <Tooltip key={a.id} title={[a.reaction, a.severity ? t(`record.severity.${String(a.severity)}`) : null, [...new Set(a.sources.map((x) => x.institutionName))].join('、')].filter(Boolean).join(' · ')}>
          <Tag color="red" className="yl-allergy-tag" onClick={() => onOpen(a)}>
            {String(a.substance)}{a.criticality === 'high' ? ' ⚠' : ''}
          </Tag>
        </Tooltip>
      )) : <span className="yl-muted">{t('record.noAllergies')}</span>}
    </div>
  );
}

interface Filters { institutionId?: string; kind?: FilterKind; range?: [Dayjs, Dayjs] | null }

/** Home-monitoring readings come from the observations list (the timeline has no category filter). */
const homeAsTimeline = (o: Observation): TimelineEntry => ({
  ...o, kind: 'observation', id: entryIdOf(o), version: o.version, at: o.effectiveAt, institutionId: o.institutionId, institutionName: o.institutionName ?? null,
  title: o.name, summary: `${String(o.valueNum ?? o.valueText ?? '')}${o.unit ? ` ${o.unit}` : ''}${o.device ? ` · ${o.device}` : ''}`, flag: o.flag ?? null,
});

/** The timeline with its filters and "load more". */
function Timeline({ patientId, version, onOpen }: { patientId: string; version: number; onOpen: (e: TimelineEntry) => void }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const [filters, setFilters] = useState<Filters>({});
  const [items, setItems] = useState<TimelineEntry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async (offset: number, signal?: AbortSignal) => {
    setLoading(true);
    const q = {
      institutionId: filters.institutionId, limit: PAGE, offset,
      from: filters.range?.[0].format('YYYY-MM-DD'), to: filters.range?.[1].format('YYYY-MM-DD'),
    };
    try {
      const page = filters.kind === 'home'
        ? (({ total: n, items: obs }) => ({ total: n, items: obs.map(homeAsTimeline) }))(asPage(await get<Page<Observation>>(`patients/${patientId}/observations`, { ...q, category: 'home-monitoring' }, signal)))
        : asPage(await get<Page<TimelineEntry>>(`patients/${patientId}/timeline`, { ...q, kind: filters.kind }, signal));
      const fixed = page.items;
      setItems((prev) => (offset ? [...prev, ...fixed] : fixed));
      setTotal(page.total);
      setError(null);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e), String(e)));
    } finally { if (!signal?.aborted) setLoading(false); }
  }, [patientId, filters]);

  useEffect(() => {
    const ctrl = new AbortController();
    void load(0, ctrl.signal);
    return () => ctrl.abort();
  }, [load, version]);

  const more = total !== null && items.length < total;
  const [seenInstitutions, setSeen] = useState<{ value: string; label: string }[]>([]);
  useEffect(() => setSeen((prev) => {
    const known = new Map(prev.map((o) => [o.value, o]));
    for (const e of items) if (e.institutionId && !known.has(e.institutionId)) known.set(e.institutionId, { value: e.institutionId, label: e.institutionName ?? e.institutionId });
    return known.size === prev.length ? prev : [...known.values()];
  }), [items]);
  const byDay = useMemo(() => {
    const groups: { day: string; entries: TimelineEntry[] }[] = [];
    for (const e of items) {
      const day = dayjs(e.at).format('YYYY-MM-DD');
      const last = groups[groups.length - 1];
      if (last?.day === day) last.entries.push(e); else groups.push({ day, entries: [e] });
    }
    return groups;
  }, [items]);

  return (
    <div>
      <Row gutter={[8, 8]} className="yl-filters" style={{ marginBottom: 12 }}>
        <Col xs={12} md={8}>
          {can('directory.read') ? (
            <InstitutionSelect allowClear style={{ width: '100%' }} value={filters.institutionId} placeholder={t('record.allInstitutions')}
              onChange={(v) => setFilters((f) => ({ ...f, institutionId: (v as string | undefined) ?? undefined }))} />
          ) : (
            // Patients do not browse the directory: the institutions their record names are the choice.
            <Select allowClear style={{ width: '100%' }} value={filters.institutionId} placeholder={t('record.allInstitutions')} options={seenInstitutions}
              onChange={(v: string | undefined) => setFilters((f) => ({ ...f, institutionId: v ?? undefined }))} />
          )}
        </Col>
        <Col xs={12} md={6}>
          <Select allowClear style={{ width: '100%' }} value={filters.kind} placeholder={t('record.allKinds')}
            options={FILTER_KINDS.map((k) => ({ value: k, label: t(`record.kind.${k}`) }))}
            onChange={(v) => setFilters((f) => ({ ...f, kind: v ?? undefined }))} />
        </Col>
        <Col xs={24} md={10}>
          <DatePicker.RangePicker style={{ width: '100%' }} value={filters.range ?? null} inputReadOnly={mobile}
            presets={[
              { label: t('record.last3m'), value: [dayjs().subtract(3, 'month'), dayjs()] },
              { label: t('record.last1y'), value: [dayjs().subtract(1, 'year'), dayjs()] },
              { label: t('record.last3y'), value: [dayjs().subtract(3, 'year'), dayjs()] },
            ]}
            onChange={(v) => setFilters((f) => ({ ...f, range: v?.[0] && v[1] ? [v[0], v[1]] : null }))} />
        </Col>
      </Row>
      {error && !items.length ? <Alert type="error" showIcon title={error.text(i18n.language)} /> : (
        <Spin spinning={loading && !items.length}>
          {!items.length && !loading ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.emptyTimeline')} /> : (
            <div className="yl-timeline">
              {byDay.map((g) => (
                <section key={g.day} className="yl-tl-day">
                  <div className="yl-tl-date">{g.day}<span className="yl-muted"> {dayjs(g.day).format('ddd')}</span></div>
                  {g.entries.map((e) => {
                    const abnormal = isAbnormal(e.flag) || (e.abnormal ?? 0) > 0;
                    const kind = e.kind === 'observation' && e.category === 'home-monitoring' ? 'home' : e.kind;
                    return (
                      <button type="button" key={`${e.kind}-${e.id}`} className={`yl-tl-entry${abnormal ? ' abnormal' : ''}`} onClick={() => onOpen(e)}>
                        <span className="yl-tl-dot" style={{ background: `var(--yl-kind-${kind}, #1677ff)` }} />
                        <div className="yl-tl-top">
                          <span className="yl-tl-time">{dayjs(e.at).format('HH:mm')}</span>
                          <Tag color={KIND_COLORS[kind]} style={{ marginInlineEnd: 0 }}>
                            {e.kind === 'observation' && typeof e.category === 'string' ? t(`record.obsCategory.${e.category}`, { defaultValue: t(`record.kind.${kind}`) }) : t(`record.kind.${kind}`)}
                          </Tag>
                          <Typography.Text strong className="yl-tl-title">{e.title}</Typography.Text>
                          {abnormal && <Tag color="red" icon={<WarningOutlined />} style={{ marginInlineEnd: 0 }}>{e.kind === 'allergy' ? t('record.criticality.high') : t('record.abnormal')}</Tag>}
                          {e.version > 1 && <Tag color="warning" style={{ marginInlineEnd: 0 }}>{t('record.correctedN', { n: e.version })}</Tag>}
                        </div>
                        {e.summary && <div className="yl-tl-summary">{e.summary}</div>}
                        <div><Tag className="yl-inst-tag" color="geekblue" bordered={false}>{e.institutionName ?? t('record.noInstitution')}</Tag></div>
                      </button>
                    );
                  })}
                </section>
              ))}
              {more && (
                <Button block loading={loading} onClick={() => void load(items.length)} style={{ marginTop: 8 }} icon={<DownOutlined />}>{t('record.loadMore')}</Button>
              )}
              {!more && items.length > 0 && <div className="yl-muted" style={{ textAlign: 'center', fontSize: 12, marginTop: 8 }}>{t('record.end', { count: items.length })}</div>}
            </div>
          )}
        </Spin>
      )}
    </div>
  );
}

/** 检验: the trend of one item on top, then the lab reports (newest open), each a table with ↑↓ and a trend link. */
function LabsPanel({ patientId, onOpenReport }: { patientId: string; onOpenReport: (reportId: string) => void }) {
  const { t, i18n } = useTranslation();
  const { data, loading, error } = useApiData<Page<Observation>>(`patients/${patientId}/observations`, { category: 'laboratory', limit: 500 });
  const reports = useApiData<Page<EntryVersion>>(`patients/${patientId}/reports`, { category: 'lab', limit: 500 });
  const obs = asPage(data).items;
  const names = useMemo(() => new Map(asPage(reports.data).items.map((r) => [entryIdOf(r), String(r.name)])), [reports.data]);
  const codes = useMemo(() => {
    const seen = new Map<string, { code: string; name: string; abnormal: boolean }>();
    for (const o of obs) {
      const c = seen.get(o.code) ?? { code: o.code, name: o.name, abnormal: false };
      c.abnormal ||= isAbnormal(o.flag);
      seen.set(o.code, c);
    }
    return [...seen.values()];
  }, [obs]);
  const groups = useMemo(() => {
    const m = new Map<string, Observation[]>();
    for (const o of obs) {
      const k = o.reportId ?? `t:${o.effectiveAt}|${o.institutionId ?? ''}`;
      m.set(k, [...(m.get(k) ?? []), o]);
    }
    return [...m.entries()].map(([key, items]) => ({
      key, items, at: items[0]!.effectiveAt, institutionName: items[0]!.institutionName, reportId: items[0]!.reportId ?? null,
      abnormal: items.filter((o) => isAbnormal(o.flag)),
    })).sort((a, b) => b.at.localeCompare(a.at));
  }, [obs]);
  const [code, setCode] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState<string[] | null>(null);
  const shown = code ?? codes.find((c) => c.abnormal)?.code ?? codes[0]?.code;

  if (error) return <Alert type="error" showIcon title={error.text(i18n.language)} />;
  if (loading && !data) return <Skeleton active />;
  if (!obs.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.lab.none')} />;
  return (
    <div className="yl-card-list">
      <Card size="small" title={t('record.lab.trend')} extra={(
        <Select size="small" style={{ width: 180 }} value={shown} onChange={setCode} showSearch={{ optionFilterProp: 'label' }}
          options={codes.map((c) => ({ value: c.code, label: `${c.name}${c.abnormal ? ' ⚠' : ''}` }))} aria-label={t('record.lab.chooseItem')} />
      )}>
        {shown && <LabTrend key={shown} patientId={patientId} code={shown} />}
      </Card>
      <Collapse size="small" activeKey={open ?? groups.slice(0, 1).map((g) => g.key)} onChange={(k) => setOpen(k as string[])}
        items={groups.map((g) => ({
          key: g.key,
          label: (
            <div className="yl-lab-head">
              <Typography.Text strong>{(g.reportId && names.get(g.reportId)) || t('record.lab.report')}</Typography.Text>
              <span className="yl-muted" style={{ fontSize: 12 }}>{fmtMinute(g.at)}</span>
              <Tag className="yl-inst-tag" color="geekblue" bordered={false} style={{ marginTop: 0 }}>{g.institutionName ?? t('record.noInstitution')}</Tag>
              {g.abnormal.length > 0
                ? <Tag color="red" icon={<WarningOutlined />}>{t('record.lab.nAbnormal', { count: g.abnormal.length })}</Tag>
                : <Tag color="success">{t('record.lab.allNormal')}</Tag>}
            </div>
          ),
          extra: g.reportId ? <Button size="small" type="link" onClick={(e) => { e.stopPropagation(); onOpenReport(g.reportId!); }}>{t('record.details')}</Button> : undefined,
          children: <LabTable items={g.items} onTrend={setCode} />,
        }))} />
    </div>
  );
}

/** 文书: documents with their attachments. */
function DocumentsPanel({ patientId, onOpen }: { patientId: string; onOpen: (e: EntryVersion) => void }) {
  const { t, i18n } = useTranslation();
  const { data, loading, error } = useApiData<Page<EntryVersion>>(`patients/${patientId}/documents`, { limit: 100 });
  const docs = asPage(data).items;
  if (error) return <Alert type="error" showIcon title={error.text(i18n.language)} />;
  if (loading && !data) return <Skeleton active />;
  if (!docs.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.noDocuments')} />;
  return (
    <div className="yl-card-list">
      {docs.map((d) => (
        <Card key={d.id} size="small" title={(
          <Typography.Link onClick={() => onOpen(d)} ellipsis style={{ maxWidth: '100%' }}><FileTextOutlined /> {String(d.title)}</Typography.Link>
        )} extra={<Tag color="gold" style={{ marginInlineEnd: 0 }}>{t(`record.docKind.${String(d.kind)}`, { defaultValue: String(d.kind) })}</Tag>}>
          <div style={{ marginBottom: 8 }}>
            <Tag className="yl-inst-tag" color="geekblue" bordered={false}>{d.institutionName ?? ''}</Tag>
            <span className="yl-muted" style={{ fontSize: 12 }}>{fmtMinute(String(d.authoredAt ?? ''))}</span>
          </div>
          {typeof d.text === 'string' && d.text && <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ fontSize: 13 }}>{d.text}</Typography.Paragraph>}
          <Attachments documentId={entryIdOf(d)} items={d.attachments as never} />
        </Card>
      ))}
    </div>
  );
}

/** The record itself, for someone allowed to read it. */
export function RecordBody({ patientId, self = false }: { patientId: string; self?: boolean }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const [tab, setTab] = useState('timeline');
  const [version, setVersion] = useState(0);
  const [open, setOpen] = useState<{ kind: EntryKind; id: string } | null>(null);
  const [form, setForm] = useState<{ kind: FormKind; entry: EntryVersion | null } | null>(null);
  const mayWrite = !self && can('record.write');
  const changed = () => setVersion((v) => v + 1);

  const add = mayWrite && (
    <Dropdown trigger={['click']} menu={{
      items: FORM_KINDS.map((k) => ({ key: k, label: t(`record.formKind.${k}`) })),
      onClick: ({ key }) => setForm({ kind: key as FormKind, entry: null }),
    }}>
      <Button type="primary" icon={<PlusOutlined />}>{t('record.add')} <DownOutlined /></Button>
    </Dropdown>
  );

  return (
    <div>
      <AllergyStrip key={version} patientId={patientId} onOpen={(a) => setOpen({ kind: 'allergy', id: entryIdOf(a) })} />
      <Tabs activeKey={tab} onChange={setTab} tabBarExtraContent={mobile ? undefined : add || undefined} items={[
        { key: 'timeline', label: t('record.tabs.timeline'), children: <Timeline patientId={patientId} version={version} onOpen={(e) => setOpen({ kind: e.kind, id: entryIdOf(e) })} /> },
        { key: 'labs', label: t('record.tabs.labs'), children: <LabsPanel key={version} patientId={patientId} onOpenReport={(id) => setOpen({ kind: 'report', id })} /> },
        { key: 'documents', label: t('record.tabs.documents'), children: <DocumentsPanel key={version} patientId={patientId} onOpen={(d) => setOpen({ kind: 'document', id: entryIdOf(d) })} /> },
      ]} />
      {mobile && add && <div className="yl-fab">{add}</div>}
      {mobile && add && <div style={{ height: 56 }} />}
      <EntryDrawer patientId={patientId} kind={open?.kind ?? null} entryId={open?.id ?? null} onClose={() => setOpen(null)}
        onCorrect={mayWrite ? (kind, entry) => setForm({ kind, entry }) : undefined} />
      <EntryFormDrawer patientId={patientId} kind={form?.kind ?? null} entry={form?.entry ?? null} onClose={() => setForm(null)}
        onSaved={() => { setForm(null); setOpen(null); changed(); }} />
    </div>
  );
}

/** The access check first, then the record (or the ways in). */
export function RecordView({ patientId, self = false }: { patientId: string; self?: boolean }) {
  const { i18n } = useTranslation();
  const access = useRecordAccess(patientId);
  if (access.error) return <Result status={access.error.status === 404 ? '404' : 'error'} title={access.error.text(i18n.language)} />;
  if (!access.data) return <Skeleton active paragraph={{ rows: 6 }} />;
  if (!access.data.allowed) return <AccessDenied patientId={patientId} access={access.data} onGranted={access.reload} />;
  return (
    <div>
      {!self && <AccessBanner access={access.data} />}
      <RecordBody key={access.data.via ?? ''} patientId={patientId} self={self} />
    </div>
  );
}
