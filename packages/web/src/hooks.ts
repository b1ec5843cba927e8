/** Small hooks shared by the pages: screen size, loading API data, showing API errors. */
import { App, Grid, type FormInstance } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get } from './api';
import { useAuth } from './auth';

/** Phone-sized screen (below antd's md breakpoint, 768 px). */
export function useIsMobile(): boolean {
  const screens = Grid.useBreakpoint();
  if (screens.md === undefined) return typeof window !== 'undefined' && window.innerWidth < 768;
  return !screens.md;
}

type Query = Record<string, string | number | boolean | null | undefined>;
type FieldDetail = { field: string; zh?: string; en?: string };

/**
 * GET `path` (null: do not load) and keep the answer; reloads when the path, the query or the active role changes.
 */
export function useApiData<T>(path: string | null, query?: Query) {
  const { roleVersion } = useAuth();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(query ?? {});

  useEffect(() => {
    if (path === null) { setLoading(false); return; }
    const ctrl = new AbortController();
    setLoading(true);
    get<T>(path, JSON.parse(key) as Query, ctrl.signal)
      .then((d) => { setData(d); setError(null); })
      .catch((e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e), String(e)));
      })
      .finally(() => { if (!ctrl.signal.aborted) setLoading(false); });
    return () => ctrl.abort();
  }, [path, key, tick, roleVersion]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, setData };
}

/**
 * Shows an API error where the user looks: on the form field the server named, otherwise as a message.
 * Returns true when the error was an ApiError.
 */
export function useErrorReporter() {
  const { message } = App.useApp();
  const { i18n, t } = useTranslation();
  return useCallback((err: unknown, form?: FormInstance, fieldMap: Record<string, string> = {}) => {
    if (err instanceof ApiError) {
      const text = err.text(i18n.language);
      if (form) {
        const values = { ...form.getFieldsValue(true), ...form.getFieldsValue() } as Record<string, unknown>;
        const toName = (field: string) => (fieldMap[field] ?? field).split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        const onForm = (name: (string | number)[]) => typeof name[0] === 'string' && name[0] in values;
        // A validation error names every field at fault in `details`: put each message on its field.
        const en = i18n.language.startsWith('en');
        const listed = (Array.isArray(err.details) ? err.details as unknown[] : [])
          .filter((d): d is FieldDetail => !!d && typeof d === 'object' && typeof (d as FieldDetail).field === 'string')
          .map((d) => ({ name: toName(d.field), errors: [(en ? d.en : d.zh) || text] }))
          .filter((f) => onForm(f.name));
        if (listed.length) {
          form.setFields(listed);
          form.scrollToField(listed[0]!.name);
          return true;
        }
        if (err.field && onForm(toName(err.field))) {
          form.setFields([{ name: toName(err.field), errors: [text] }]);
          form.scrollToField(toName(err.field));
          return true;
        }
      }
      void message.error(text);
      return true;
    }
    if ((err as Error)?.name === 'AbortError') return false;
    void message.error(t('common.unexpectedError'));
    console.error(err);
    return false;
  }, [message, i18n, t]);
}

/** Keeps the latest value of something in a ref (for callbacks that must not re-subscribe). */
export function useLatest<T>(value: T) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}
