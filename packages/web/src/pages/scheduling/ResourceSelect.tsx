/** The bookable resources of an institution (doctor clinics, exam machines, beds) as a searchable Select. */
import { Select, type SelectProps } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiData } from '../../hooks';
import type { Resource } from './model';

export function resourceLabel(t: (k: string) => string, r: Resource) {
  const kind = r.kind === 'exam' && r.examType ? r.examType : t(`sched.kind.${r.kind}`);
  return `${r.name}（${kind}）`;
}

/** Loads the resources of `institutionId` (all visible ones when null) and hands them up as they arrive. */
export function useResources(institutionId: string | null | undefined, enabled = true) {
  return useApiData<{ items: Resource[] }>(enabled ? 'scheduling/resources' : null, { institutionId: institutionId ?? undefined, limit: 500 });
}

export function ResourceSelect({ resources, loading, ...rest }: Omit<SelectProps<string>, 'options'> & { resources: Resource[] | undefined; loading?: boolean }) {
  const { t } = useTranslation();
  return (
    <Select<string> placeholder={t('sched.chooseResource')} loading={loading} showSearch={{ optionFilterProp: 'label' }} popupMatchSelectWidth={false}
      options={(resources ?? []).map((r) => ({ value: r.id, label: resourceLabel(t, r) }))} {...rest} />
  );
}
