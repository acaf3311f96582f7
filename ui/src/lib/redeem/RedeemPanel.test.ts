import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import { backend, type LegState } from '../backend';
import RedeemPanel from './RedeemPanel.svelte';

const won = (n: number) => ({ amount: String(n), currency: 'KRW', en: `₩${n}`, ko: `${n}원` });
const plan = {
  balance: [won(1300)],
  legs: [
    {
      product_id: 'krw-mobile-top-up', product_name: 'Mobile top-up', product_name_ko: '휴대폰 충전', kind: 'mobile_top_up' as const, kind_en: 'top-up', kind_ko: '충전',
      gross: won(1000), fee: won(0), net: won(1000), redemptions: 1, eta_typical_seconds: 120, eta_worst_seconds: 1800,
      destination_fields: ['phone_number'], path_bp: 7692, fee_of_leg_bp: 0,
    },
  ],
  kept: [], remainder: [won(300)], fees: [won(0)], eta_typical_seconds: 120, eta_worst_seconds: 1800,
  redeemable: true, freshness: 'fresh' as const, explanation_en: 'x', explanation_ko: 'x', conservation_en: [], conservation_ko: [], stays_bp: 2308,
};
const query = { amount: '1300', currency: 'KRW', prefer: ['topup'], objective: 'first_preference' as const, keep: null, exclude: [], provider: 'sandbox' };
// The preview screen's wiring: an amount's redemption at one provider.
const props = {
  legs: plan.legs,
  request: (destinations: Record<string, Record<string, string>>) => backend.planRedemption({ query, destinations }),
  amount: query.amount,
};
const leg = (state: LegState) => ({
  seq: 1, provider: 'sandbox', product: 'krw-mobile-top-up', amount: won(1000), fee: won(0), state, attempts: state === 'planned' ? 0 : 1,
  next_attempt_at: null, last_error: null, provider_redemption_id: state === 'confirmed' ? 'rd_abc' : null,
  reveals: [{ name: 'phone_number', value: '01012345678', personal_data: true }, { name: 'amount', value: '1000 KRW', personal_data: false }],
});
const view = (state: LegState) => ({
  id: 'r1', provider: 'sandbox', sandbox: true, catalog_version: 1, state, created_at: '2026-11-24T00:00:00Z', approved_at: null, legs: [leg(state)], risk: null, attention: null,
});

describe('RedeemPanel', () => {
  it('asks only for the declared fields, shows what leaves before sending, then the receipts', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'plan_redemption') return view('planned');
      if (cmd === 'send_redemption') return view('confirmed');
      return undefined;
    });
    const user = userEvent.setup();
    render(RedeemPanel, { ...props, sandbox: true });
    expect(screen.getByText('Sandbox: demo money')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Mobile top-up: phone number'), '01012345678');
    await user.click(screen.getByRole('button', { name: 'Review what will be sent' }));
    expect(await screen.findByText('What these requests reveal')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'plan_redemption')!.args).toEqual({
      request: { query, destinations: { 'krw-mobile-top-up': { phone_number: '01012345678' } } },
    });
    // Nothing is sent until the user has seen the reveals and clicks Send.
    expect(calls.some((c) => c.cmd === 'send_redemption')).toBe(false);
    expect(screen.getByText('01012345678')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Send the signed requests (1)' }));
    expect(await screen.findByText(/every request is confirmed/)).toBeInTheDocument();
    expect(screen.getByText('rd_abc')).toBeInTheDocument();
  });

  it('keeps what was typed when the panel is made again (a later preview answer), through its caller', async () => {
    mockIPC(() => undefined);
    const user = userEvent.setup();
    const kept: Record<string, Record<string, string>> = {};
    const first = render(RedeemPanel, { ...props, sandbox: true, values: kept });
    await user.type(screen.getByLabelText('Mobile top-up: phone number'), '01012345678');
    first.unmount();
    // The caller (the preview screen) holds the values; a new panel for the same plan shows them.
    expect(kept).toEqual({ 'krw-mobile-top-up': { phone_number: '01012345678' } });
    render(RedeemPanel, { ...props, sandbox: true, values: kept });
    expect(screen.getByLabelText('Mobile top-up: phone number')).toHaveValue('01012345678');
  });

  it('shows why a redemption was paused instead of an error, and nothing more is sent', async () => {
    const paused = {
      ...view('planned'),
      risk: {
        redemption_id: 'r1', outcome: 'step_up', tier: 'new',
        summary: { en: 'Confirm this redemption with your security key.', ko: '보안 키로 확인하세요.' },
        reasons: [{ rule: 'new_tier', outcome: 'step_up', text: { en: 'New users confirm every redemption.', ko: '신규' } }],
        plan_digest: 'ab'.repeat(32), decided_at: '2026-11-24T00:00:00Z', unattended: false, waived: false,
        paused: true, verified_at: null, cancelled_at: null,
      },
      attention: 'waits_for_key',
    };
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'plan_redemption') return view('planned');
      if (cmd === 'send_redemption') return paused;
      if (cmd === 'security_keys') return [{ id: 'k1' }];
      if (cmd === 'cancel_redemption') return { ...view('failed'), risk: { ...paused.risk, paused: false, cancelled_at: '2026-11-24T00:01:00Z' } };
      return undefined;
    });
    const user = userEvent.setup();
    render(RedeemPanel, { ...props, sandbox: true });
    await user.type(screen.getByLabelText('Mobile top-up: phone number'), '01012345678');
    await user.click(screen.getByRole('button', { name: 'Review what will be sent' }));
    await user.click(await screen.findByRole('button', { name: 'Send the signed requests (1)' }));
    expect(await screen.findByText('Why is this redemption waiting?')).toBeInTheDocument();
    expect(screen.getByText(/New users confirm every redemption./)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Review what will be sent' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Cancel this redemption' }));
    expect(await screen.findByText('Cancelled. Nothing was sent.')).toBeInTheDocument();
    expect(calls.filter((c) => c === 'send_redemption')).toHaveLength(1);
  });
});
