import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it, vi } from 'vitest';
import type { StepUpPlanView } from '../backend';
import { i18n } from '../i18n/index.svelte';
import { decision, redemption, won } from './fixtures';
import WhyPaused from './WhyPaused.svelte';

const plan: StepUpPlanView = {
  redemption_id: 'rx_1',
  provider: 'sandbox.tipvault.local',
  sandbox: true,
  catalog_version: 3,
  plan_digest: decision().plan_digest,
  legs: [
    {
      seq: 0,
      provider: 'sandbox.tipvault.local',
      product: 'krw-mobile-top-up',
      net: won(1300),
      fee: won(0),
      gross: won(1300),
      debit: won(1300),
      destination: [{ name: 'phone_number', value: '01012345678', personal_data: true }],
    },
  ],
  totals: [{ net: won(1300), fee: won(0), gross: won(1300), debit: won(1300) }],
};

const key = { id: 'k1', label: 'Test key' };

describe('WhyPaused', () => {
  it("shows the decision's summary and every reason in the app's words, in either language", async () => {
    mockIPC((cmd) => (cmd === 'security_keys' ? [key] : undefined));
    render(WhyPaused, { redemption: redemption() });
    expect(screen.getByText('Why is this redemption waiting?')).toBeInTheDocument();
    expect(screen.getByText('Confirm this redemption with your security key.')).toBeInTheDocument();
    const reasons = screen.getAllByRole('listitem');
    expect(reasons.map((r) => r.dataset.rule)).toEqual(['new_tier', 'new_destination']);
    expect(reasons[0]).toHaveTextContent('New users confirm every redemption.');
    expect(reasons[0]).toHaveTextContent('asks for your key');
    expect(screen.getByText('Your tier: new')).toBeInTheDocument();
    expect(screen.getByText(/Nothing was sent/)).toBeInTheDocument();
    i18n.locale = 'ko';
    try {
      expect(await screen.findByText('처음 쓰는 받는 곳입니다.')).toBeInTheDocument();
      expect(screen.getByText('내 등급: 신규')).toBeInTheDocument();
      expect(screen.getByRole('button', { name: '보안 키로 확인' })).toBeInTheDocument();
    } finally {
      i18n.locale = 'en';
    }
  });

  it('verifies with the key through the step-up dialog, then hands back the sent redemption', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'security_keys') return [key];
      if (cmd === 'step_up_plan') return plan;
      if (cmd === 'security_key_devices') return ['usb', 'test_device'];
      if (cmd === 'verify_redemption')
        return redemption('confirmed', decision({ paused: false, verified_at: '2026-11-24T12:01:00Z' }), null);
    });
    const onDone = vi.fn();
    const user = userEvent.setup();
    render(WhyPaused, { redemption: redemption(), onDone });
    await user.click(screen.getByRole('button', { name: 'Verify with security key' }));
    // The dialog shows exactly the plan the key signs.
    expect(await screen.findByText('To sandbox.tipvault.local')).toBeInTheDocument();
    expect(screen.getByText('01012345678')).toBeInTheDocument();
    await user.click(screen.getByLabelText(/Software test device/));
    await user.click(screen.getByRole('button', { name: 'Approve ₩1,300 with my key' }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(calls.find((c) => c.cmd === 'verify_redemption')?.args).toEqual({
      id: 'rx_1',
      planDigest: plan.plan_digest,
      device: 'test_device',
      pin: null,
    });
    expect(onDone.mock.calls[0]![0]).toMatchObject({ state: 'confirmed' });
  });

  it('picks the kind of key the vault has registered: the test device when it is the only one', async () => {
    mockIPC((cmd) => {
      if (cmd === 'security_keys') return [{ ...key, is_test_device: true }];
      if (cmd === 'step_up_plan') return plan;
      if (cmd === 'security_key_devices') return ['usb', 'test_device'];
    });
    const user = userEvent.setup();
    render(WhyPaused, { redemption: redemption() });
    await user.click(screen.getByRole('button', { name: 'Verify with security key' }));
    await screen.findByText('To sandbox.tipvault.local');
    await vi.waitFor(() => expect(screen.getByLabelText(/Software test device/)).toBeChecked());
  });

  it('cancels: nothing is sent', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'security_keys') return [key];
      if (cmd === 'cancel_redemption')
        return redemption('failed', decision({ paused: false, cancelled_at: '2026-11-24T12:01:00Z' }), null);
    });
    const onDone = vi.fn();
    const user = userEvent.setup();
    render(WhyPaused, { redemption: redemption(), onDone });
    await user.click(screen.getByRole('button', { name: 'Cancel this redemption' }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(calls).not.toContain('verify_redemption');
    expect(onDone.mock.calls[0]![0].risk.cancelled_at).toBeTruthy();
  });

  it('offers only cancel for a refusal, and says why', async () => {
    mockIPC((cmd) => (cmd === 'security_keys' ? [key] : undefined));
    const denied = decision({
      outcome: 'deny',
      paused: false,
      summary: { en: 'Refused: over your limit.', ko: '거절: 한도를 넘었습니다.' },
      reasons: [{ rule: 'over_claim_limit', outcome: 'deny', text: { en: 'Above ₩30,000 per claim.', ko: '청구 1건당 ₩30,000 초과.' } }],
    });
    render(WhyPaused, { redemption: redemption('planned', denied, 'refused') });
    expect(screen.getByText('Why was this redemption refused?')).toBeInTheDocument();
    expect(screen.getByText(/Above ₩30,000 per claim./)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Verify with security key' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Cancel this redemption' })).toBeInTheDocument();
  });

  it('says a key must be added first when none is registered', async () => {
    mockIPC((cmd) => (cmd === 'security_keys' ? [] : undefined));
    render(WhyPaused, { redemption: redemption() });
    expect(await screen.findByText(/No security key is registered/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Verify with security key' })).toBeDisabled();
  });
});
