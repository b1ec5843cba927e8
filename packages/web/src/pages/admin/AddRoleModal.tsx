/** 授予角色: one more role (at an institution) for an existing account. */
import type { Role } from '@yilian/core';
import { App, Form, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useErrorReporter, useIsMobile } from '../../hooks';
import type { UserAccount } from '../../types';
import { GrantFields, useGrantRules } from './grants';

type Values = { role?: Role; institutionId?: string | null };

export function AddRoleModal({ user, onClose, onDone }: { user: UserAccount | null; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const { anyInstitution, blank } = useGrantRules();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);

  const save = async (v: Values) => {
    if (!user) return;
    setBusy(true);
    try {
      await post(`users/${user.id}/roles`, { role: v.role, institutionId: v.institutionId || null });
      void message.success(t('users.roleAdded'));
      onDone();
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Modal open={!!user} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden
      okText={t('users.addRole')} title={user ? t('users.addRoleTitle', { name: user.displayName }) : ''}>
      <Form<Values> form={form} layout="vertical" onFinish={save} initialValues={blank()} preserve={false}>
        {!anyInstitution && <p className="yl-muted" style={{ fontSize: 13 }}>{t('users.ownInstitutionOnly')}</p>}
        <GrantFields rel={[]} abs={[]} stacked={mobile} labelled />
      </Form>
    </Modal>
  );
}
