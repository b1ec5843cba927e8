/** What the active role may grant (role + institution), the fields of one grant, and how a grant reads as a tag. */
import { ROLE_LABELS, type Role } from '@yilian/core';
import { Col, Form, Row, Select, Tag } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth, useMe } from '../../auth';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useLabels } from '../../labels';
import type { RoleGrant } from '../../types';

/** Roles that reach beyond one institution: only the consortium office hands them out. */
const CONSORTIUM_WIDE: Role[] = ['consortium_admin', 'regulator'];
/** Roles that may be held without an institution (the server asks one of every other role). */
const WITHOUT_INSTITUTION: Role[] = ['patient', 'regulator'];
export const needsInstitution = (role: Role | undefined) => !!role && !WITHOUT_INSTITUTION.includes(role);

const ROLE_COLORS: Partial<Record<Role, string>> = {
  consortium_admin: 'gold', institution_admin: 'blue', regulator: 'purple', patient: 'green',
};

export function useGrantRules() {
  const me = useMe();
  const { can } = useAuth();
  const { label, options } = useLabels();
  // The consortium office manages every account; an institution admin the accounts of its own institution.
  const anyInstitution = can('user.manage', '__other__');
  const ownInstitution = me.role.institutionId ? { value: me.role.institutionId, label: me.role.institutionName ?? '' } : null;
  const roleOptions = options(ROLE_LABELS).filter((o) => anyInstitution || !CONSORTIUM_WIDE.includes(o.value as Role));
  return {
    anyInstitution, ownInstitution, roleOptions,
    /** Whether the active role may grant or revoke this one (the server checks it again). */
    mayGrant: (g: { role: Role; institutionId?: string | null }) =>
      anyInstitution || (!CONSORTIUM_WIDE.includes(g.role) && !!g.institutionId && g.institutionId === me.role.institutionId),
    /**
     * Whether the active role may act on the account as a whole (password, deactivation). The server lets an
     * institution admin act on any account with a role at its institution; an account that also holds a
     * consortium-wide role is left to the consortium office here, so no institution admin takes it over.
     */
    mayManage: (roles: { role: Role }[]) => anyInstitution || !roles.some((g) => CONSORTIUM_WIDE.includes(g.role)),
    roleLabel: (r: Role) => label(ROLE_LABELS, r),
    /** A new grant starts at the admin's own institution. */
    blank: (): { role?: Role; institutionId?: string | null } => ({ role: 'doctor', institutionId: ownInstitution?.value ?? null }),
  };
}

/** A role as a tag: 医生 · 湖州市人民医院. */
export function GrantTag({ g, onClose, extra }: { g: RoleGrant; onClose?: () => void; extra?: ReactNode }) {
  const { label } = useLabels();
  return (
    <Tag color={ROLE_COLORS[g.role]} style={{ marginBottom: 4, whiteSpace: 'normal' }}
      closable={!!onClose} onClose={onClose ? (e) => { e.preventDefault(); onClose(); } : undefined}>
      {label(ROLE_LABELS, g.role)}{g.institutionName ? ` · ${g.institutionName}` : ''}{extra}
    </Tag>
  );
}

/**
 * Role and institution of one grant. `rel` names the fields inside their Form.List row (or the form), `abs` from the
 * form's root, for the institution rule that depends on the role.
 */
export function GrantFields({ rel, abs, stacked, last, labelled = false }: {
  rel: (string | number)[]; abs: (string | number)[]; stacked: boolean; last?: ReactNode; labelled?: boolean;
}) {
  const { t } = useTranslation();
  const { anyInstitution, ownInstitution, roleOptions } = useGrantRules();
  const form = Form.useFormInstance();
  const role = Form.useWatch([...abs, 'role'], form) as Role | undefined;
  const needed = needsInstitution(role);

  const roleField = (
    <Form.Item name={[...rel, 'role']} label={labelled ? t('users.role') : undefined} rules={[{ required: true, message: t('users.chooseRole') }]} style={{ marginBottom: stacked && !labelled ? 8 : undefined }}>
      <Select options={roleOptions} placeholder={t('users.chooseRole')} aria-label={t('users.role')} popupMatchSelectWidth={false}
        onChange={(r: Role) => { if (!needsInstitution(r) && anyInstitution) form.setFieldValue([...abs, 'institutionId'], null); }} />
    </Form.Item>
  );
  const institutionField = (
    <Form.Item name={[...rel, 'institutionId']} label={labelled ? t('users.institution') : undefined} dependencies={[[...abs, 'role']]}
      rules={[{ validator: async (_r, v: string | null | undefined) => { if (needed && !v) throw new Error(t('users.institutionRequired')); } }]}>
      <InstitutionSelect allowClear={!needed} disabled={!anyInstitution} known={ownInstitution ? [ownInstitution] : []}
        aria-label={t('users.institution')} placeholder={needed ? t('directory.chooseInstitution') : t('users.noInstitution')} />
    </Form.Item>
  );
  return (
    <Row gutter={8} align="top" wrap={false} className={stacked && last ? 'yl-grant-row' : undefined}>
      {stacked ? (
        <Col flex="1 1 0" style={{ minWidth: 0 }}>{roleField}{institutionField}</Col>
      ) : (
        <>
          <Col flex="2 1 0" style={{ minWidth: 0 }}>{roleField}</Col>
          <Col flex="3 1 0" style={{ minWidth: 0 }}>{institutionField}</Col>
        </>
      )}
      {last && <Col flex="none">{last}</Col>}
    </Row>
  );
}
