/**
 * Two-way referral (双向转诊): the one state machine that the server enforces, the web app draws its buttons from
 * and the tests walk. The chain follows seed 003: the sending doctor applies → the sending institution's referral
 * office (转诊办/医务科) approves or returns → the receiving institution's office approves and assigns the receiving
 * doctor, forwards it further up, or refuses → the receiving doctor accepts and books the green-channel slot or bed →
 * arrival (or no-show) → closed with a summary back to the sender. The sender may cancel before acceptance.
 */
import type { Role } from './roles.js';

export const REFERRAL_STATES = [
  'draft', 'submitted', 'returned', 'sender_approved', 'receiver_approved', 'accepted', 'arrived', 'no_show',
  'closed', 'refused', 'cancelled',
] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

export const REFERRAL_STATE_LABELS: Record<ReferralState, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  submitted: { zh: '待本院审核', en: 'Awaiting sending office' },
  returned: { zh: '已退回', en: 'Returned for changes' },
  sender_approved: { zh: '待接收方审核', en: 'Awaiting receiving office' },
  receiver_approved: { zh: '待接诊', en: 'Awaiting receiving doctor' },
  accepted: { zh: '待到诊', en: 'Booked, awaiting arrival' },
  arrived: { zh: '已到诊', en: 'Arrived' },
  no_show: { zh: '未到诊', en: 'Did not arrive' },
  closed: { zh: '已完成', en: 'Closed' },
  refused: { zh: '已拒收', en: 'Refused' },
  cancelled: { zh: '已撤销', en: 'Cancelled' },
};

/** Who acts, relative to the referral: its author, an office (institution_admin) or staff of one side, the assigned doctor. */
export type ReferralActor = 'author' | 'sending_office' | 'receiving_office' | 'assigned_doctor' | 'receiving_staff';

export const REFERRAL_ACTIONS = [
  'submit', 'sender_approve', 'sender_return', 'receiver_approve', 'forward', 'refuse', 'accept', 'arrive',
  'no_show', 'close', 'cancel',
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

export interface ReferralTransition {
  from: readonly ReferralState[];
  to: ReferralState;
  actor: ReferralActor;
  /** What the request must carry (checked by the server, asked for by the UI). */
  needs?: readonly ('reason' | 'assignee' | 'target' | 'booking' | 'summary')[];
  label: { zh: string; en: string };
}

export const REFERRAL_TRANSITIONS: Record<ReferralAction, ReferralTransition> = {
  submit: { from: ['draft', 'returned'], to: 'submitted', actor: 'author', label: { zh: '提交', en: 'Submit' } },
  sender_approve: { from: ['submitted'], to: 'sender_approved', actor: 'sending_office', label: { zh: '审核通过', en: 'Approve' } },
  sender_return: { from: ['submitted'], to: 'returned', actor: 'sending_office', needs: ['reason'], label: { zh: '退回', en: 'Return' } },
  receiver_approve: { from: ['sender_approved'], to: 'receiver_approved', actor: 'receiving_office', needs: ['assignee'], label: { zh: '同意接收并指派', en: 'Accept and assign' } },
  forward: { from: ['sender_approved'], to: 'sender_approved', actor: 'receiving_office', needs: ['target', 'reason'], label: { zh: '继续上转', en: 'Forward further' } },
  refuse: { from: ['sender_approved'], to: 'refused', actor: 'receiving_office', needs: ['reason'], label: { zh: '拒收', en: 'Refuse' } },
  accept: { from: ['receiver_approved'], to: 'accepted', actor: 'assigned_doctor', needs: ['booking'], label: { zh: '接诊并预约', en: 'Accept and book' } },
  arrive: { from: ['accepted'], to: 'arrived', actor: 'receiving_staff', label: { zh: '确认到诊', en: 'Confirm arrival' } },
  no_show: { from: ['accepted'], to: 'no_show', actor: 'receiving_staff', label: { zh: '未到诊', en: 'No-show' } },
  close: { from: ['arrived'], to: 'closed', actor: 'receiving_staff', needs: ['summary'], label: { zh: '结束转诊并回复', en: 'Close with summary' } },
  cancel: { from: ['draft', 'submitted', 'returned', 'sender_approved', 'receiver_approved'], to: 'cancelled', actor: 'author', needs: ['reason'], label: { zh: '撤销', en: 'Cancel' } },
};

/** Roles that may act as each actor (institution scope is checked against the referral's sides by the server). */
export const REFERRAL_ACTOR_ROLES: Record<ReferralActor, readonly Role[]> = {
  author: ['doctor', 'family_doctor', 'dept_head', 'system_client'],
  sending_office: ['institution_admin'],
  receiving_office: ['institution_admin'],
  assigned_doctor: ['doctor', 'dept_head', 'family_doctor'],
  receiving_staff: ['doctor', 'dept_head', 'institution_admin', 'family_doctor'],
};

/** Steps with a time limit (hours in state before the step is overdue and escalates to the office); configurable. */
export const REFERRAL_DEFAULT_LIMIT_HOURS: Partial<Record<ReferralState, number>> = {
  submitted: 24, sender_approved: 24, receiver_approved: 24, accepted: 24 * 7,
};

export const REFERRAL_FINAL: readonly ReferralState[] = ['closed', 'refused', 'cancelled', 'no_show'];

/** The actions possible from a state (the UI shows these as buttons, filtered by who the user is). */
export const actionsFrom = (state: ReferralState): ReferralAction[] =>
  REFERRAL_ACTIONS.filter((a) => REFERRAL_TRANSITIONS[a].from.includes(state));

/** The transition for an action from a state, or null when the action is illegal there (the server answers 409). */
export function referralTransition(state: ReferralState, action: ReferralAction): ReferralTransition | null {
  const t = REFERRAL_TRANSITIONS[action];
  return t.from.includes(state) ? t : null;
}
