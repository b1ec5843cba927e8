/**
 * 账号管理: sign-in accounts with their roles at each institution, lockout and two-step status; create, grant and
 * revoke roles, deactivate or activate, reset a password, issue and revoke API tokens. The consortium office sees
 * every account, an institution admin the accounts holding a role at its institution.
 */
import { LockOutlined, PlusOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { App, Button, Col, Input, Popconfirm, Row, Space, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { del, post, type Page } from '../../api';
import { useMe } from '../../auth';
import { DataList, usePaging } from '../../components/DataList';
import { PageHeader } from '../../components/PageHeader';
import { StatusTag } from '../../components/StatusTag';
import { useApiData, useErrorReporter } from '../../hooks';
import type { RoleGrant, UserAccount } from '../../types';
import { AddRoleModal } from './AddRoleModal';
import { ApiTokensDrawer } from './ApiTokensDrawer';
import { GrantTag, useGrantRules } from './grants';
import { ResetPasswordModal } from './ResetPasswordModal';
import { UserForm } from './UserForm';

export default function UsersPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { message, modal } = App.useApp();
  const report = useErrorReporter();
  const { mayGrant, mayManage, roleLabel } = useGrantRules();
  const paging = usePaging();
  const [q, setQ] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [granting, setGranting] = useState<UserAccount | null>(null);
  const [resetting, setResetting] = useState<UserAccount | null>(null);
  const [tokensOf, setTokensOf] = useState<UserAccount | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const { data, loading, error, reload } = useApiData<Page<UserAccount>>('users', { q, limit: paging.limit, offset: paging.offset });

  const removeRole = (u: UserAccount, g: RoleGrant) => modal.confirm({
    title: t('users.confirmRemoveRole', { name: u.displayName, role: roleLabel(g.role), institution: g.institutionName ?? t('users.noInstitution') }),
    content: t('users.removeRoleHint'),
    okText: t('common.remove'), okButtonProps: { danger: true }, cancelText: t('common.cancel'),
    onOk: async () => {
      try {
        await del(`users/${u.id}/roles/${g.id}`);
        void message.success(t('users.roleRemoved'));
        reload();
      } catch (e) { report(e); }
    },
  });

  const toggle = async (u: UserAccount) => {
    setBusyId(u.id);
    try {
      await post(`users/${u.id}/${u.active ? 'deactivate' : 'activate'}`);
      void message.success(t(u.active ? 'users.deactivated' : 'users.activated', { name: u.displayName }));
      reload();
    } catch (e) { report(e); } finally { setBusyId(null); }
  };

  const lockedUntil = (u: UserAccount) => (u.lockedUntil && dayjs(u.lockedUntil).isAfter(dayjs()) ? u.lockedUntil : null);
  const status = (u: UserAccount) => {
    const locked = lockedUntil(u);
    return (
      <Space size={[0, 4]} wrap>
        <StatusTag active={u.active} />
        {locked && <Tag color="error" icon={<LockOutlined />}>{t('users.lockedUntil', { time: dayjs(locked).format('MM-DD HH:mm') })}</Tag>}
        {u.totpEnabled && <Tag color="processing" icon={<SafetyCertificateOutlined />}>{t('users.totpOn')}</Tag>}
      </Space>
    );
  };
  const grants = (u: UserAccount) => (
    <div style={{ maxWidth: 420 }}>
      {u.roles.map((g) => (
        <GrantTag key={g.id} g={g} onClose={u.roles.length > 1 && mayGrant(g) ? () => removeRole(u, g) : undefined} />
      ))}
    </div>
  );
  const who = (u: UserAccount) => (
    <div style={{ minWidth: 0 }}>
      <Typography.Text strong>{u.displayName}</Typography.Text>
      {u.id === me.userId && <Tag style={{ marginInlineStart: 6 }}>{t('users.you')}</Tag>}
      <div className="yl-muted yl-mono" style={{ fontSize: 12 }}>{u.username}</div>
    </div>
  );
  const actions = (u: UserAccount) => !mayManage(u.roles) ? <span className="yl-muted" style={{ fontSize: 13 }}>{t('users.consortiumManaged')}</span> : (
    <Space size={0} wrap>
      <Button type="link" size="small" style={{ paddingInline: 4 }} onClick={() => setGranting(u)}>{t('users.addRole')}</Button>
      <Button type="link" size="small" style={{ paddingInline: 4 }} onClick={() => setResetting(u)}>{t('users.resetPassword')}</Button>
      <Button type="link" size="small" style={{ paddingInline: 4 }} onClick={() => setTokensOf(u)}>{t('tokens.action')}</Button>
      {!(u.active && u.id === me.userId) && (
        <Popconfirm
          title={t(u.active ? 'users.confirmDeactivate' : 'users.confirmActivate', { name: u.displayName })}
          description={u.active ? <div style={{ maxWidth: 280 }}>{t('users.deactivateHint')}</div> : undefined}
          okText={u.active ? t('common.deactivate') : t('common.activate')} cancelText={t('common.cancel')}
          okButtonProps={{ danger: u.active }} onConfirm={() => toggle(u)}>
          <Button type="link" size="small" danger={u.active} loading={busyId === u.id} style={{ paddingInline: 4 }}>
            {u.active ? t('common.deactivate') : t('common.activate')}
          </Button>
        </Popconfirm>
      )}
    </Space>
  );

  const columns: ColumnsType<UserAccount> = [
    { title: t('users.account'), key: 'who', className: 'yl-nowrap', render: (_, u) => who(u) },
    { title: t('users.roles'), key: 'roles', render: (_, u) => grants(u) },
    { title: t('users.status'), key: 'status', render: (_, u) => status(u) },
    { title: t('common.actions'), key: 'actions', fixed: 'right', render: (_, u) => actions(u) },
  ];

  return (
    <div>
      <PageHeader title={t('nav.users')} subtitle={t('users.subtitle')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('users.newUser')}</Button>} />
      <Row gutter={[12, 12]} className="yl-filters">
        <Col xs={24} md={8}>
          <Input.Search allowClear placeholder={t('users.search')} aria-label={t('users.search')}
            onSearch={(v) => { paging.reset(); setQ(v.trim() || undefined); }} />
        </Col>
      </Row>
      <DataList<UserAccount>
        rowKey={(u) => u.id} columns={columns} data={data?.items} total={data?.total} loading={loading} error={error} paging={paging}
        renderCard={(u) => (
          <div>
            <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: 8 }}>
              {who(u)}
              {status(u)}
            </div>
            <div style={{ marginTop: 6 }}>{grants(u)}</div>
            <div style={{ marginInlineStart: mayManage(u.roles) ? -4 : 0 }}>{actions(u)}</div>
          </div>
        )}
      />
      <UserForm open={creating} onClose={() => setCreating(false)} onSaved={() => { setCreating(false); reload(); }} />
      <AddRoleModal user={granting} onClose={() => setGranting(null)} onDone={() => { setGranting(null); reload(); }} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
      <ApiTokensDrawer user={tokensOf} onClose={() => setTokensOf(null)} />
    </div>
  );
}
