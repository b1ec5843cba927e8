/**
 * Remote consultation (远程会诊): the one state machine that the server enforces, the web app draws its buttons from
 * and the tests walk. The chain follows seed 000 and SPEC.md 4.3: informed consent → the attending doctor applies →
 * the department head agrees → the medical-affairs office (医务科, institution_admin) approves → the consultation
 * centre (consult_coordinator of the centre's institution) pre-reviews: returns it for supplements or accepts it →
 * invites expert(s) at a proposed time → the experts accept (or decline, and the centre invites others) → the agreed
 * time is fixed and the applicant notified → the video session → each expert signs a written opinion → the centre
 * forwards the opinions → the applicant confirms receipt and rates the service. An urgent request (急会诊) goes from
 * the applicant straight to the centre with a reason. Cancelled (with reason) or expired (the sweep) on the way.
 */
import type { Role } from './roles.js';

export const CONSULTATION_KINDS = ['routine', 'urgent', 'mdt', 'material'] as const;
export type ConsultationKind = (typeof CONSULTATION_KINDS)[number];
export const CONSULTATION_KIND_LABELS: Record<ConsultationKind, { zh: string; en: string }> = {
  routine: { zh: '普通会诊', en: 'Routine' },
  urgent: { zh: '急会诊', en: 'Urgent' },
  mdt: { zh: '多学科会诊（MDT）', en: 'Multidisciplinary (MDT)' },
  material: { zh: '资料会诊（影像/病理/心电）', en: 'Material-only reading' },
};
/** What a material-only consultation reads. */
export const CONSULTATION_MATERIAL_TYPES = ['imaging', 'pathology', 'ecg'] as const;
export type ConsultationMaterialType = (typeof CONSULTATION_MATERIAL_TYPES)[number];
export const CONSULTATION_MATERIAL_LABELS: Record<ConsultationMaterialType, { zh: string; en: string }> = {
  imaging: { zh: '影像', en: 'Imaging' }, pathology: { zh: '病理', en: 'Pathology' }, ecg: { zh: '心电', en: 'ECG' },
};

/** Who signed the informed consent (远程会诊知情同意书). */
export const CONSENT_RELATIONS = ['self', 'spouse', 'parent', 'child', 'sibling', 'guardian', 'other'] as const;
export type ConsentRelation = (typeof CONSENT_RELATIONS)[number];
export const CONSENT_RELATION_LABELS: Record<ConsentRelation, { zh: string; en: string }> = {
  self: { zh: '本人', en: 'Patient' }, spouse: { zh: '配偶', en: 'Spouse' }, parent: { zh: '父母', en: 'Parent' },
  child: { zh: '子女', en: 'Child' }, sibling: { zh: '兄弟姐妹', en: 'Sibling' }, guardian: { zh: '监护人', en: 'Guardian' },
  other: { zh: '其他近亲属', en: 'Other next of kin' },
};

export const CONSULTATION_STATES = [
  'draft', 'submitted', 'dept_approved', 'returned', 'received', 'supplementing', 'accepted', 'inviting',
  'scheduled', 'answered', 'closed', 'cancelled', 'expired',
] as const;
export type ConsultationState = (typeof CONSULTATION_STATES)[number];

export const CONSULTATION_STATE_LABELS: Record<ConsultationState, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  submitted: { zh: '待科主任同意', en: 'Awaiting department head' },
  dept_approved: { zh: '待医务科审批', en: 'Awaiting medical affairs' },
  returned: { zh: '已退回', en: 'Returned for changes' },
  received: { zh: '待会诊中心预审', en: 'Awaiting pre-review' },
  supplementing: { zh: '待补充资料', en: 'Supplements requested' },
  accepted: { zh: '待安排专家', en: 'Awaiting experts' },
  inviting: { zh: '待专家确认', en: 'Awaiting expert replies' },
  scheduled: { zh: '待会诊', en: 'Scheduled' },
  answered: { zh: '意见已送达', en: 'Opinion delivered' },
  closed: { zh: '已完成', en: 'Closed' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  expired: { zh: '已过期', en: 'Expired' },
};

/**
 * Who acts, relative to the consultation: its applicant (the attending doctor who wrote it), the department head
 * and medical-affairs office of the applicant's institution, the consultation centre, an invited expert.
 */
export type ConsultationActor = 'applicant' | 'dept_head' | 'medical_office' | 'centre' | 'invited_expert' | 'applicant_or_centre';

export const CONSULTATION_ACTIONS = [
  'submit', 'submit_urgent', 'dept_approve', 'dept_return', 'office_approve', 'office_return', 'request_supplements',
  'resubmit', 'accept', 'invite', 'expert_accept', 'expert_decline', 'forward', 'confirm', 'cancel',
] as const;
export type ConsultationAction = (typeof CONSULTATION_ACTIONS)[number];

/** What a step needs in its request (checked by the server, asked for by the UI). */
export type ConsultationNeed = 'consent' | 'reason' | 'supplements' | 'experts' | 'time' | 'opinions' | 'rating';

export interface ConsultationTransition {
  from: readonly ConsultationState[];
  /** The state after the step; `null` when the server decides (an expert's reply moves to `scheduled` once all accepted). */
  to: ConsultationState | null;
  actor: ConsultationActor;
  needs?: readonly ConsultationNeed[];
  /** Only for these kinds (all when absent). */
  kinds?: readonly ConsultationKind[];
  label: { zh: string; en: string };
}

const LIVE: ConsultationState[] = ['draft', 'submitted', 'dept_approved', 'returned', 'received', 'supplementing', 'accepted', 'inviting', 'scheduled'];

export const CONSULTATION_TRANSITIONS: Record<ConsultationAction, ConsultationTransition> = {
  submit: { from: ['draft', 'returned'], to: 'submitted', actor: 'applicant', needs: ['consent'], label: { zh: '提交申请', en: 'Submit' } },
  submit_urgent: { from: ['draft', 'returned'], to: 'received', actor: 'applicant', needs: ['consent', 'reason'], kinds: ['urgent'], label: { zh: '急会诊直达会诊中心', en: 'Send urgent to the centre' } },
  dept_approve: { from: ['submitted'], to: 'dept_approved', actor: 'dept_head', label: { zh: '科主任同意', en: 'Department head agrees' } },
  dept_return: { from: ['submitted'], to: 'returned', actor: 'dept_head', needs: ['reason'], label: { zh: '退回', en: 'Return' } },
  office_approve: { from: ['dept_approved'], to: 'received', actor: 'medical_office', label: { zh: '医务科审批通过', en: 'Medical affairs approves' } },
  office_return: { from: ['dept_approved'], to: 'returned', actor: 'medical_office', needs: ['reason'], label: { zh: '退回', en: 'Return' } },
  request_supplements: { from: ['received'], to: 'supplementing', actor: 'centre', needs: ['supplements'], label: { zh: '要求补充资料', en: 'Ask for supplements' } },
  resubmit: { from: ['supplementing'], to: 'received', actor: 'applicant', label: { zh: '补充后重新提交', en: 'Resubmit with supplements' } },
  accept: { from: ['received'], to: 'accepted', actor: 'centre', label: { zh: '预审通过', en: 'Accept after pre-review' } },
  invite: { from: ['accepted', 'inviting', 'scheduled'], to: 'inviting', actor: 'centre', needs: ['experts', 'time'], label: { zh: '邀请专家并拟定时间', en: 'Invite experts and propose a time' } },
  expert_accept: { from: ['inviting'], to: null, actor: 'invited_expert', label: { zh: '接受邀请', en: 'Accept invitation' } },
  expert_decline: { from: ['inviting'], to: null, actor: 'invited_expert', needs: ['reason'], label: { zh: '谢绝邀请', en: 'Decline invitation' } },
  forward: { from: ['scheduled'], to: 'answered', actor: 'centre', needs: ['opinions'], label: { zh: '转发会诊意见', en: 'Forward the opinions' } },
  confirm: { from: ['answered'], to: 'closed', actor: 'applicant', needs: ['rating'], label: { zh: '确认收到并评价', en: 'Confirm receipt and rate' } },
  cancel: { from: LIVE, to: 'cancelled', actor: 'applicant_or_centre', needs: ['reason'], label: { zh: '取消会诊', en: 'Cancel' } },
};

/** Roles that may act as each actor (institution scope and the invitation are checked by the server). */
export const CONSULTATION_ACTOR_ROLES: Record<ConsultationActor, readonly Role[]> = {
  applicant: ['doctor', 'dept_head', 'family_doctor'],
  dept_head: ['dept_head'],
  medical_office: ['institution_admin'],
  centre: ['consult_coordinator'],
  invited_expert: ['doctor', 'dept_head', 'reading_physician'],
  applicant_or_centre: ['doctor', 'dept_head', 'family_doctor', 'consult_coordinator'],
};

/** Time to answer (from reaching the centre to the opinions forwarded), minutes; configurable per kind. */
export const CONSULTATION_DEFAULT_LIMIT_MINUTES: Record<ConsultationKind, number> = {
  urgent: 30, routine: 48 * 60, mdt: 48 * 60, material: 48 * 60,
};
/** A request that has not been scheduled this many days after it was last moved expires (the sweep). */
export const CONSULTATION_EXPIRY_DAYS = 14;
/** The video room opens this long before the agreed time and closes this long after it. */
export const CONSULTATION_ROOM_WINDOW = { beforeMinutes: 30, afterMinutes: 240 } as const;
/** Participants of one video room at most. */
export const CONSULTATION_ROOM_MAX = 6;

export const CONSULTATION_FINAL: readonly ConsultationState[] = ['closed', 'cancelled', 'expired'];

/** The actions possible from a state for a consultation of `kind` (the UI shows them as buttons, filtered by actor). */
export const consultationActionsFrom = (state: ConsultationState, kind: ConsultationKind): ConsultationAction[] =>
  CONSULTATION_ACTIONS.filter((a) => {
    const t = CONSULTATION_TRANSITIONS[a];
    return t.from.includes(state) && (!t.kinds || t.kinds.includes(kind));
  });

/** The transition for an action from a state, or null when the action is illegal there (the server answers 409). */
export function consultationTransition(state: ConsultationState, kind: ConsultationKind, action: ConsultationAction): ConsultationTransition | null {
  const t = CONSULTATION_TRANSITIONS[action];
  return t.from.includes(state) && (!t.kinds || t.kinds.includes(kind)) ? t : null;
}

/** Whether the video room of a consultation scheduled at `at` is open at `now`. */
export function roomOpen(at: Date, now: Date, window: { beforeMinutes: number; afterMinutes: number } = CONSULTATION_ROOM_WINDOW): boolean {
  const t = now.getTime();
  return t >= at.getTime() - window.beforeMinutes * 60_000 && t <= at.getTime() + window.afterMinutes * 60_000;
}

/** Quick online consult (移动问诊): a chat-style case between a doctor and an expert. */
export const QUICK_CONSULT_STATES = ['open', 'answered', 'converted', 'closed'] as const;
export type QuickConsultState = (typeof QUICK_CONSULT_STATES)[number];
export const QUICK_CONSULT_STATE_LABELS: Record<QuickConsultState, { zh: string; en: string }> = {
  open: { zh: '待专家回复', en: 'Awaiting the expert' },
  answered: { zh: '专家已回复', en: 'Answered' },
  converted: { zh: '已转正式会诊/转诊', en: 'Converted' },
  closed: { zh: '已结束', en: 'Closed' },
};

/** The steps of a quick consult (the asker asks by creating it). The expert's first chat message also answers it. */
export const QUICK_CONSULT_ACTIONS = ['answer', 'convert', 'close'] as const;
export type QuickConsultAction = (typeof QUICK_CONSULT_ACTIONS)[number];
/** Who takes a step: the expert asked, or either of the two doctors. */
export type QuickConsultActor = 'expert' | 'asker_or_expert';
export const QUICK_CONSULT_TRANSITIONS: Record<QuickConsultAction, { from: readonly QuickConsultState[]; to: QuickConsultState; actor: QuickConsultActor; label: { zh: string; en: string } }> = {
  // A further answer after the first is allowed: the conversation goes on until it is closed or converted.
  answer: { from: ['open', 'answered'], to: 'answered', actor: 'expert', label: { zh: '专家回复', en: 'Answer' } },
  convert: { from: ['open', 'answered'], to: 'converted', actor: 'asker_or_expert', label: { zh: '转为正式会诊或转诊', en: 'Convert to a consultation or referral' } },
  close: { from: ['open', 'answered'], to: 'closed', actor: 'asker_or_expert', label: { zh: '结束问诊', en: 'Close' } },
};

/** The steps a side may take in a state. */
export function quickConsultActions(side: 'asker' | 'expert', status: QuickConsultState): QuickConsultAction[] {
  return QUICK_CONSULT_ACTIONS.filter((a) => {
    const t = QUICK_CONSULT_TRANSITIONS[a];
    return t.from.includes(status) && (t.actor === 'asker_or_expert' || side === 'expert');
  });
}
