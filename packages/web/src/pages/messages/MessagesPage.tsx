/**
 * 消息 /messages and /messages/:threadId: the thread list beside the conversation on wide screens; on a phone the
 * list and the conversation are separate screens, the conversation with a back button.
 */
import { MessageOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Empty } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { PageHeader } from '../../components/PageHeader';
import { useIsMobile } from '../../hooks';
import { Conversation } from '../../messaging/Conversation';
import { NewThreadModal } from '../../messaging/NewThreadModal';
import { ThreadList } from '../../messaging/ThreadList';

export default function MessagesPage() {
  const { threadId } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const [creating, setCreating] = useState(false);
  const open = (id: string) => navigate(`/messages/${id}`);

  const newButton = <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('messages.newThread')}</Button>;
  const modal = <NewThreadModal open={creating} onClose={() => setCreating(false)} onCreated={(id) => { setCreating(false); open(id); }} />;

  if (mobile) {
    return (
      <div>
        {threadId ? (
          <div className="yl-messages-phone">
            <Conversation key={threadId} threadId={threadId} onBack={() => navigate('/messages')} />
          </div>
        ) : (
          <>
            <PageHeader title={t('nav.messages')} extra={newButton} />
            <div className="yl-messages-phone list"><ThreadList onOpen={open} /></div>
          </>
        )}
        {modal}
      </div>
    );
  }
  return (
    <div>
      <PageHeader title={t('nav.messages')} subtitle={t('messages.subtitle')} extra={newButton} />
      <div className="yl-messages">
        <ThreadList selectedId={threadId} onOpen={open} />
        <div className="yl-messages-main">
          {threadId ? <Conversation key={threadId} threadId={threadId} /> : (
            <div className="yl-center" style={{ height: '100%' }}>
              <Empty image={<MessageOutlined style={{ fontSize: 56, color: '#bfd4ea' }} />} description={t('messages.pickThread')} />
            </div>
          )}
        </div>
      </div>
      {modal}
    </div>
  );
}
