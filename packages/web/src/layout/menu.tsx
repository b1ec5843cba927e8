/** The side menu: only the entries the active role may use (grantFor from @yilian/core decides). */
import {
  ApartmentOutlined, AuditOutlined, BankOutlined, ClusterOutlined, CloudUploadOutlined, FolderOpenOutlined,
  AlertOutlined, ApiOutlined, BarChartOutlined, CalendarOutlined, FileProtectOutlined, CarryOutOutlined, FieldTimeOutlined, HomeOutlined, IdcardOutlined, ScheduleOutlined, MessageOutlined, SafetyOutlined, SolutionOutlined, StarOutlined, TeamOutlined, UserAddOutlined, UserSwitchOutlined,
} from '@ant-design/icons';
import { CheckSquareOutlined, ClockCircleOutlined, FallOutlined, MobileOutlined, PlusCircleOutlined, SettingOutlined, SwapOutlined, VideoCameraOutlined } from '@ant-design/icons';
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
  if (hasOwnRecord) {
    items.push({ key: '/scheduling/mine', icon: <CarryOutOutlined />, label: t('nav.myAppointments') });
    items.push({ key: '/scheduling/book', icon: <CalendarOutlined />, label: t('nav.book') });
    items.push({ key: '/me/record', icon: <FileProtectOutlined />, label: t('nav.myHealthRecord') });
    items.push({ key: '/me', icon: <IdcardOutlined />, label: t('nav.myRecord') });
  }
  const referral = referralItems(t, can, hasOwnRecord);
  if (referral.length) items.push({ key: 'referral', icon: <SwapOutlined />, label: t('nav.referrals'), children: referral });
  const consultation = consultationItems(t, can, hasOwnRecord);
  if (consultation.length) items.push({ key: 'consultation', icon: <VideoCameraOutlined />, label: t('consultation.nav.group'), children: consultation });
  const scheduling = schedulingItems(t, can, hasOwnRecord);
  if (scheduling.length) items.push({ key: 'scheduling', icon: <ScheduleOutlined />, label: t('nav.scheduling'), children: scheduling });
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
  if (can('record.break_glass_review')) items.push({ key: '/admin/break-glass', icon: <AlertOutlined />, label: t('nav.breakGlass') });
  if (can('api_client.manage')) items.push({ key: '/admin/api-clients', icon: <ApiOutlined />, label: t('nav.apiClients') });
  if (can('audit.read')) items.push({ key: '/audit', icon: <AuditOutlined />, label: t('nav.audit') });
  items.push({ key: '/account', icon: <SafetyOutlined />, label: t('nav.account') });
  return items;
}

/** 双向转诊: the lists, follow-ups for primary care, candidates for upper hospitals, overdue steps and the report for offices. */
function referralItems(t: TFunction, can: AuthContextCan, patient: boolean): Item[] {
  if (patient) return can('referral.read') ? [{ key: '/referrals/mine', icon: <SwapOutlined />, label: t('nav.myReferrals') }] : [];
  if (!can('referral.read')) return [];
  const children: Item[] = [{ key: '/referrals', icon: <SwapOutlined />, label: t('nav.referralList') }];
  if (can('referral.create')) {
    children.push({ key: '/referrals/new', icon: <PlusCircleOutlined />, label: t('nav.referralNew') });
    children.push({ key: '/referrals/tasks', icon: <CheckSquareOutlined />, label: t('nav.referralTasks') });
    children.push({ key: '/referrals/candidates', icon: <FallOutlined />, label: t('nav.referralCandidates') });
  }
  if (can('referral.office') || can('referral.report')) children.push({ key: '/referrals/overdue', icon: <ClockCircleOutlined />, label: t('nav.referralOverdue') });
  if (can('referral.report')) children.push({ key: '/referrals/report', icon: <BarChartOutlined />, label: t('nav.referralReport') });
  return children;
}

/** 远程会诊: the desk, a new request, overdue requests and the report for the centre and offices, quick consults, time limits. */
function consultationItems(t: TFunction, can: AuthContextCan, patient: boolean): Item[] {
  if (patient) return [];
  const children: Item[] = [];
  if (can('consultation.read')) children.push({ key: '/consultations', icon: <VideoCameraOutlined />, label: t('consultation.nav.list') });
  if (can('consultation.create')) children.push({ key: '/consultations/new', icon: <PlusCircleOutlined />, label: t('consultation.nav.create') });
  if (can('consultation.centre') || can('consultation.report')) children.push({ key: '/consultations/overdue', icon: <ClockCircleOutlined />, label: t('consultation.nav.overdue') });
  if (can('consultation.report')) children.push({ key: '/consultations/report', icon: <BarChartOutlined />, label: t('consultation.nav.report') });
  if (can('quick_consult.use')) children.push({ key: '/quick-consults', icon: <MobileOutlined />, label: t('consultation.nav.quick') });
  if (can('consultation.configure')) children.push({ key: '/consultations/time-limits', icon: <SettingOutlined />, label: t('consultation.nav.limits') });
  return children;
}

/** 预约排班 for staff: the slot calendar, appointments, schedules and rules, the quota report — as the role allows. */
function schedulingItems(t: TFunction, can: AuthContextCan, patient: boolean): Item[] {
  if (patient || !can('schedule.read')) return [];
  const children: Item[] = [{ key: '/scheduling/calendar', icon: <CalendarOutlined />, label: t('nav.schedCalendar') }];
  if (can('appointment.cancel') || can('appointment.attend')) children.push({ key: '/scheduling/appointments', icon: <CarryOutOutlined />, label: t('nav.schedAppointments') });
  if (can('schedule.manage')) children.push({ key: '/scheduling/resources', icon: <FieldTimeOutlined />, label: t('nav.schedResources') });
  if (can('schedule.report')) children.push({ key: '/scheduling/report', icon: <BarChartOutlined />, label: t('nav.schedReport') });
  return children;
}

const ALL_KEYS = ['/consultations/new', '/consultations/overdue', '/consultations/report', '/consultations/time-limits', '/consultations', '/quick-consults', '/referrals/new', '/referrals/tasks', '/referrals/candidates', '/referrals/overdue', '/referrals/report', '/referrals/mine', '/referrals', '/scheduling/calendar', '/scheduling/appointments', '/scheduling/resources', '/scheduling/report', '/scheduling/mine', '/scheduling/book', '/messages', '/patients/new', '/patients', '/me/record', '/me', '/directory/consortia', '/directory/institutions', '/directory/departments',
  '/directory/practitioners', '/directory/experts', '/directory/import', '/admin/users', '/admin/break-glass', '/admin/api-clients', '/audit', '/account'];

/** The menu key of a location: the longest entry that is a prefix of the path. */
export function selectedKey(pathname: string): string {
  return ALL_KEYS.find((k) => pathname === k || (pathname.startsWith(`${k}/`) && !(k === '/patients' && pathname === '/patients/new'))) ?? '/';
}
