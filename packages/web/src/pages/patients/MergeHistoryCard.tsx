/** Merge history of a patient, newest first; a merge that is not yet undone can be undone. */
import { App, Button, Card, Popconfirm, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { asPage, post, type Page } from '../../api';
import { useAuth } from '../../auth';
import { useApiData, useErrorReporter } from '../../hooks';
import { fmtTime } from '../../format';
import type { Merge } from '../../types';


export function MergeHistoryCard({ patientId, onUndone }: { patientId: string; onUndone: () => void }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const { data, loading, error, reload } = useApiData<Page<Merge> | Merge[]>('patients/merges', { patientId });
  const items = asPage(data).items;
  if (error?.status === 403) return null;

  const undo = async (m: Merge) => {
    try {
      await post(`patients/merges/${m.id}/undo`);
      void message.success(t('patient.undone'));
      reload();
      onUndone();
    } catch (e) { report(e); }
  };
  const name = (id: string, n?: string) => <Link to={`/patients/${id}`}>{n ?? id.slice(0, 8)}</Link>;

  return (
    <Card title={t('patient.mergeHistory')} loading={loading && !data}>
      {!items.length ? <Typography.Text type="secondary">{t('patient.noMerges')}</Typography.Text> : (
        <Timeline items={items.map((m) => {
          const undone = !!m.undoneAt;
          return {
            color: undone ? 'gray' : 'orange',
            content: (
              <div>
                <div>{t('patient.mergeLine.before')}{name(m.mergedId, m.mergedName)}{t('patient.mergeLine.middle')}{name(m.survivorId, m.survivorName)}{t('patient.mergeLine.after')}
                  {undone && <Tag style={{ marginInlineStart: 8 }}>{t('patient.undoneTag')}</Tag>}</div>
                {undone && <div className="yl-muted" style={{ fontSize: 13 }}>{t('patient.undoneLine', { time: fmtTime(m.undoneAt), user: m.undoneBy?.username ?? '' })}</div>}
                <div className="yl-muted" style={{ fontSize: 13 }}>
                  {fmtTime(m.mergedAt)}{m.mergedBy?.username ? ` · ${m.mergedBy.username}` : ''} · {t('common.reasonLine', { reason: m.reason })}
                </div>
                {!undone && can('patient.merge') && (
                  <Popconfirm title={t('patient.confirmUndo')} onConfirm={() => undo(m)}>
                    <Button size="small" type="link" style={{ paddingInline: 0 }}>{t('patient.undoMerge')}</Button>
                  </Popconfirm>
                )}
              </div>
            ),
          };
        })} />
      )}
    </Card>
  );
}
