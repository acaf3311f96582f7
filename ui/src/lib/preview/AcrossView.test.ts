import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import type { BalancePreviewQuery, ProviderView } from '../backend';
import AcrossView from './AcrossView.svelte';

const won = (n: number) => ({ amount: String(n), currency: 'KRW', minor: n, en: `₩${n.toLocaleString('en')}`, ko: `${n.toLocaleString('en')}원` });
const topUp = (product: string, net: number) => ({
  product_id: product, product_name: `Top-up (${product})`, product_name_ko: product, kind: 'mobile_top_up' as const, kind_en: 'top-up', kind_ko: '충전',
  gross: won(net), fee: won(0), net: won(net), redemptions: 1, eta_typical_seconds: 120, eta_worst_seconds: 1800,
  destination_fields: ['phone_number'], path_bp: 10000, fee_of_leg_bp: 0,
});
const part = (provider: string, product: string, net: number) => ({
  provider,
  demo: false,
  best: {
    balance: [won(net)], legs: [topUp(product, net)], kept: [], remainder: [], fees: [won(0)], eta_typical_seconds: 120, eta_worst_seconds: 1800,
    redeemable: true, freshness: 'fresh' as const, explanation_en: `From ${provider}: ₩${net}.`, explanation_ko: provider,
    conservation_en: [], conservation_ko: [], stays_bp: 0,
  },
  alternatives: [],
  limits: [],
});
const provider = (id: string): ProviderView => ({
  id, base_url: 'http://127.0.0.1:1', key_id: 'k', device_id: `dev_${id}`, paired_at: '2026-11-24T00:00:00Z', sandbox: true, catalog_version: 1, key_fingerprint: 'f',
});
const query: BalancePreviewQuery = { sources: [], provider: null, prefer: ['mobile_top_up'], objective: 'first_preference', keep: [], exclude: [], rates: [] };
const leg = (seq: number, on: string, product: string) => ({
  seq, provider: on, product, amount: won(5000), fee: won(0), state: 'planned' as const, attempts: 0, next_attempt_at: null, last_error: null,
  provider_redemption_id: null, reveals: [{ name: 'destination.phone_number', value: '01012345678', personal_data: true }],
});

describe('AcrossView', () => {
  it('shows each provider’s part and the total, and plans one redemption across them with one destination form', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'preview_across_providers') {
        return { parts: [part('telco-points', 'telco-mobile-top-up', 15000), part('edu-points', 'edu-mobile-top-up', 5000)], debited: [won(20000)], limits: [] };
      }
      if (cmd === 'plan_redemption_across') {
        return {
          id: 'rx_1', provider: 'telco-points', sandbox: true, catalog_version: 1, state: 'planned', created_at: '2026-11-24T00:00:00Z', approved_at: null,
          legs: [leg(0, 'telco-points', 'telco-mobile-top-up'), leg(1, 'edu-points', 'edu-mobile-top-up')], risk: null, attention: null,
        };
      }
      return undefined;
    });
    const user = userEvent.setup();
    render(AcrossView, { query, providers: [provider('telco-points'), provider('edu-points')] });
    expect(await screen.findByText('telco-points: its own accounts and catalog')).toBeInTheDocument();
    expect(screen.getByText('edu-points: its own accounts and catalog')).toBeInTheDocument();
    expect(screen.getByText('Leaving your accounts in total: ₩20,000')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'preview_across_providers')!.args).toEqual({ query });
    await user.type(screen.getByLabelText('Top-up (telco-mobile-top-up): phone number'), '01012345678');
    await user.type(screen.getByLabelText('Top-up (edu-mobile-top-up): phone number'), '01012345678');
    await user.click(screen.getByRole('button', { name: 'Review what will be sent' }));
    expect(await screen.findByText(/each request only to the provider named on it \(telco-points, edu-points\)/)).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'plan_redemption_across')!.args).toEqual({
      request: {
        query,
        destinations: {
          'telco-mobile-top-up': { phone_number: '01012345678' },
          'edu-mobile-top-up': { phone_number: '01012345678' },
        },
      },
    });
    const rows = [...document.querySelectorAll('#redeem-reveals tr')];
    expect(rows.find((r) => r.textContent?.includes('edu-mobile-top-up'))!).toHaveTextContent('to edu-points');
  });

  it('asks a product two providers both offer once per provider, keyed by provider', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'preview_across_providers') {
        return { parts: [part('telco-points', 'krw-mobile-top-up', 15000), part('edu-points', 'krw-mobile-top-up', 5000)], debited: [won(20000)], limits: [] };
      }
      if (cmd === 'plan_redemption_across') throw { code: 'invalid_input', message: 'stop here', retry_after: null };
      return undefined;
    });
    const user = userEvent.setup();
    render(AcrossView, { query, providers: [provider('telco-points'), provider('edu-points')] });
    await user.type(await screen.findByLabelText('Top-up (krw-mobile-top-up) (telco-points): phone number'), '0101');
    await user.type(screen.getByLabelText('Top-up (krw-mobile-top-up) (edu-points): phone number'), '0102');
    await user.click(screen.getByRole('button', { name: 'Review what will be sent' }));
    await screen.findByText('stop here');
    expect(calls.find((c) => c.cmd === 'plan_redemption_across')!.args).toMatchObject({
      request: {
        destinations: {
          'telco-points/krw-mobile-top-up': { phone_number: '0101' },
          'edu-points/krw-mobile-top-up': { phone_number: '0102' },
        },
      },
    });
  });

  it('offers no redemption while a part’s provider is not paired', async () => {
    mockIPC((cmd) => {
      if (cmd === 'preview_across_providers') {
        return { parts: [part('telco-points', 'telco-mobile-top-up', 15000), part('edu-points', 'edu-mobile-top-up', 5000)], debited: [won(20000)], limits: [] };
      }
      return undefined;
    });
    render(AcrossView, { query, providers: [provider('telco-points'), { ...provider('edu-points'), device_id: null }] });
    expect(await screen.findByText('Leaving your accounts in total: ₩20,000')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Review what will be sent' })).toBeNull();
  });
});
