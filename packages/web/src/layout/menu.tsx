/** The side menu: only the entries the active role may use (grantFor from @yilian/core decides). */
import {
  ApartmentOutlined, AuditOutlined, BankOutlined, ClusterOutlined, CloudUploadOutlined, FolderOpenOutlined,
  HomeOutlined, IdcardOutlined, MessageOutlined, SafetyOutlined, SolutionOutlined, StarOutlined, TeamOutlined, UserAddOutlined, UserSwitchOutlined,
} from '@ant-design/icons';
import { Badge, type MenuProps } from 'antd';
import type { TFunction } from 'i18next';
import type { Action } from '@yilian/core';
import type { AuthContextCan } from './types';

type Item = Required<MenuProps>['items'][number];

export function menuItems(t: TFunction, can: AuthContextCan, hasOwnRecord: boolean, messagesUnread = 0): Item[] {
  const items: Item[] = [{ key: '/', icon: <HomeOutlined />, label: t('nav.home') }];
  if (can('message.use' as Action)) items.push({
    key: '/messages', icon: <MessageOutlined />,
    label: (
      <span className="yl-menu-badge">
        {t('nav.messages')}
        <Badge count={messagesUnread} size="small" overflowCount={99} aria-label={t('messages.unreadN', { count: messagesUnread })} />
      </span>
    ),
  });
  if (can('patient.search')) items.push({ key: '/patients', icon: <TeamOutlined />, label: t('nav.patients') });
  if (can('patient.create')) items.push({ key: '/patients/new', icon: <UserAddOutlined />, label: t('nav.newPatient') });
  if (hasOwnRecord) items.push({ key: '/me', icon: <IdcardOutlined />, label: t('nav.myRecord') });
  if (can('directory.read')) {
    const children: Item[] = [
      { key: '/directory/consortia', icon: <ClusterOutlined />, label: t('nav.consortia') },
      { key: '/directory/institutions', icon: <BankOutlined />, label: t('nav.institutions') },
      { key: '/directory/departments', icon: <ApartmentOutlined />, label: t('nav.departments') },
      { key: '/directory/practitioners', icon: <SolutionOutlined />, label: t('nav.practitioners') },
      { key: '/directory/experts', icon: <StarOutlined />, label: t('nav.experts') },
    ];
    if (can('directory.import')) children.push({ key: '/directory/import', icon: <CloudUploadOutlined />, label: t('nav.import') });
    items.push({ key: 'directory', icon: <FolderOpenOutlined />, label: t('nav.directory'), children });
  }
  if (can('user.manage')) items.push({ key: '/admin/users', icon: <UserSwitchOutlined />, label: t('nav.users') });
  if (can('audit.read')) items.push({ key: '/audit', icon: <AuditOutlined />, label: t('nav.audit') });
  items.push({ key: '/account', icon: <SafetyOutlined />, label: t('nav.account') });
  return items;
}

const ALL_KEYS = ['/messages', '/patients/new', '/patients', '/me', '/directory/consortia', '/directory/institutions', '/directory/departments',
  '/directory/practitioners', '/directory/experts', '/directory/import', '/admin/users', '/audit', '/account'];

/** The menu key of a location: the longest entry that is a prefix of the path. */
export function selectedKey(pathname: string): string {
  return ALL_KEYS.find((k) => pathname === k || (pathname.startsWith(`${k}/`) && !(k === '/patients' && pathname === '/patients/new'))) ?? '/';
}
