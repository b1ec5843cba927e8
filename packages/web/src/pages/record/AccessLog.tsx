/** 谁看过我的档案: who read or changed the record, from which institution, when and why; break-glass in red. */
import { AlertOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, asPage, get, type Page } from '../../api';
import { fmtMinute } from './model';

export interface AccessLogEntry {
  at: string; seq?: number; user?: { id: string | null; username: string | null; displayName: string | null } | null;
  role?: string | null; roleLabel?: { zh: string; en: string } | null; institutionId?: string | null; institutionName?: string | null; action: string; via?: string | null;
  reason?: string | null; breakGlass?: boolean; kind?: string | null; outcome?: string;
}

const PAGE = 30;

export function AccessLog({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<AccessLogEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);

  const load = async (offset: number, signal?: AbortSignal) => {
    setLoading(true);
    try {
      const page = asPage(await get<Page<AccessLogEntry>>(`patients/${patientId}/access-log`, { limit: PAGE, offset }, signal));
      setItems((prev) => (offset ? [...prev, ...page.items] : page.items));
      setTotal(page.total);
      setError(null);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e), String(e)));
    } finally { if (!signal?.aborted) setLoading(false); }
  };
  useEffect(() => {
    const ctrl = new AbortController();
    void load(0, ctrl.signal);
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [patientId]);

  /** record.read → 查看; record.condition.create → 新增 + 诊断; anything else by the audit log's own labels. */
  const actionOf = (action: string): { label: string; kind: string | null } => {
    const m = /^record\.(encounter|condition|allergy|medication|report|observation|document)\.(create|correct)$/.exec(action);
    if (m) return { label: t(`record.log.action.record_${m[2] === 'create' ? 'write' : 'correct'}`), kind: m[1]! };
    const key = action.replaceAll('.', '_');
    return { label: t(`record.log.action.${key}`, { defaultValue: t(`audit.actions.${key}`, { defaultValue: action }) }), kind: null };
  };

  if (error && !items.length) return <Alert type="error" showIcon title={error.text(i18n.language)} />;
  return (
    <div>
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('record.log.intro')}</Typography.Paragraph>
      <Spin spinning={loading && !items.length}>
        {!items.length && !loading ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.log.none')} /> : (
          <div className="yl-log">
            {items.map((e, i) => {
              const bg = e.breakGlass || e.via === 'break_glass';
              const who = e.user?.displayName ?? e.user?.username ?? t('record.log.unknownUser');
              const { label, kind } = actionOf(e.action);
              return (
                <div key={e.seq ?? i} className={`yl-log-row${bg ? ' bg' : ''}`}>
                  <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'baseline', flexWrap: 'wrap' }}>
                    <span><Typography.Text strong>{who}</Typography.Text>
                      {e.roleLabel && <span className="yl-muted"> · {i18n.language.startsWith('en') ? e.roleLabel.en : e.roleLabel.zh}</span>}
                      {e.institutionName && <span className="yl-muted"> · {e.institutionName}</span>}</span>
                    <span className="yl-muted" style={{ fontSize: 12 }}>{fmtMinute(e.at)}</span>
                  </div>
                  <div style={{ marginTop: 2 }}>
                    <Tag color={e.action.endsWith('.read') ? 'blue' : 'purple'}>{label}</Tag>
                    {(e.kind ?? kind) && <Tag>{t(`record.kind.${e.kind ?? kind}`, { defaultValue: e.kind ?? kind })}</Tag>}
                    {bg ? <Tag color="red" icon={<AlertOutlined />}>{t('record.log.via.break_glass')}</Tag>
                      : e.via ? <Tag>{t(`record.log.via.${e.via}`, { defaultValue: e.via })}</Tag> : null}
                    {e.outcome === 'denied' && <Tag color="default">{t('record.log.denied')}</Tag>}
                  </div>
                  {e.reason && <div className={bg ? 'yl-log-reason bg' : 'yl-log-reason'}>{t('common.reasonLine', { reason: e.reason })}</div>}
                </div>
              );
            })}
            {items.length < total && <Button block loading={loading} onClick={() => void load(items.length)}>{t('record.loadMore')}</Button>}
          </div>
        )}
      </Spin>
    </div>
  );
}
