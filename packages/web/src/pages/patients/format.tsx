/** How patients read in lists: sex, age, masked numbers, status. */
import { Tag } from 'antd';
import type { TFunction } from 'i18next';

export const sexText = (t: TFunction, sex: string | null | undefined) => (sex ? t(`common.${sex}`) : '—');
export const ageText = (t: TFunction, age: number | null | undefined) => (age === null || age === undefined ? '—' : t('patient.ageN', { count: age }));

/** Age in full years on `today` from a YYYY-MM-DD birth date. */
export function ageFrom(birthDate: string | null | undefined, today = new Date()): number | null {
  if (!birthDate) return null;
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age -= 1;
  return age;
}

export function PatientStatusTag({ status, t }: { status: string; t: TFunction }) {
  if (status === 'active' || !status) return null;
  return <Tag color={status === 'merged' ? 'orange' : 'default'}>{t(`patient.status.${status}`, { defaultValue: status })}</Tag>;
}

/** Why a candidate looks like the same person (同名同生日同性别, 同手机号 …). */
export function DuplicateReasons({ reasons, t }: { reasons?: string[]; t: TFunction }) {
  if (!reasons?.length) return null;
  return <>{reasons.map((r) => <Tag key={r} color="orange" style={{ marginBottom: 2 }}>{t(`patient.dupReason.${r}`, { defaultValue: r })}</Tag>)}</>;
}
