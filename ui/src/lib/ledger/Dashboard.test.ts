import { fireEvent, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it, vi } from 'vitest';
import Dashboard from './Dashboard.svelte';

const usd = (amount: string) => ({ amount, currency: 'USD', en: `$${amount}`, ko: `$${amount}` });
const krw = (n: number) => ({
  amount: String(n),
  currency: 'KRW',
  en: `₩${n.toLocaleString('en')}`,
  ko: `${n.toLocaleString('en')}원`,
});

const kofi = {
  id: 'kofi-main',
  label: 'Ko-fi',
  kind: 'platform',
  location: 'paid_out',
  where_en: 'paid out to PayPal or Stripe',
  where_ko: 'PayPal or Stripe(으)로 지급 완료',
  provider: null,
  sandbox: false,
  balances: [usd('20.50')],
  redeemable: [],
  payout: null,
  reconciled: [],
  holds: [usd('20.50')],
  drawable: false,
  linkable: false,
};

const toonation = {
  ...kofi,
  id: 'toonation',
  label: 'Toonation',
  location: 'at_platform',
  where_en: 'at Toonation until payout',
  where_ko: '지급 전까지 Toonation에 보관 중',
  balances: [usd('20.50')],
  payout: '$50.00: request 1st–10th',
  holds: [usd('20.50')],
  linkable: true,
};

const doubleCharge = {
  account: 'provider-demo-provider',
  provider: 'demo-provider',
  currency: 'KRW',
  provider_balance: krw(8400),
  vault_balance: krw(8700),
  difference: krw(-300),
  outcome: 'double_charge',
  explanation_en: 'The provider took ₩300 more than your receipts say: it looks charged twice.',
  explanation_ko: '이중 청구로 보입니다.',
  suspect: null,
  in_flight: [],
  dispute: 'rd_twice',
  at: '2026-12-04T10:00:00Z',
};

const sandbox = {
  ...kofi,
  id: 'provider-demo-provider',
  label: 'demo-provider (sandbox)',
  kind: 'provider',
  location: 'at_provider',
  where_en: 'at demo-provider, redeemable',
  where_ko: 'demo-provider에 보관 중, 교환 가능',
  provider: 'demo-provider',
  sandbox: true,
  balances: [krw(-1600)],
  redeemable: [krw(8400)],
  reconciled: [doubleCharge],
  holds: [krw(8400)],
  drawable: true,
};

const forecast = {
  source: 'toonation',
  threshold: usd('50.00'),
  balance: usd('20.50'),
  schedule: '',
  outcome: 'expected_at',
  reached_bp: 4100,
  expected_at: '2026-12-24T00:00:00Z',
  remaining: usd('29.50'),
  inflow: usd('20.50'),
  window_days: 30,
};

const view = (accounts: unknown[]) => ({
  accounts,
  sources: [],
  balances: [
    { source: 'toonation', currency: 'USD', entries: 3, gross: usd('20.50'), fee: usd('0.00'), net: usd('20.50') },
  ],
  forecasts: [forecast],
});

describe('Dashboard', () => {
  it('welcomes a new vault with what Tipvault does and the ways forward, no command line', async () => {
    mockIPC((cmd) => (cmd === 'dashboard' ? view([]) : undefined));
    const welcome = { onImport: vi.fn(), onDemo: vi.fn(), onPreview: vi.fn(), onProviders: vi.fn() };
    const user = userEvent.setup();
    const { container } = render(Dashboard, { welcome });
    expect(await screen.findByRole('heading', { name: 'Welcome to Tipvault' })).toBeInTheDocument();
    expect(screen.getByText(/Everything stays in this encrypted vault on this computer/)).toBeInTheDocument();
    expect(container.textContent).not.toMatch(/tipvault |--/);
    await user.click(screen.getByRole('button', { name: 'Import a platform’s export' }));
    await user.click(screen.getByRole('button', { name: 'Try the demo' }));
    await user.click(screen.getByRole('button', { name: 'Preview a cash-out' }));
    await user.click(screen.getByRole('button', { name: 'Add a provider' }));
    expect([welcome.onImport, welcome.onDemo, welcome.onPreview, welcome.onProviders].map((f) => f.mock.calls.length)).toEqual([1, 1, 1, 1]);
  });

  it('groups accounts by where the money is, with payout thresholds at platforms', async () => {
    mockIPC((cmd) => (cmd === 'dashboard' ? view([sandbox, toonation, kofi]) : undefined));
    const { container } = render(Dashboard);
    expect(await screen.findByText('At a provider: yours to cash out')).toBeInTheDocument();
    const groups = [...container.querySelectorAll('h2.group')].map((h) => h.textContent);
    expect(groups).toEqual([
      'At a provider: yours to cash out',
      'At a platform until payout',
      'Paid out: income history, not money to cash out',
    ]);
    // Paid-out income is shown as history, under its own heading, with where it went.
    const paid = container.querySelector('[data-source="kofi-main"]')!;
    expect(paid).toHaveAttribute('data-location', 'paid_out');
    expect(paid).toHaveTextContent('paid out to PayPal or Stripe');
    // The provider account shows what it holds, not only what left it, and says DEMO.
    const demo = container.querySelector('[data-source="provider-demo-provider"]')!;
    expect(demo).toHaveTextContent('₩8,400');
    expect(demo).not.toHaveTextContent('-₩1,600');
    expect(demo).toHaveTextContent('DEMO');
    expect(screen.getByText(/Payout at \$50.00/)).toHaveTextContent('$29.50 to go');
    const bar = container.querySelector<HTMLElement>('.threshold .bar span')!;
    expect(bar.style.width).toBe('41%');
  });

  it('flags a double charge and disputes it as a duplicate in one action', async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'dashboard') return view([sandbox]);
      if (cmd === 'dispute_redemption') return { reason: 'duplicate' };
      return undefined;
    });
    render(Dashboard);
    expect(await screen.findByText(/charged twice/, { selector: '.reconciled' })).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Dispute as a duplicate' }));
    expect(await screen.findByText(/Dispute sent/)).toBeInTheDocument();
    expect(calls).toContainEqual(['dispute_redemption', { id: 'rd_twice', reason: 'duplicate' }]);
  });

  it('reconciles an account on request and shows the new reading', async () => {
    let reconciled = false;
    mockIPC((cmd, args) => {
      if (cmd === 'reconcile_account') {
        expect(args).toEqual({ account: 'provider-demo-provider' });
        reconciled = true;
        return [];
      }
      if (cmd === 'dashboard') {
        const matched = { ...doubleCharge, outcome: 'matched', dispute: null };
        return view([{ ...sandbox, reconciled: reconciled ? [matched] : [] }]);
      }
      return undefined;
    });
    const { container } = render(Dashboard);
    expect(await screen.findByText('Not read yet')).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Reconcile now' }));
    expect(await screen.findByText(/matches your books/)).toBeInTheDocument();
    expect(container.querySelector('.reconciled')).toHaveAttribute('data-outcome', 'matched');
  });

  it('links a platform account to the paired provider that holds its money, and unlinks it', async () => {
    const calls: Array<[string, unknown]> = [];
    let linked: string | null = null;
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'providers') {
        return [
          { id: 'edupoints', device_id: 'dev_1' },
          { id: 'not-paired', device_id: null },
        ];
      }
      if (cmd === 'link_account') {
        linked = (args as { provider: string | null }).provider;
        return { ...toonation, provider: linked };
      }
      if (cmd === 'dashboard') {
        return view([linked ? { ...toonation, location: 'at_provider', provider: linked } : toonation, kofi]);
      }
      return undefined;
    });
    const { container } = render(Dashboard);
    const select = await screen.findByLabelText('Which provider holds this money?');
    // Only a paired provider can hold money for the user; paid-out income offers no link.
    expect([...select.querySelectorAll('option')].map((o) => o.value)).toEqual(['edupoints']);
    expect(container.querySelector('[data-source="kofi-main"] .link')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Link' }));
    expect(await screen.findByText('Linked: its money now counts at edupoints.')).toBeInTheDocument();
    expect(calls).toContainEqual(['link_account', { source: 'toonation', provider: 'edupoints' }]);
    expect(await screen.findByText(/Held for you by edupoints/)).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Unlink' }));
    expect(await screen.findByText(/Unlinked/)).toBeInTheDocument();
    expect(calls).toContainEqual(['link_account', { source: 'toonation', provider: null }]);
    expect(await screen.findByLabelText('Which provider holds this money?')).toBeInTheDocument();
  });
});
