/** The signed-in person: name, active role, and the account menu (账号安全, 退出登录). */
import { LogoutOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { Avatar, Button, Dropdown, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useAuth, useMe } from '../auth';
import { useIsMobile } from '../hooks';
import { useRoleText } from './RoleSwitcher';

export function AccountMenu() {
  const me = useMe();
  const { logout } = useAuth();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const roleText = useRoleText();
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          {
            key: 'who', disabled: true, style: { cursor: 'default' },
            label: (
              <div style={{ maxWidth: 260 }}>
                <Typography.Text strong>{me.displayName}</Typography.Text>
                <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{me.username} · {roleText(me.role)}</Typography.Text></div>
              </div>
            ),
          },
          { type: 'divider' },
          { key: 'account', icon: <SafetyOutlined />, label: t('nav.account'), onClick: () => navigate('/account') },
          { key: 'logout', icon: <LogoutOutlined />, danger: true, label: t('layout.logout'), onClick: () => void logout() },
        ],
      }}
    >
      <Button type="text" style={{ display: 'flex', alignItems: 'center', gap: 8, height: 40, paddingInline: 6 }}>
        <Avatar size="small" icon={<UserOutlined />} style={{ background: '#0f6fbf' }} />
        {!mobile && <span style={{ maxWidth: 220, overflow: 'hidden', textOverflow: 'ellipsis' }}>{me.displayName}</span>}
      </Button>
    </Dropdown>
  );
}
