/**
 * The record excerpts a referral or consultation shares: the patient's latest timeline entries as checkboxes, bound to
 * the form field `shared` (values `kind:id`). Used by the referral and consultation request pages.
 */
import { Checkbox, Empty, Form, Spin, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { asPage, type Page } from '../../api';
import { useApiData } from '../../hooks';
import type { TimelineEntry } from './model';

export function ExcerptPicker({ patientId, choosePatientFirst, noTimeline, withSummary = false }: {
  patientId: string | undefined; choosePatientFirst: string; noTimeline: string; withSummary?: boolean;
}) {
  const { t } = useTranslation();
  const timeline = useApiData<Page<TimelineEntry>>(patientId ? `patients/${patientId}/timeline` : null, { limit: 40 });
  const entries = asPage(timeline.data).items;
  if (!patientId) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={choosePatientFirst} />;
  if (timeline.loading) return <Spin />;
  if (!entries.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={noTimeline} />;
  return (
    <Form.Item name="shared" noStyle>
      <Checkbox.Group style={{ display: 'flex', flexDirection: 'column', gap: 6, maxHeight: 280, overflowY: 'auto' }}>
        {entries.map((e) => (
          <Checkbox key={`${e.kind}:${e.id}`} value={`${e.kind}:${e.id}`}>
            <Tag style={{ marginInlineEnd: 4 }}>{t(`record.kind.${e.kind}`, { defaultValue: e.kind })}</Tag>
            <b>{e.title}</b> <span className="yl-muted" style={{ fontSize: 12 }}>{e.at?.slice(0, 10)} {e.institutionName ?? ''}</span>
            {withSummary && e.summary && <div className="yl-muted" style={{ fontSize: 12 }}>{e.summary}</div>}
          </Checkbox>
        ))}
      </Checkbox.Group>
    </Form.Item>
  );
}
