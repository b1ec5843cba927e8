/** 新建会话: a direct thread with one person (the server reuses the one that exists between the two). */
import { Alert, Form, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../api';
import { useAuth } from '../auth';
import { useErrorReporter } from '../hooks';
import { useInbox } from './inbox';
import { toThread } from './types';
import { UserPicker } from './UserPicker';

export function NewThreadModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (threadId: string) => void }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const report = useErrorReporter();
  const { refreshThreads } = useInbox();
  const [userIds, setUserIds] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const accounts = can('user.manage');
  const searchable = accounts || can('directory.read');

  const create = async () => {
    if (!userIds.length) return;
    setSaving(true);
    try {
      const th = toThread(await post<unknown>('threads', { kind: 'direct', userIds }));
      refreshThreads();
      if (th) onCreated(th.id);
      setUserIds([]);
    } catch (e) { report(e); } finally { setSaving(false); }
  };

  return (
    <Modal open={open} title={t('messages.newThread')} onCancel={onClose} onOk={() => void create()} okText={t('messages.startChat')}
      okButtonProps={{ disabled: !userIds.length, loading: saving }} destroyOnHidden>
      <Form layout="vertical" style={{ marginTop: 16 }}>
        <Form.Item label={t('messages.choosePerson')} extra={accounts ? t('messages.chooseUsersHelp') : t('messages.choosePractitionersHelp')}>
          <UserPicker value={userIds} onChange={(ids) => setUserIds(ids)} />
        </Form.Item>
      </Form>
      {!searchable && <Alert type="info" showIcon title={t('messages.noDirectory')} />}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('messages.newThreadHint')}</Typography.Text>
    </Modal>
  );
}
