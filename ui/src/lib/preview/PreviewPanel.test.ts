import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import type { Freshness, ProductKind } from '../backend';
import PreviewPanel from './PreviewPanel.svelte';

const won = (n: number) => ({
  amount: String(n),
  currency: 'KRW',
  en: `₩${n.toLocaleString('en')}`,
  ko: `${n.toLocaleString('en')}원`,
});

// The value path's width of a leg of `net` won out of ₩1,300, as the app works it out.
const leg = (id: string, kind: ProductKind, net: number, path_bp = Math.floor((net * 10000) / 1300)) => ({
  product_id: id,
  product_name: id,
  product_name_ko: id,
  kind,
  kind_en: kind,
  kind_ko: kind,
  gross: won(net),
  fee: won(0),
  net: won(net),
  redemptions: 1,
  eta_typical_seconds: 120,
  eta_worst_seconds: 86_400,
  destination_fields: [],
  path_bp,
  fee_of_leg_bp: 0,
});

const plan = (explanation: string, legs: ReturnType<typeof leg>[], remainder: number) => ({
  balance: [won(1300)],
  legs,
  kept: [],
  remainder: remainder > 0 ? [won(remainder)] : [],
  fees: [won(0)],
  eta_typical_seconds: 120,
  eta_worst_seconds: 86_400,
  redeemable: true,
  freshness: 'fresh' as Freshness,
  explanation_en: explanation,
  explanation_ko: explanation,
  conservation_en: ['Leaves the balance: ₩1,300. Stays: ₩0.', '₩1,300: ₩1,300 received + ₩0 fees.'],
  conservation_ko: ['잔액에서 나가는 금액: 1,300원. 남는 금액: 0원.', '1,300원: 받는 금액 1,300원 + 수수료 0원.'],
  stays_bp: 10000 - legs.reduce((sum, l) => sum + l.path_bp, 0),
});

describe('PreviewPanel', () => {
  it('asks the backend with the typed amount and ordered preferences, and draws the split', async () => {
    const queries: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'catalogs') return [];
      if (cmd !== 'preview_balance') return undefined;
      queries.push((args as { query: unknown }).query);
      return {
        provider: 'demo-provider',
        demo: true,
        best: plan('Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit.', [
          leg('top-up', 'mobile_top_up', 1000, 7692),
          leg('donation', 'donation', 300, 2308),
        ], 0),
        alternatives: [plan('Alternative: all donation.', [leg('donation', 'donation', 1300)], 0)],
      };
    });
    const user = userEvent.setup();
    const { container } = render(PreviewPanel);
    expect(await screen.findByText('Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit.')).toBeInTheDocument();
    expect(queries.at(-1)).toEqual({
      amount: '1300',
      currency: 'KRW',
      prefer: ['mobile_top_up', 'donation'],
      objective: 'first_preference',
      keep: null,
      exclude: [],
      provider: null,
    });
    expect(screen.getByText('Demo catalog (sandbox provider)')).toBeInTheDocument();
    const lines = screen.getByRole('list', { name: 'Where every unit goes' });
    expect(lines).toHaveTextContent('₩1,300: ₩1,300 received + ₩0 fees.');
    const segments = container.querySelectorAll<HTMLElement>('.path .seg');
    expect(segments).toHaveLength(2);
    expect(segments[0]!.style.width).toBe('76.92%');
    await user.click(screen.getByRole('tab', { name: 'Alternative 1' }));
    expect(screen.getByText('Alternative: all donation.')).toBeInTheDocument();
  });

  it('previews the vault balances with the typed rates and the chosen provider', async () => {
    const asked: { cmd: string; query: Record<string, unknown> }[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'catalogs') {
        return [
          { provider_id: 'acme', version: 3, freshness: 'stale', built_in: false, products: 7, real_money: true },
          { provider_id: 'demo-provider', version: 1, freshness: 'fresh', built_in: true, products: 7, real_money: false },
        ];
      }
      if (cmd === 'preview_balance' || cmd === 'preview_my_balances') {
        asked.push({ cmd, query: (args as { query: Record<string, unknown> }).query });
        const p = plan('From your balances.', [leg('gift', 'gift_card', 1000)], 300);
        const limits = [{ limit: won(30000), en: 'You can cash out up to ₩30,000 now: the new tier\'s limit for one redemption.', ko: '지금은 최대 30,000원까지' }];
        return { provider: 'acme', demo: false, best: { ...p, freshness: 'stale' }, alternatives: [], limits };
      }
      return undefined;
    });
    const user = userEvent.setup();
    render(PreviewPanel);
    expect(await screen.findByRole('option', { name: /acme \(v3, stale\)/ })).toBeInTheDocument();
    // Real money: nothing is preselected, and nothing is planned until the user chooses.
    expect(await screen.findByText(/for real money, Tipvault picks no destination for you/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Donation' })).toHaveAttribute('aria-pressed', 'false');
    expect(asked).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Gift card' }));
    await user.click(screen.getByRole('tab', { name: 'My balances' }));
    await user.type(screen.getByLabelText('Exchange rates'), 'USD/KRW=1380');
    await screen.findByText('From your balances.');
    await new Promise((r) => setTimeout(r, 200));
    const last = asked.at(-1)!;
    expect(last.cmd).toBe('preview_my_balances');
    expect(last.query).toMatchObject({ provider: 'acme', rates: ['USD/KRW=1380'], sources: [] });
    expect(screen.queryByText('Demo catalog (sandbox provider)')).toBeNull();
    expect(screen.getByText(/getting old/)).toBeInTheDocument();
    expect(screen.getByText("You can cash out up to ₩30,000 now: the new tier's limit for one redemption.")).toBeInTheDocument();
  });

  it('previews my balances from the account the user picks, and says where its money is', async () => {
    const asked: Record<string, unknown>[] = [];
    const account = (provider: string, label: string, minor: number) => ({
      id: `provider-${provider}`,
      label,
      kind: 'provider',
      location: 'at_provider',
      where_en: `at ${provider}, redeemable`,
      where_ko: `${provider}에 보관 중`,
      provider,
      sandbox: false,
      balances: [],
      redeemable: [won(minor)],
      payout: null,
      reconciled: [],
      holds: [won(minor)],
      drawable: true,
      linkable: false,
    });
    mockIPC((cmd, args) => {
      if (cmd === 'catalogs') {
        return [
          { provider_id: 'edupoints', version: 1, freshness: 'fresh', built_in: false, products: 3, real_money: true },
          { provider_id: 'telco', version: 2, freshness: 'fresh', built_in: false, products: 4, real_money: true },
        ];
      }
      if (cmd === 'dashboard') {
        return {
          accounts: [account('edupoints', 'EduPoints', 12000), account('telco', 'Telco points', 4500)],
          sources: [],
          balances: [],
          forecasts: [],
        };
      }
      if (cmd === 'preview_my_balances') {
        const query = (args as { query: Record<string, unknown> }).query;
        asked.push(query);
        const p = plan(`From ${query.provider}.`, [leg('gift', 'gift_card', 1000)], 0);
        return { provider: query.provider, demo: false, best: p, alternatives: [], limits: [] };
      }
      return undefined;
    });
    const user = userEvent.setup();
    render(PreviewPanel);
    await user.click(await screen.findByRole('button', { name: 'Gift card' }));
    await user.click(screen.getByRole('tab', { name: 'My balances' }));
    const picker = await screen.findByLabelText('From the account');
    expect(await screen.findByRole('option', { name: 'Telco points: ₩4,500' })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'EduPoints: ₩12,000' })).toBeInTheDocument();
    expect(await screen.findByText('From edupoints.')).toBeInTheDocument();
    expect(screen.getByText('at edupoints, redeemable')).toBeInTheDocument();
    await user.selectOptions(picker, 'telco');
    expect(await screen.findByText('From telco.')).toBeInTheDocument();
    expect(screen.getByText('at telco, redeemable')).toBeInTheDocument();
    expect(asked.at(-1)).toMatchObject({ provider: 'telco' });
  });

  it('starts the demo on the sandbox holding the demo tips, whatever the list order, and comes back to it', async () => {
    let started = false;
    const asked: Record<string, unknown>[] = [];
    const sandbox = (id: string) => ({ provider_id: id, version: 1, freshness: 'fresh', built_in: false, products: 3, real_money: false });
    mockIPC((cmd, args) => {
      if (cmd === 'catalogs') return started ? ['creator-credit', 'demo-provider', 'edu-points'].map(sandbox) : [];
      if (cmd === 'providers') return [];
      if (cmd === 'dashboard') return { accounts: [], sources: [], balances: [], forecasts: [] };
      if (cmd === 'start_demo') {
        started = true;
        return { provider: { id: 'demo-provider' }, url: 'http://127.0.0.1:1', demo_balance_imported: true, others: [{ id: 'edu-points' }] };
      }
      if (cmd === 'preview_my_balances') {
        const query = (args as { query: Record<string, unknown> }).query;
        asked.push(query);
        return { provider: query.provider, demo: true, best: plan(`From ${query.provider}.`, [leg('top-up', 'mobile_top_up', 1000)], 300), alternatives: [], limits: [] };
      }
      return undefined;
    });
    const user = userEvent.setup();
    const first = render(PreviewPanel);
    await user.click(await screen.findByRole('button', { name: /demo/i }));
    expect(await screen.findByText('From demo-provider.')).toBeInTheDocument();
    expect(asked.at(-1)).toMatchObject({ provider: 'demo-provider' });
    // The panel is made again on the next visit: the same provider, not the first listed.
    first.unmount();
    render(PreviewPanel);
    await user.click(await screen.findByRole('tab', { name: 'My balances' }));
    expect(await screen.findByText('From demo-provider.')).toBeInTheDocument();
  });

  it('shows a refused amount as an error, not a plan', async () => {
    mockIPC((cmd) => {
      if (cmd === 'catalogs') return [];
      if (cmd === 'preview_balance') {
        throw { code: 'invalid_input', message: 'KRW has no minor units.', retry_after: null };
      }
    });
    render(PreviewPanel);
    expect(await screen.findByRole('alert')).toHaveTextContent('KRW has no minor units.');
  });

  it('refreshes a stale catalog of a provider in the vault and previews again on it', async () => {
    let freshness = 'stale';
    const refreshed: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'catalogs') {
        return [{ provider_id: 'acme', version: 3, freshness, built_in: false, products: 7 }];
      }
      if (cmd === 'providers') return [{ id: 'acme', device_id: null, sandbox: false }];
      if (cmd === 'refresh_catalogs') {
        refreshed.push((args as { provider: unknown }).provider);
        freshness = 'fresh';
        return [{ provider_id: 'acme', outcome: 'renewed', previous_version: null, catalog: { freshness: 'fresh' } }];
      }
      if (cmd === 'preview_balance') {
        const p = plan(`Plan on a ${freshness} catalog.`, [leg('gift', 'gift_card', 1000)], 300);
        return { provider: 'acme', demo: false, best: { ...p, freshness }, alternatives: [] };
      }
      return undefined;
    });
    const user = userEvent.setup();
    render(PreviewPanel);
    await user.click(await screen.findByRole('button', { name: 'Gift card' }));
    expect(await screen.findByText('Plan on a stale catalog.')).toBeInTheDocument();
    expect(screen.getByText(/getting old/)).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Refresh the catalog' }));
    expect(await screen.findByText('Plan on a fresh catalog.')).toBeInTheDocument();
    expect(refreshed).toEqual(['acme']);
    expect(screen.getByRole('status')).toHaveTextContent("The provider's current catalog is in the vault");
    expect(screen.queryByText(/getting old/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Refresh the catalog' })).toBeNull();
  });
});
