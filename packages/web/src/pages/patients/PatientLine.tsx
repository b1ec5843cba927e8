/** A patient summary as a compact card body (phones): name, sex, birth date, masked numbers, why alike. */
import { Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PatientSummary } from '../../types';
import { ageText, DuplicateReasons, sexText } from './format';

export function PatientLine({ p, action, onName }: { p: PatientSummary; action?: ReactNode; onName?: () => void }) {
  const { t } = useTranslation();
  return (
    <div>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8 }}>
        <span>
          {onName ? <Typography.Link strong onClick={onName}>{p.name}</Typography.Link> : <Typography.Text strong>{p.name}</Typography.Text>}
          <span className="yl-muted"> {sexText(t, p.sex)} · {p.birthDate ?? ageText(t, p.age)}</span>
        </span>
        {action}
      </div>
      <div style={{ fontSize: 13 }}>
        {p.residentIdMasked ? <span className="yl-mono">{p.residentIdMasked}</span> : <span className="yl-muted">{t('patient.noResidentId')}</span>}
        {p.phoneMasked && <span className="yl-mono"> · {p.phoneMasked}</span>}
      </div>
      {!!p.reasons?.length && <div style={{ marginTop: 4 }}><DuplicateReasons reasons={p.reasons} t={t} /></div>}
    </div>
  );
}
