/** Selects that search the directory as you type: institutions, departments, practitioners, consortia. */
import { Select, type SelectProps } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { asPage, get, type Page } from '../api';
import type { Consortium, Department, Institution, PatientSummary, Practitioner } from '../types';

type Option = { value: string; label: string };

export interface RemoteProps<T> extends Omit<SelectProps<string | string[]>, 'options' | 'showSearch' | 'loading'> {
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  toOption: (item: T) => Option;
  /** Options to show for values already chosen (e.g. when editing) before a search has found them. */
  known?: Option[];
  /** The endpoint takes `q` and `limit`; otherwise the whole list is loaded once and filtered here. */
  serverSearch?: boolean;
  /** Ask only once something is typed (patients: no list of everyone, and every search is audited). */
  searchOnly?: boolean;
  /** The endpoint takes no `limit` (it answers its whole, short list). */
  noLimit?: boolean;
}

export function RemoteSelect<T>({ path, query, toOption, known = [], serverSearch = true, searchOnly = false, noLimit = false, ...rest }: RemoteProps<T>) {
  const [options, setOptions] = useState<Option[]>([]);
  const [loading, setLoading] = useState(false);
  const [typed, setQ] = useState('');
  const q = serverSearch ? typed : '';
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const queryKey = JSON.stringify(query ?? {});

  useEffect(() => {
    const ctrl = new AbortController();
    clearTimeout(timer.current);
    if (searchOnly && !q.trim()) { setOptions([]); return; }
    timer.current = setTimeout(() => {
      setLoading(true);
      const limit = noLimit ? undefined : serverSearch ? 100 : 500;
      const extra = serverSearch ? { q: q || undefined, limit } : { limit };
      get<Page<T> | T[]>(path, { ...(JSON.parse(queryKey) as object), ...extra }, ctrl.signal)
        .then((d) => setOptions(asPage(d).items.map(toOption)))
        .catch(() => { /* the field stays usable with the known options */ })
        .finally(() => { if (!ctrl.signal.aborted) setLoading(false); });
    }, q ? 250 : 0);
    return () => { ctrl.abort(); clearTimeout(timer.current); };
    // toOption is a render-time closure; the list only depends on what is asked.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, queryKey, q, serverSearch, searchOnly, noLimit]);

  const merged = useMemo(() => {
    const seen = new Set(options.map((o) => o.value));
    return [...options, ...known.filter((o) => !seen.has(o.value))];
  }, [options, known]);

  return (
    <Select
      {...rest}
      options={merged}
      loading={loading}
      showSearch={serverSearch ? { filterOption: false, onSearch: setQ } : { optionFilterProp: 'label' }}
      notFoundContent={searchOnly && !q.trim() ? null : undefined}
      onOpenChange={(open) => { if (!open) setQ(''); }}
    />
  );
}

type Pick<P> = Omit<P, 'path' | 'toOption'>;

export function InstitutionSelect(props: Pick<RemoteProps<Institution>>) {
  const { t } = useTranslation();
  return <RemoteSelect<Institution> placeholder={t('directory.chooseInstitution')} {...props} path="institutions"
    toOption={(i) => ({ value: i.id, label: i.name })} />;
}

export function ConsortiumSelect(props: Pick<RemoteProps<Consortium>>) {
  const { t } = useTranslation();
  return <RemoteSelect<Consortium> placeholder={t('directory.chooseConsortium')} {...props} path="consortia" serverSearch={false}
    toOption={(c) => ({ value: c.id, label: c.name })} />;
}

export function DepartmentSelect({ institutionId, ...props }: Pick<RemoteProps<Department>> & { institutionId?: string | null }) {
  const { t } = useTranslation();
  return <RemoteSelect<Department> placeholder={t('directory.chooseDepartment')} {...props} path="departments" serverSearch={false}
    query={{ ...props.query, institutionId: institutionId ?? undefined }} disabled={props.disabled || !institutionId}
    toOption={(d) => ({ value: d.id, label: d.name })} />;
}

export function PractitionerSelect(props: Pick<RemoteProps<Practitioner>> & { describe?: (p: Practitioner) => string }) {
  const { t } = useTranslation();
  const { describe, ...rest } = props;
  return <RemoteSelect<Practitioner> placeholder={t('directory.searchPractitioner')} {...rest} path="practitioners"
    toOption={(p) => ({ value: p.id, label: describe ? describe(p) : p.name })} />;
}

/** Patients found by name, pinyin, resident ID or mobile (masked), asked only once something is typed. */
export function PatientSelect(props: Pick<RemoteProps<PatientSummary>> & { describe: (p: PatientSummary) => string }) {
  const { describe, ...rest } = props;
  return <RemoteSelect<PatientSummary> {...rest} path="patients" searchOnly toOption={(p) => ({ value: p.id, label: describe(p) })} />;
}
