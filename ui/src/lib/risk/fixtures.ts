// Shapes the app returns, for the risk screens' tests (the same fields as the generated types).
import type { Attention, LegState, MoneyView, RedemptionView, RiskDecisionView, RiskStatusView } from '../backend';

/** Whole won, as the app writes them. */
export const won = (n: number): MoneyView => ({
  amount: String(n),
  currency: 'KRW',
  en: `₩${n.toLocaleString('en')}`,
  ko: `${n.toLocaleString('en')}원`,
});

/** Dollars and cents given as text ("25.00"), as the app writes them. */
export const usd = (amount: string): MoneyView => ({
  amount,
  currency: 'USD',
  en: `$${amount}`,
  ko: `$${amount}`,
});

export function decision(over: Partial<RiskDecisionView> = {}): RiskDecisionView {
  return {
    redemption_id: 'rx_1',
    outcome: 'step_up',
    tier: 'new',
    summary: { en: 'Confirm this redemption with your security key.', ko: '이 청구를 보안 키로 확인하세요.' },
    reasons: [
      {
        rule: 'new_tier',
        outcome: 'step_up',
        text: { en: 'New users confirm every redemption.', ko: '신규 사용자는 모든 청구를 확인합니다.' },
      },
      {
        rule: 'new_destination',
        outcome: 'step_up',
        text: { en: 'A destination you have not used before.', ko: '처음 쓰는 받는 곳입니다.' },
      },
    ],
    plan_digest: 'ab12cd34ef567890'.repeat(4),
    decided_at: '2026-11-24T12:00:00Z',
    unattended: false,
    waived: false,
    paused: true,
    verified_at: null,
    cancelled_at: null,
    ...over,
  };
}

/** A redemption in `state`, with the app's `attention` (by default: waiting for the key). */
export function redemption(
  state: LegState = 'planned',
  risk: RiskDecisionView | null = decision(),
  attention: Attention | null = 'waits_for_key',
): RedemptionView {
  return {
    id: 'rx_1',
    provider: 'sandbox.tipvault.local',
    sandbox: true,
    catalog_version: 3,
    state,
    created_at: '2026-11-24T12:00:00Z',
    approved_at: null,
    legs: [
      {
        seq: 0,
        provider: 'sandbox.tipvault.local',
        product: 'krw-mobile-top-up',
        amount: won(1300),
        fee: won(0),
        state,
        attempts: 0,
        next_attempt_at: null,
        last_error: null,
        provider_redemption_id: state === 'confirmed' ? 'rd_abc' : null,
        reveals: [{ name: 'phone_number', value: '01012345678', personal_data: true }],
      },
    ],
    risk,
    attention,
  };
}

export function status(over: Partial<RiskStatusView> = {}): RiskStatusView {
  return {
    tier: 'new',
    tier_text: { en: 'new', ko: '신규' },
    confirmed: 2,
    days: 3,
    disputes: 0,
    next_tier: 'established',
    claims_needed: 3,
    days_needed: 4,
    claims_progress_bp: 4000,
    days_progress_bp: 4285,
    progress: {
      en: '3 more confirmed redemptions and 4 more days to become established.',
      ko: '일반 등급까지 확인된 청구 3건, 4일이 더 필요합니다.',
    },
    currencies: [
      {
        currency: 'KRW',
        limits: {
          currency: 'KRW',
          tier: 'new',
          per_claim: won(30000),
          per_day: won(100000),
          tier_per_claim: won(30000),
          tier_per_day: won(100000),
          per_claim_set_by_user: false,
          per_day_set_by_user: false,
        },
        rules: [
          {
            rule: 'over_claim_limit',
            outcome: 'deny',
            text: { en: 'A claim above ₩30,000 is refused.', ko: '₩30,000을 넘는 청구는 거절합니다.' },
          },
          {
            rule: 'new_tier',
            outcome: 'step_up',
            text: { en: 'New users confirm every redemption.', ko: '신규 사용자는 모든 청구를 확인합니다.' },
          },
        ],
      },
      {
        currency: 'USD',
        limits: {
          currency: 'USD',
          tier: 'new',
          per_claim: usd('25.00'),
          per_day: usd('80.00'),
          tier_per_claim: usd('25.00'),
          tier_per_day: usd('80.00'),
          per_claim_set_by_user: false,
          per_day_set_by_user: false,
        },
        rules: [],
      },
    ],
    verifications: [],
    auto_cash_out_rules: 0,
    auto_cash_outs_allowed: false,
    sandbox_step_up_waived: true,
    security_key_registered: false,
    ...over,
  };
}
