/** The records that look like the one being created (409 likely_duplicate): open one, or create anyway. */
import { Button, Modal, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { PatientSummary } from '../../types';
import { DataList } from '../../components/DataList';
import { ageText, DuplicateReasons, sexText } from './format';
import { PatientLine } from './PatientLine';

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
      <DataList<PatientSummary>
        rowKey={(p) => p.id} data={candidates}
        renderCard={(p) => <PatientLine p={p} action={<Button size="small" type="primary" ghost onClick={() => onOpenRecord(p.id)}>{t('patient.openRecord')}</Button>} />}
        columns={[
          { title: t('patient.name'), dataIndex: 'name' },
          { title: t('common.sex'), dataIndex: 'sex', render: (s: string | null) => sexText(t, s) },
          { title: t('patient.birthDate'), dataIndex: 'birthDate', className: 'yl-nowrap', render: (v: string | null, p) => v ?? ageText(t, p.age) },
          { title: t('patient.residentId'), dataIndex: 'residentIdMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
          { title: t('patient.phone'), dataIndex: 'phoneMasked', render: (v: string | null) => <span className="yl-mono">{v ?? '—'}</span> },
          { title: t('patient.whyAlike'), dataIndex: 'reasons', render: (r?: string[]) => <DuplicateReasons reasons={r} t={t} /> },
          { title: '', key: 'open', render: (_, p) => <Button size="small" type="primary" ghost onClick={() => onOpenRecord(p.id)}>{t('patient.openRecord')}</Button> },
        ]}
      />
    </Modal>
  );
}
