/**
 * Choosing people to talk to. Account administrators search accounts (GET /users?q); everyone else searches the
 * practitioner directory (GET /practitioners?q), which names the account of a practitioner when the server gives
 * `userId`. People one already shares a thread with are offered before anything is typed.
 */
import { Select, Typography } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api';
import { useAuth, useMe } from '../auth';
import { useInbox } from './inbox';

export interface PickedUser { value: string; label: string; hint?: string; disabled?: boolean }

interface UserRow { id: string; displayName: string; username: string; active?: boolean; roles?: { institutionName?: string | null }[] }
interface PractitionerRow {
  id: string; name: string; title?: string; userId?: string | null; accountId?: string | null;
  user?: { id: string } | null; roles?: { institutionName?: string | null; departmentName?: string | null }[];
}

export function UserPicker({ value, onChange, exclude = [], multiple }: {
  value?: string[]; onChange?: (ids: string[], picked: PickedUser[]) => void; exclude?: string[]; multiple?: boolean;
}) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const me = useMe();
  const { threads } = useInbox();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<PickedUser[]>([]);
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const accounts = can('user.manage');
  const directory = can('directory.read');

  const contacts = useMemo(() => {
    const seen = new Map<string, PickedUser>();
    for (const th of threads) for (const p of th.participants)
      if (p.userId !== me.userId && !seen.has(p.userId)) seen.set(p.userId, { value: p.userId, label: p.displayName || p.userId, hint: t('messages.recentContact') });
    return [...seen.values()];
  }, [threads, me.userId, t]);

  useEffect(() => {
    clearTimeout(timer.current);
    const ctrl = new AbortController();
    if (!q.trim() || (!accounts && !directory)) { setFound([]); return; }
    timer.current = setTimeout(() => {
      setLoading(true);
      const search = accounts
        ? get<{ items: UserRow[] }>('users', { q: q.trim(), limit: 30 }, ctrl.signal).then((d) => (d.items ?? [])
          .filter((u) => u.active !== false && u.id !== me.userId)
          .map((u) => ({ value: u.id, label: u.displayName, hint: [u.username, u.roles?.[0]?.institutionName].filter(Boolean).join(' · ') })))
        : get<{ items: PractitionerRow[] }>('practitioners', { q: q.trim(), limit: 30, active: true }, ctrl.signal).then((d) => (d.items ?? [])
          .map((p) => {
            const userId = p.userId ?? p.accountId ?? p.user?.id ?? null;
            const where = p.roles?.[0] ? [p.roles[0].institutionName, p.roles[0].departmentName].filter(Boolean).join(' ') : '';
            return { value: userId ?? `practitioner:${p.id}`, label: p.name, hint: userId ? [p.title, where].filter(Boolean).join(' · ') : t('messages.noAccount'), disabled: !userId };
          })
          .filter((o) => o.value !== me.userId));
      search.then(setFound).catch(() => setFound([])).finally(() => { if (!ctrl.signal.aborted) setLoading(false); });
    }, 250);
    return () => { ctrl.abort(); clearTimeout(timer.current); };
  }, [q, accounts, directory, me.userId, t]);

  const options = useMemo(() => {
    // While typing: the people one already talks with who match, then what the search found.
    const needle = q.trim().toLowerCase();
    const mine = needle ? contacts.filter((c) => c.label.toLowerCase().includes(needle)) : contacts;
    const list = needle ? [...mine, ...found.filter((f) => !mine.some((m) => m.value === f.value))] : contacts;
    const known = new Map<string, PickedUser>([...contacts, ...found].map((o) => [o.value, o]));
    const chosen = (value ?? []).map((v) => known.get(v)).filter((o): o is PickedUser => !!o && !list.some((l) => l.value === o.value));
    return [...list, ...chosen].filter((o) => !exclude.includes(o.value));
  }, [q, found, contacts, value, exclude]);

  return (
    <Select<string[]>
      mode={multiple ? 'multiple' : undefined}
      value={multiple ? value : (value?.[0] as unknown as string[])}
      onChange={(v) => {
        const ids = (Array.isArray(v) ? v : v ? [v as unknown as string] : []);
        const known = new Map<string, PickedUser>([...contacts, ...found].map((o) => [o.value, o]));
        onChange?.(ids, ids.map((id) => known.get(id)).filter((o): o is PickedUser => !!o));
      }}
      showSearch={{ filterOption: false, onSearch: setQ }}
      onOpenChange={(open) => { if (!open) setQ(''); }}
      loading={loading}
      placeholder={accounts ? t('messages.searchUsers') : t('messages.searchPractitioners')}
      notFoundContent={q.trim() ? t('messages.nobodyFound') : t('messages.typeToSearch')}
      options={options.map((o) => ({ value: o.value, label: o.label, disabled: o.disabled, hint: o.hint }))}
      optionRender={(o) => (
        <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, minWidth: 0 }}>
          <span className="yl-ellipsis">{o.label}</span>
          {o.data.hint && <Typography.Text type="secondary" style={{ fontSize: 12, flex: 'none', maxWidth: '60%' }} ellipsis>{o.data.hint}</Typography.Text>}
        </div>
      )}
      style={{ width: '100%' }}
    />
  );
}
