/** The active role and institution; a Select to switch when the user holds several. */
import { ROLE_LABELS } from '@yilian/core';
import { Select, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth, useMe } from '../auth';
import { useErrorReporter } from '../hooks';
import { useLabels } from '../labels';
import type { RoleGrant } from '../types';

export function useRoleText() {
  const { label } = useLabels();
  // A role held without an institution (patient, regulator) is named by the role alone.
  return (r: RoleGrant) => (r.institutionName ? `${label(ROLE_LABELS, r.role)} · ${r.institutionName}` : label(ROLE_LABELS, r.role));
}

export function RoleSwitcher({ block = false }: { block?: boolean }) {
  const me = useMe();
  const { switchRole } = useAuth();
  const { t } = useTranslation();
  const report = useErrorReporter();
  const roleText = useRoleText();
  const [busy, setBusy] = useState(false);

  if (me.roles.length <= 1)
    return <Tag color="blue" style={{ marginInlineEnd: 0, maxWidth: '100%', overflow: 'hidden', textOverflow: 'ellipsis' }}>{roleText(me.role)}</Tag>;

  return (
    <div style={{ display: 'flex', flexDirection: block ? 'column' : 'row', alignItems: block ? 'stretch' : 'center', gap: 6, minWidth: 0 }}>
      {block && <Typography.Text style={{ color: 'rgba(255,255,255,0.65)', fontSize: 12 }}>{t('layout.switchRole')}</Typography.Text>}
      <Select
        aria-label={t('layout.switchRole')}
        value={me.role.id}
        loading={busy}
        disabled={busy}
        style={{ width: block ? '100%' : 300, maxWidth: '100%' }}
        popupMatchSelectWidth={false}
        options={me.roles.map((r) => ({ value: r.id, label: roleText(r) }))}
        onChange={async (roleId: string) => {
          setBusy(true);
          try { await switchRole(roleId); } catch (e) { report(e); } finally { setBusy(false); }
        }}
      />
    </div>
  );
}
