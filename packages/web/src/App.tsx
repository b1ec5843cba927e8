/** The routes of the app: the login page, and every other page inside the signed-in workbench. */
import { Spin } from 'antd';
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useAuth } from './auth';
import { AppLayout } from './layout/AppLayout';
import { InboxProvider } from './messaging/inbox';
import { RealtimeProvider } from './realtime/RealtimeProvider';
import { LoginPage } from './pages/login/LoginPage';

const HomePage = lazy(() => import('./pages/home/HomePage'));
const ConsortiaPage = lazy(() => import('./pages/directory/ConsortiaPage'));
const ConsortiumDetailPage = lazy(() => import('./pages/directory/ConsortiumDetailPage'));
const InstitutionsPage = lazy(() => import('./pages/directory/InstitutionsPage'));
const InstitutionDetailPage = lazy(() => import('./pages/directory/InstitutionDetailPage'));
const DepartmentsPage = lazy(() => import('./pages/directory/DepartmentsPage'));
const PractitionersPage = lazy(() => import('./pages/directory/PractitionersPage'));
const ExpertsPage = lazy(() => import('./pages/directory/ExpertsPage'));
const ImportPage = lazy(() => import('./pages/directory/ImportPage'));
const PatientSearchPage = lazy(() => import('./pages/patients/PatientSearchPage'));
const PatientCreatePage = lazy(() => import('./pages/patients/PatientCreatePage'));
const PatientDetailPage = lazy(() => import('./pages/patients/PatientDetailPage'));
const MyRecordPage = lazy(() => import('./pages/patients/MyRecordPage'));
const AuditPage = lazy(() => import('./pages/audit/AuditPage'));
const UsersPage = lazy(() => import('./pages/admin/UsersPage'));
const MessagesPage = lazy(() => import('./pages/messages/MessagesPage'));
const AccountPage = lazy(() => import('./pages/account/AccountPage'));
const SchedResourcesPage = lazy(() => import('./pages/scheduling/ResourcesPage'));
const SchedCalendarPage = lazy(() => import('./pages/scheduling/CalendarPage'));
const SchedAppointmentsPage = lazy(() => import('./pages/scheduling/AppointmentsPage'));
const MyAppointmentsPage = lazy(() => import('./pages/scheduling/MyAppointmentsPage'));
const BookPage = lazy(() => import('./pages/scheduling/BookPage'));
const QuotaReportPage = lazy(() => import('./pages/scheduling/QuotaReportPage'));
const MyHealthRecordPage = lazy(() => import('./pages/record/MyHealthRecordPage'));
const BreakGlassReportPage = lazy(() => import('./pages/admin/BreakGlassReportPage'));
const ApiClientsPage = lazy(() => import('./pages/admin/ApiClientsPage'));
const ReferralsPage = lazy(() => import('./pages/referral/ReferralsPage'));
const ReferralCreatePage = lazy(() => import('./pages/referral/ReferralCreatePage'));
const ReferralDetailPage = lazy(() => import('./pages/referral/ReferralDetailPage'));
const ReferralOverduePage = lazy(() => import('./pages/referral/OverduePage'));
const ReferralTasksPage = lazy(() => import('./pages/referral/TasksPage'));
const ReferralCandidatesPage = lazy(() => import('./pages/referral/CandidatesPage'));
const ReferralReportPage = lazy(() => import('./pages/referral/ReportPage'));
const ReferralSlipPage = lazy(() => import('./pages/referral/SlipPage'));
const MyReferralsPage = lazy(() => import('./pages/referral/MyReferralsPage'));
const PublicStatusPage = lazy(() => import('./pages/referral/PublicStatusPage'));
const QuickConsultsPage = lazy(() => import('./pages/quick-consult/QuickConsultsPage'));
const ConsultationReportPage = lazy(() => import('./pages/consultation-report/ConsultationReportPage'));
const ConsultationRoomPage = lazy(() => import('./pages/consultation-room/RoomPage'));
const ConsultationsPage = lazy(() => import('./pages/consultation/ConsultationsPage'));
const ConsultationCreatePage = lazy(() => import('./pages/consultation/ConsultationCreatePage'));
const ConsultationDetailPage = lazy(() => import('./pages/consultation/ConsultationDetailPage'));
const ConsultationPrintPage = lazy(() => import('./pages/consultation/PrintPage'));
const ConsultationOverduePage = lazy(() => import('./pages/consultation/OverduePage'));
const ConsultationTimeLimitsPage = lazy(() => import('./pages/consultation/TimeLimitsPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

export const FullPageSpin = () => (
  <div style={{ minHeight: '60vh', display: 'grid', placeItems: 'center' }}><Spin size="large" /></div>
);

function RequireAuth({ children }: { children: ReactNode }) {
  const { me, signedOut } = useAuth();
  const location = useLocation();
  if (me === undefined) return <FullPageSpin />;
  // Remember where the user was going, unless they signed out themselves.
  if (me === null) return <Navigate to="/login" replace state={signedOut ? undefined : { from: location.pathname + location.search }} />;
  return children;
}

const page = (el: ReactNode) => <Suspense fallback={<FullPageSpin />}>{el}</Suspense>;

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      {/* The QR code of the referral slip: no sign-in. */}
      <Route path="/r/:token" element={page(<PublicStatusPage />)} />
      <Route path="/referrals/:id/print" element={<RequireAuth>{page(<ReferralSlipPage />)}</RequireAuth>} />
      <Route path="/consultations/:id/print" element={<RequireAuth>{page(<ConsultationPrintPage />)}</RequireAuth>} />
      <Route element={<RequireAuth><RealtimeProvider><InboxProvider><AppLayout /></InboxProvider></RealtimeProvider></RequireAuth>}>
        <Route index element={page(<HomePage />)} />
        <Route path="patients" element={page(<PatientSearchPage />)} />
        <Route path="patients/new" element={page(<PatientCreatePage />)} />
        <Route path="patients/:id/:tab?" element={page(<PatientDetailPage />)} />
        <Route path="me" element={page(<MyRecordPage />)} />
        <Route path="me/record" element={page(<MyHealthRecordPage />)} />
        <Route path="messages/:threadId?" element={page(<MessagesPage />)} />
        <Route path="directory" element={<Navigate to="/directory/institutions" replace />} />
        <Route path="directory/consortia" element={page(<ConsortiaPage />)} />
        <Route path="directory/consortia/:id" element={page(<ConsortiumDetailPage />)} />
        <Route path="directory/institutions" element={page(<InstitutionsPage />)} />
        <Route path="directory/institutions/:id" element={page(<InstitutionDetailPage />)} />
        <Route path="directory/departments" element={page(<DepartmentsPage />)} />
        <Route path="directory/practitioners" element={page(<PractitionersPage />)} />
        <Route path="directory/experts" element={page(<ExpertsPage />)} />
        <Route path="directory/import" element={page(<ImportPage />)} />
        <Route path="scheduling" element={<Navigate to="/scheduling/calendar" replace />} />
        <Route path="scheduling/resources" element={page(<SchedResourcesPage />)} />
        <Route path="scheduling/calendar" element={page(<SchedCalendarPage />)} />
        <Route path="scheduling/appointments" element={page(<SchedAppointmentsPage />)} />
        <Route path="scheduling/mine" element={page(<MyAppointmentsPage />)} />
        <Route path="scheduling/book" element={page(<BookPage />)} />
        <Route path="scheduling/report" element={page(<QuotaReportPage />)} />
        <Route path="referrals" element={page(<ReferralsPage />)} />
        <Route path="referrals/new" element={page(<ReferralCreatePage />)} />
        <Route path="referrals/overdue" element={page(<ReferralOverduePage />)} />
        <Route path="referrals/tasks" element={page(<ReferralTasksPage />)} />
        <Route path="referrals/candidates" element={page(<ReferralCandidatesPage />)} />
        <Route path="referrals/report" element={page(<ReferralReportPage />)} />
        <Route path="referrals/mine" element={page(<MyReferralsPage />)} />
        <Route path="referrals/:id" element={page(<ReferralDetailPage />)} />
        <Route path="referrals/:id/edit" element={page(<ReferralCreatePage />)} />
        <Route path="consultations" element={page(<ConsultationsPage />)} />
        <Route path="consultations/new" element={page(<ConsultationCreatePage />)} />
        <Route path="consultations/overdue" element={page(<ConsultationOverduePage />)} />
        <Route path="consultations/time-limits" element={page(<ConsultationTimeLimitsPage />)} />
        <Route path="consultations/report" element={page(<ConsultationReportPage />)} />
        <Route path="consultations/:id/room" element={page(<ConsultationRoomPage />)} />
        <Route path="consultations/:id" element={page(<ConsultationDetailPage />)} />
        <Route path="consultations/:id/edit" element={page(<ConsultationCreatePage />)} />
        <Route path="quick-consults/:id?" element={page(<QuickConsultsPage />)} />
        <Route path="audit" element={page(<AuditPage />)} />
        <Route path="admin/users" element={page(<UsersPage />)} />
        <Route path="admin/break-glass" element={page(<BreakGlassReportPage />)} />
        <Route path="admin/api-clients" element={page(<ApiClientsPage />)} />
        <Route path="account" element={page(<AccountPage />)} />
        <Route path="*" element={page(<NotFoundPage />)} />
      </Route>
    </Routes>
  );
}
