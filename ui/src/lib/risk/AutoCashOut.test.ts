import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it, vi } from 'vitest';
import type { AutoCashOutView, Tier } from '../backend';
import AutoCashOut from './AutoCashOut.svelte';
import { status, won } from './fixtures';

const source = {
  id: 'kofi',
  label: 'Ko-fi',
  platform: 'kofi',
  platform_name: 'Ko-fi',
  currency: 'KRW',
  payout_threshold: null,
  payout_schedule: null,
};
const rule: AutoCashOutView = {
  id: 'bus fare',
  source: 'kofi',
  threshold: won(50000),
  template: {
    amount: '20000',
    prefer: ['krw-mobile-top-up'],
    exclude: [],
    provider: null,
    destinations: { 'krw-mobile-top-up': { phone_number: '01012345678' } },
    least_fees: false,
  },
  created_at: '2026-11-24T12:00:00Z',
  last_fired: null,
};

function backend(tier: Tier, rules: AutoCashOutView[], extra: (cmd: string, args: Record<string, unknown>) => unknown = () => undefined) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    const answer = extra(cmd, a);
    if (answer !== undefined) return answer;
    if (cmd === 'risk_status') {
      // As the app answers for each tier.
      return status({ tier, next_tier: tier === 'trusted' ? null : 'established', auto_cash_outs_allowed: tier === 'trusted' });
    }
    if (cmd === 'auto_cashouts') return rules;
    if (cmd === 'sources') return [source];
  });
  return calls;
}

describe('AutoCashOut', () => {
  it('explains why rules cannot be added below the trusted tier, and how far it is', async () => {
    const calls = backend('new', []);
    render(AutoCashOut);
    expect(await screen.findByText(/Automatic cash-outs are for the trusted tier/)).toHaveTextContent(
      'You are new. 3 more confirmed redemptions and 4 more days to become established.',
    );
    expect(screen.getByRole('button', { name: 'Add rule' })).toBeDisabled();
    expect(screen.getByLabelText('Name')).toBeDisabled();
    expect(calls.some((c) => c.cmd === 'add_auto_cashout')).toBe(false);
  });

  it('lists rules in words and adds one "when this source reaches X, run this plan"', async () => {
    let rules: AutoCashOutView[] = [rule];
    const calls = backend('trusted', rules, (cmd, args) => {
      if (cmd === 'auto_cashouts') return rules;
      if (cmd === 'add_auto_cashout') {
        const r = args.rule as { id: string; source: string; threshold: string; template: AutoCashOutView['template'] };
        const added = { id: r.id, source: r.source, threshold: won(Number(r.threshold)), template: r.template, created_at: '2026-11-24T13:00:00Z', last_fired: null };
        rules = [...rules, added];
        return added;
      }
    });
    const user = userEvent.setup();
    render(AutoCashOut);
    expect(await screen.findByText('Ko-fi reaches ₩50,000')).toBeInTheDocument();
    expect(screen.getByText('redeem 20000 · prefers krw-mobile-top-up')).toBeInTheDocument();
    expect(screen.queryByText(/for the trusted tier/)).toBeNull();
    await vi.waitFor(() => expect(screen.getByLabelText('Name')).toBeEnabled());
    await user.type(screen.getByLabelText('Name'), 'donate');
    await user.type(screen.getByLabelText('When it reaches'), '80000');
    await user.type(screen.getByLabelText('Products, in order of preference'), 'krw-donation');
    await user.type(screen.getByLabelText('Destinations, one per line: product.field = value'), 'krw-donation.note = thanks');
    await user.click(screen.getByRole('button', { name: 'Add rule' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Rule “donate” added.');
    expect(calls.find((c) => c.cmd === 'add_auto_cashout')?.args).toEqual({
      rule: {
        id: 'donate',
        source: 'kofi',
        threshold: '80000',
        template: {
          amount: null,
          prefer: ['krw-donation'],
          exclude: [],
          provider: null,
          destinations: { 'krw-donation': { note: 'thanks' } },
          least_fees: false,
        },
      },
    });
    expect(await screen.findByText('Ko-fi reaches ₩80,000')).toBeInTheDocument();
  });

  it('refuses a destination line it cannot read before asking the app', async () => {
    const calls = backend('trusted', []);
    const user = userEvent.setup();
    render(AutoCashOut);
    await vi.waitFor(() => expect(screen.getByLabelText('Name')).toBeEnabled());
    await user.type(screen.getByLabelText('Name'), 'x');
    await user.type(screen.getByLabelText('When it reaches'), '1000');
    await user.type(screen.getByLabelText('Destinations, one per line: product.field = value'), 'phone 010');
    await user.click(screen.getByRole('button', { name: 'Add rule' }));
    expect(screen.getByText('Line 1 of the destinations is not of the form product.field = value.')).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === 'add_auto_cashout')).toBe(false);
  });

  it('removes a rule and shows what a run did', async () => {
    let rules: AutoCashOutView[] = [rule];
    const calls = backend('trusted', rules, (cmd) => {
      if (cmd === 'auto_cashouts') return rules;
      if (cmd === 'remove_auto_cashout') {
        rules = [];
        return null;
      }
      if (cmd === 'run_auto_cashouts')
        return { tier: 'trusted', skipped: null, fired: [{ rule: 'bus fare', redemption_id: 'rx_9', outcome: 'paused', message: 'New destination.' }] };
    });
    const user = userEvent.setup();
    render(AutoCashOut);
    await user.click(await screen.findByRole('button', { name: 'Run the rules now' }));
    const result = await vi.waitFor(() => {
      const r = document.querySelector<HTMLElement>('#auto-run-results tr[data-outcome="paused"]');
      if (!r) throw new Error('no run result yet');
      return r;
    });
    expect(result).toHaveTextContent('waits for your key (see Redemptions)');
    expect(result).toHaveTextContent('New destination.');
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Rule “bus fare” removed.');
    expect(calls.find((c) => c.cmd === 'remove_auto_cashout')?.args).toEqual({ id: 'bus fare' });
    expect(await screen.findByText('No rules yet.')).toBeInTheDocument();
  });

  it('shows the last background run until the user runs the rules here', async () => {
    backend('trusted', [rule], (cmd) =>
      cmd === 'run_auto_cashouts'
        ? { tier: 'trusted', skipped: null, fired: [{ rule: 'bus fare', redemption_id: null, outcome: 'waiting', message: null, hint: null }] }
        : undefined,
    );
    const user = userEvent.setup();
    render(AutoCashOut, {
      background: {
        tier: 'trusted',
        skipped: null,
        fired: [
          { rule: 'bus fare', redemption_id: 'rx_1', outcome: 'approved', message: null, hint: null },
          {
            rule: 'rent',
            redemption_id: 'rx_2',
            outcome: 'paused',
            message: 'Nothing was sent: it waits for you.',
            hint: { kind: 'verify_or_cancel', redemption: 'rx_2' },
          },
        ],
      },
    });
    expect(await screen.findByRole('heading', { name: 'Last automatic run (tier trusted)' })).toBeInTheDocument();
    expect(document.querySelector('#auto-run-results tr[data-outcome="approved"]')).toHaveTextContent('queued and sent');
    // What to do next comes with a paused rule, in the user's words (no command line).
    expect(document.querySelector('#auto-run-results tr[data-outcome="paused"]')).toHaveTextContent(
      'Confirm it with your security key, or cancel it.',
    );
    await user.click(await screen.findByRole('button', { name: 'Run the rules now' }));
    expect(await screen.findByRole('heading', { name: /^This run/ })).toBeInTheDocument();
    expect(document.querySelector('#auto-run-results tr[data-outcome="waiting"]')).toHaveTextContent('already ran in the last day');
  });

  it('shows when each rule last ran and what came of it, or that it has not yet', async () => {
    const fired: AutoCashOutView = {
      ...rule,
      id: 'daily',
      last_fired: { at: '2026-11-24T09:30:00Z', outcome: 'paused', redemption_id: 'rx_2' },
    };
    backend('trusted', [rule, fired]);
    render(AutoCashOut);
    const cell = (id: string) => document.querySelector<HTMLElement>(`#auto-rules tr[data-rule="${id}"] .last-fired`)!;
    await vi.waitFor(() => expect(cell('daily')).not.toBeNull());
    expect(cell('daily')).toHaveAttribute('data-outcome', 'paused');
    expect(cell('daily')).toHaveTextContent('waits for your key (see Redemptions)');
    expect(cell('bus fare')).toHaveAttribute('data-outcome', 'never');
    expect(cell('bus fare')).toHaveTextContent('not yet');
  });
});
