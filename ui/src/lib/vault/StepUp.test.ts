import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it, vi } from 'vitest';
import type { MoneyView, StepUpPlanView } from '../backend';
import StepUp from './StepUp.svelte';

const won = (n: number): MoneyView => ({
  amount: String(n),
  currency: 'KRW',
  en: `₩${n.toLocaleString('en')}`,
  ko: `${n.toLocaleString('en')}원`,
});

function plan(digest = 'ab12cd34ef567890'.repeat(4), first = 3000): StepUpPlanView {
  return {
    redemption_id: 'rx_1',
    provider: 'sandbox.tipvault.local',
    sandbox: true,
    catalog_version: 3,
    plan_digest: digest,
    legs: [
      {
        seq: 0,
        provider: 'sandbox.tipvault.local',
        product: 'krw-mobile-top-up',
        net: won(first),
        fee: won(100),
        gross: won(first + 100),
        debit: won(first + 100),
        destination: [{ name: 'phone_number', value: '01012345678', personal_data: true }],
      },
      {
        seq: 1,
        provider: 'sandbox.tipvault.local',
        product: 'krw-donation',
        net: won(1000),
        fee: won(0),
        gross: won(1000),
        debit: won(1000),
        destination: [],
      },
    ],
    totals: [{ net: won(first + 1000), fee: won(100), gross: won(first + 1100), debit: won(first + 1100) }],
  };
}

describe('StepUp', () => {
  it('shows the provider, every leg with its destination and personal-data mark, and the totals', async () => {
    mockIPC((cmd) => {
      if (cmd === 'step_up_plan') return plan();
      if (cmd === 'security_key_devices') return ['usb'];
    });
    render(StepUp, { redemptionId: 'rx_1' });
    expect(await screen.findByText('To sandbox.tipvault.local')).toBeInTheDocument();
    const rows = screen.getAllByRole('row');
    const first = rows.find((r) => r.textContent?.includes('krw-mobile-top-up'))!;
    expect(first).toHaveTextContent('₩3,000');
    expect(first).toHaveTextContent('₩100');
    expect(first).toHaveTextContent('phone number: 01012345678');
    expect(first).toHaveTextContent('personal');
    const second = rows.find((r) => r.textContent?.includes('krw-donation'))!;
    expect(second).toHaveTextContent('Nothing (no personal data)');
    const total = rows.find((r) => r.textContent?.startsWith('Total'))!;
    expect(total).toHaveTextContent('₩4,000');
    expect(total).toHaveTextContent('Leaves your balance: ₩4,100');
    expect(screen.getByText(/Your security key signs exactly this plan: 2 requests to sandbox.tipvault.local, for ₩4,100/)).toBeInTheDocument();
    expect(screen.getByText('ab12 cd34 ef56 7890')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Approve ₩4,100 with my key' })).toBeInTheDocument();
    expect(screen.getByText('Sandbox: demo money')).toBeInTheDocument();
  });

  it('names the provider of every request when the plan goes to several', async () => {
    const across = plan();
    across.legs[1]!.provider = 'telco-points';
    mockIPC((cmd) => {
      if (cmd === 'step_up_plan') return across;
      if (cmd === 'security_key_devices') return ['usb'];
    });
    render(StepUp, { redemptionId: 'rx_1' });
    expect(
      await screen.findByText('To sandbox.tipvault.local, telco-points: each request goes only to the provider named on it'),
    ).toBeInTheDocument();
    const rows = screen.getAllByRole('row');
    expect(rows.find((r) => r.textContent?.includes('krw-mobile-top-up'))!).toHaveTextContent('to sandbox.tipvault.local');
    expect(rows.find((r) => r.textContent?.includes('krw-donation'))!).toHaveTextContent('to telco-points');
    expect(screen.getByText(/2 requests to sandbox.tipvault.local, telco-points, for ₩4,100/)).toBeInTheDocument();
  });

  it('verifies with the digest it showed and hands back the redemption as sent', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'step_up_plan') return plan();
      if (cmd === 'security_key_devices') return ['usb', 'test_device'];
      if (cmd === 'verify_redemption') return { id: 'rx_1', state: 'confirmed', legs: [] };
    });
    const onApproved = vi.fn();
    const user = userEvent.setup();
    render(StepUp, { redemptionId: 'rx_1', onApproved });
    await screen.findByText('To sandbox.tipvault.local');
    await user.click(await screen.findByLabelText(/Software test device/));
    await user.click(screen.getByRole('button', { name: /Approve/ }));
    expect(await screen.findByRole('status')).toHaveTextContent('Approved with your security key.');
    expect(calls.find((c) => c.cmd === 'verify_redemption')?.args).toEqual({
      id: 'rx_1',
      planDigest: plan().plan_digest,
      device: 'test_device',
      pin: null,
    });
    expect(onApproved).toHaveBeenCalledWith(expect.objectContaining({ id: 'rx_1', state: 'confirmed' }));
  });

  it('shows the new plan when the redemption changed after it was shown', async () => {
    let current = plan();
    mockIPC((cmd) => {
      if (cmd === 'step_up_plan') return current;
      if (cmd === 'security_key_devices') return ['usb'];
      if (cmd === 'verify_redemption') {
        current = plan('ffff0000'.repeat(8), 3001);
        throw { code: 'plan_changed', message: 'This redemption changed after it was shown to you; nothing was approved.' };
      }
    });
    const user = userEvent.setup();
    render(StepUp, { redemptionId: 'rx_1' });
    await screen.findByText('To sandbox.tipvault.local');
    await user.click(screen.getByRole('button', { name: /Approve/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('nothing was approved');
    expect(await screen.findByText('ffff 0000 ffff 0000')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Approve ₩4,101 with my key' })).toBeInTheDocument();
  });
});

describe('StepUp waiting for a USB key', () => {
  it('says to touch the key, and its Stop waiting ends the wait with nothing approved', async () => {
    let release: ((v: unknown) => void) | null = null;
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'step_up_plan') return plan();
      if (cmd === 'security_key_devices') return ['usb'];
      if (cmd === 'security_keys') return [];
      if (cmd === 'verify_redemption') {
        // Waits like a USB key nobody touches, until the wait is cancelled.
        return new Promise((_, reject) => {
          release = reject;
        });
      }
      if (cmd === 'cancel_key_wait') {
        release?.({ code: 'cancelled', message: 'The operation was cancelled.', retry_after: null, hint: null });
        return null;
      }
    });
    const onCancel = vi.fn();
    render(StepUp, { redemptionId: 'rx_1', onCancel });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: /Approve/ }));
    expect(await screen.findByText(/Touch your security key now/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Stop waiting' }));
    expect(await screen.findByText('You stopped waiting for the security key. Nothing was approved or sent.')).toBeInTheDocument();
    expect(calls).toContain('cancel_key_wait');
    // Stopping the wait is not closing the dialog: the user may pick another key.
    expect(onCancel).not.toHaveBeenCalled();
    expect(screen.queryByText(/Touch your security key now/)).toBeNull();
  });
});
