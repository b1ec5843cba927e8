/** The records that look like the one being created (409 likely_duplicate): open one, or create anyway. */
import { Button, Modal, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { PatientSummary } from '../../types';
import { ageText, sexText } from './format';

export function DuplicateCandidates({ candidates, open, busy, onOpenRecord, onCreateAnyway, onClose }: {
  candidates: PatientSummary[]; open: boolean; busy: boolean;
  onOpenRecord: (id: string) => void; onCreateAnyway: () => void; onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} width={760} title={t('patient.likelyDuplicateTitle')}
      footer={<Space wrap style={{ justifyContent: 'flex-end' }}>
        <Button onClick={onClose}>{t('patient.backToForm')}</Button>
        <Button danger loading={busy} onClick={onCreateAnyway}>{t('patient.createAnyway')}</Button>
      </Space>}>
      <Typography.Paragraph type="secondary">{t('patient.likelyDuplicateHelp')}</Typography.Paragraph>
      <Table<PatientSummary>
        size="small" rowKey="id" dataSource={candidates} pagination={false} scroll={{ x: 'max-content' }}
        columns={[
          { title: t('patient.name'), dataIndex: 'name' },
          { title: t('common.sex'), dataIndex: 'sex', render: (s: string | null) => sexText(t, s) },
          { title: t('patient.birthDate'), dataIndex: 'birthDate', className: 'yl-nowrap', render: (v: string | null, p) => v ?? ageText(t, p.age) },
          { title: t('patient.residentId'), dataIndex: 'residentIdMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
          { title: t('patient.phone'), dataIndex: 'phoneMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
          { title: '', key: 'open', render: (_, p) => <Button size="small" type="primary" ghost onClick={() => onOpenRecord(p.id)}>{t('patient.openRecord')}</Button> },
        ]}
      />
    </Modal>
  );
}
