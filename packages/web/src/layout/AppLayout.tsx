/** The workbench shell: side menu (a drawer on phones), header with role, language and account, then the page. */
import { MenuOutlined } from '@ant-design/icons';
import { Button, Drawer, Layout, Menu } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth, useMe } from '../auth';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useIsMobile } from '../hooks';
import { AccountMenu } from './AccountMenu';
import { Brand } from './Brand';
import { menuItems, selectedKey } from './menu';
import { ConnectionDot, NotificationBell } from './NotificationBell';
import { useInbox } from '../messaging/inbox';
import { RoleSwitcher } from './RoleSwitcher';

const { Header, Sider, Content } = Layout;

export function AppLayout() {
  const me = useMe();
  const { can, roleVersion } = useAuth();
  const { t } = useTranslation();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);

  useEffect(() => setDrawerOpen(false), [location.pathname]);

  const { messagesUnread } = useInbox();
  const items = menuItems(t, can, me.role.role === 'patient' && !!me.patientId, messagesUnread);
  const selected = selectedKey(location.pathname);
  const menu = (
    <Menu
      theme="dark"
      mode="inline"
      items={items}
      selectedKeys={[selected]}
      defaultOpenKeys={['referral', 'consultation', 'scheduling', 'directory']}
      onClick={({ key }) => { if (key.startsWith('/')) navigate(key); }}
      style={{ borderInlineEnd: 0 }}
    />
  );

  return (
    <Layout style={{ minHeight: '100vh' }}>
      {!mobile && (
        <Sider
          width={224}
          collapsible
          collapsed={collapsed}
          onCollapse={setCollapsed}
          breakpoint="lg"
        >
          {/* The sider stretches with the page; its content stays in view while the page scrolls. */}
          <div style={{ position: 'sticky', top: 0, maxHeight: '100vh', overflowY: 'auto', paddingBottom: 48 }}>
            <Brand collapsed={collapsed} dark />
            {menu}
          </div>
        </Sider>
      )}
      {mobile && (
        <Drawer
          placement="left"
          open={drawerOpen}
          onClose={() => setDrawerOpen(false)}
          size={280}
          closable={false}
          styles={{ body: { padding: 0, background: '#0c2d4f' }, header: { display: 'none' } }}
        >
          <Brand dark />
          <div style={{ padding: '0 16px 12px' }}><RoleSwitcher block /></div>
          {menu}
        </Drawer>
      )}
      <Layout>
        <Header style={{
          display: 'flex', alignItems: 'center', gap: 8, position: 'sticky', top: 0, zIndex: 10,
          boxShadow: '0 1px 4px rgba(0, 21, 41, 0.08)', paddingInline: mobile ? 8 : 16,
        }}>
          {mobile && <Button type="text" icon={<MenuOutlined />} onClick={() => setDrawerOpen(true)} aria-label={t('layout.menu')} />}
          {mobile && <Brand compact />}
          <div style={{ flex: 1, minWidth: 0 }} />
          {!mobile && <RoleSwitcher />}
          <ConnectionDot />
          <NotificationBell />
          <LanguageSwitch />
          <AccountMenu />
        </Header>
        <Content style={{ padding: mobile ? 12 : 24, minWidth: 0 }}>
          <Outlet key={roleVersion} />
        </Content>
      </Layout>
    </Layout>
  );
}
