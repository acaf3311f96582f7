import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from '../i18n/index.svelte';
import { demoMode } from '../shell/demo.svelte';
import type { LimitDraft, LimitKind } from '../backend';
import { status, won } from './fixtures';
import ReauthDialog from '../vault/ReauthDialog.svelte';
import RiskLimits from './RiskLimits.svelte';

/** The page and the app-wide "Confirm it's you" dialog, as the window has them. */
function renderPage() {
  render(RiskLimits);
  render(ReauthDialog);
}

const NEEDS_PROOF = {
  code: 'reauth_required',
  message: 'Raising a limit needs you to confirm it is you: enter your passphrase or use a registered security key. Nothing was changed.',
};

type Call = { cmd: string; args: Record<string, unknown> };

/** What the app answers for the limits these tests type (it reads and compares them; the
 * Rust tests prove how). */
function draft(args: Record<string, unknown>): LimitDraft {
  const known: Record<string, [number, LimitDraft['direction']]> = {
    '20,000': [20000, 'lower'],
    '30000': [30000, 'same'],
    '40000': [40000, 'raise'],
    '150000': [150000, 'raise'],
  };
  const found = known[String(args.typed)];
  if (!found) throw { code: 'invalid_input', message: 'KRW amounts have no decimal places.' };
  const [n, direction] = found;
  return { currency: 'KRW', kind: args.kind as LimitKind, amount: won(n), direction };
}

function backend(extra: (cmd: string, args: Record<string, unknown>) => unknown = () => undefined) {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    const answer = extra(cmd, a);
    if (answer !== undefined) return answer;
    if (cmd === 'risk_status') return status();
    if (cmd === 'draft_limit') return draft(a);
    if (cmd === 'providers') return [];
    if (cmd === 'security_key_devices') return ['usb', 'test_device'];
  });
  return calls;
}

const row = (currency: string, kind: string) =>
  document.querySelector<HTMLElement>(`#risk-limits tr[data-currency="${currency}"][data-kind="${kind}"]`)!;

describe('RiskLimits', () => {
  afterEach(() => {
    demoMode.on = false;
  });

  it('shows the tier, the way to the next one, the limits and every rule with its threshold', async () => {
    backend();
    renderPage();
    expect(await screen.findByText('3 more confirmed redemptions and 4 more days to become established.')).toBeInTheDocument();
    expect(screen.getByText(/every redemption is confirmed with your security key/)).toBeInTheDocument();
    expect(screen.getByLabelText('Confirmed redemptions: 2')).toHaveValue(4000);
    expect(row('KRW', 'per_claim')).toHaveTextContent('₩30,000');
    expect(row('KRW', 'per_day')).toHaveTextContent('₩100,000');
    expect(row('USD', 'per_claim')).toHaveTextContent('$25.00');
    const rules = within(document.querySelector<HTMLElement>('#risk-rules-KRW')!).getAllByRole('listitem');
    expect(rules[0]).toHaveTextContent('A claim above ₩30,000 is refused.');
    expect(rules[0]).toHaveTextContent('refuses');
    expect(screen.getByText('No provider has verified you.')).toBeInTheDocument();
    // A real vault: no demo waiver to offer.
    expect(screen.queryByLabelText('Let demo-money redemptions through without my security key')).toBeNull();
    i18n.locale = 'ko';
    try {
      expect(await screen.findByText('일반 등급까지 확인된 청구 3건, 4일이 더 필요합니다.')).toBeInTheDocument();
      expect(row('KRW', 'per_claim')).toHaveTextContent('30,000원');
      expect(screen.getByText(/₩30,000을 넘는 청구는 거절합니다/)).toBeInTheDocument();
    } finally {
      i18n.locale = 'en';
    }
  });

  it('lowers a limit at once, without a key', async () => {
    const calls = backend((cmd) =>
      cmd === 'set_limit'
        ? { currency: 'KRW', kind: 'per_claim', before: won(30000), after: won(20000), stepped_up: false }
        : undefined,
    );
    const user = userEvent.setup();
    renderPage();
    await screen.findByText(/more days to become established/);
    await user.click(within(row('KRW', 'per_claim')).getByRole('button', { name: 'Change' }));
    await user.type(screen.getByLabelText('New limit in KRW, per redemption'), '20,000');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Your limit in KRW, per redemption, is now ₩20,000.');
    expect(calls.find((c) => c.cmd === 'set_limit')?.args).toEqual({
      currency: 'KRW',
      kind: 'per_claim',
      amount: '20000',
      reauth: null,
    });
    expect(document.querySelector('#reauth')).toBeNull();
  });

  it('raises a limit only once the user confirms it is them, in a dialog that says exactly what changes', async () => {
    const calls = backend((cmd, args) => {
      if (cmd !== 'set_limit') return undefined;
      const reauth = args.reauth as { passphrase?: string } | null;
      if (!reauth) throw NEEDS_PROOF;
      if (reauth.passphrase !== 'the right one') throw { code: 'wrong_passphrase', message: 'wrong passphrase.' };
      return { currency: 'KRW', kind: 'per_day', before: won(100000), after: won(150000), stepped_up: true };
    });
    const user = userEvent.setup();
    renderPage();
    await screen.findByText(/more days to become established/);
    await user.click(within(row('KRW', 'per_day')).getByRole('button', { name: 'Change' }));
    await user.type(screen.getByLabelText('New limit in KRW, per 24 hours'), '150000');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(
      'You confirm exactly this change: your limit in KRW, per 24 hours, goes from ₩100,000 to ₩150,000.',
    );
    expect(dialog).toHaveTextContent('Raising a limit needs you to confirm it is you');
    const field = within(dialog).getByLabelText('Your passphrase');
    expect(field).toHaveFocus();
    // A wrong passphrase is said in the dialog, which asks again; the field is cleared.
    await user.type(field, 'a wrong one');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    expect(await within(screen.getByRole('dialog')).findByRole('alert')).toHaveTextContent('That passphrase did not open the vault');
    expect(screen.getByLabelText('Your passphrase')).toHaveValue('');
    await user.type(screen.getByLabelText('Your passphrase'), 'the right one');
    await user.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByRole('status')).toHaveTextContent('is now ₩150,000: confirmed by you');
    expect(screen.queryByRole('dialog')).toBeNull();
    const sent = calls.filter((c) => c.cmd === 'set_limit').map((c) => c.args.reauth);
    expect(sent).toEqual([null, { passphrase: 'a wrong one' }, { passphrase: 'the right one' }]);
  });

  it('confirms with a registered key instead, and a cancel changes nothing and says nothing', async () => {
    const calls = backend((cmd, args) => {
      if (cmd !== 'set_limit') return undefined;
      const reauth = args.reauth as { device?: string } | null;
      if (!reauth) throw NEEDS_PROOF;
      return { currency: 'KRW', kind: 'per_claim', before: won(30000), after: won(40000), stepped_up: true };
    });
    const user = userEvent.setup();
    renderPage();
    await screen.findByText(/more days to become established/);
    await user.click(within(row('KRW', 'per_claim')).getByRole('button', { name: 'Change' }));
    await user.type(screen.getByLabelText('New limit in KRW, per redemption'), '40000');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await user.click(await screen.findByRole('button', { name: 'Use a security key instead' }));
    await user.click(screen.getByLabelText(/Software test device/));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByRole('status')).toHaveTextContent('is now ₩40,000');
    expect(calls.filter((c) => c.cmd === 'set_limit').at(-1)?.args.reauth).toEqual({ device: 'test_device', pin: null });
  });

  it('opens the dialog when the app says the change needs a proof (back to a higher tier limit)', async () => {
    const s = status();
    s.currencies[0]!.limits!.per_claim = won(10000);
    s.currencies[0]!.limits!.per_claim_set_by_user = true;
    const calls = backend((cmd, args) => {
      if (cmd === 'risk_status') return s;
      if (cmd === 'set_limit' && !args.reauth) throw NEEDS_PROOF;
    });
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole('button', { name: "Back to the tier's limit" }));
    expect(await screen.findByRole('dialog')).toHaveTextContent('goes from ₩10,000 to ₩30,000');
    expect(calls.find((c) => c.cmd === 'set_limit')?.args.amount).toBeNull();
  });

  it('says the same limit is already in force, and changes nothing', async () => {
    const calls = backend();
    const user = userEvent.setup();
    renderPage();
    await screen.findByText(/more days to become established/);
    await user.click(within(row('KRW', 'per_claim')).getByRole('button', { name: 'Change' }));
    await user.type(screen.getByLabelText('New limit in KRW, per redemption'), '30000');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('That is already the limit.')).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === 'set_limit')).toBe(false);
  });

  it('refuses an amount the app cannot read, changing nothing', async () => {
    const calls = backend();
    const user = userEvent.setup();
    renderPage();
    await screen.findByText(/more days to become established/);
    await user.click(within(row('KRW', 'per_claim')).getByRole('button', { name: 'Change' }));
    await user.type(screen.getByLabelText('New limit in KRW, per redemption'), '100.5');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/Type an amount above zero in KRW/)).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'draft_limit')?.args).toEqual({ currency: 'KRW', kind: 'per_claim', typed: '100.5' });
    expect(calls.some((c) => c.cmd === 'set_limit')).toBe(false);
  });

  it("shows each provider's pinned key fingerprint, to compare with the provider's", async () => {
    backend((cmd) =>
      cmd === 'providers'
        ? [
            {
              id: 'demo-provider',
              base_url: 'http://127.0.0.1:8787',
              key_id: 'sandbox-abc',
              device_id: 'dev_1',
              paired_at: null,
              sandbox: true,
              catalog_version: 1,
              key_fingerprint: 'SHA256:xiLVznXquwdfpPr4k6EL7w7bTbNVNloOFi7YIE80uLM',
            },
          ]
        : undefined,
    );
    renderPage();
    const row = await screen.findByText('SHA256:xiLVznXquwdfpPr4k6EL7w7bTbNVNloOFi7YIE80uLM');
    expect(row.closest('tr')).toHaveTextContent('http://127.0.0.1:8787');
    expect(screen.getByRole('heading', { name: 'Providers and their keys' })).toBeInTheDocument();
  });

  it('offers no sandbox waiver in a real vault (it exists only in the demo vault)', async () => {
    demoMode.on = false;
    backend(() => undefined);
    renderPage();
    expect(await screen.findByText('No provider has verified you.')).toBeInTheDocument();
    expect(screen.queryByLabelText('Let demo-money redemptions through without my security key')).toBeNull();
    expect(screen.queryByText(/demo-money redemptions ask for it too/)).toBeNull();
  });

  it('shows the demo vault its waiver, on, and turns it off', async () => {
    demoMode.on = true;
    const calls = backend((cmd) => (cmd === 'set_sandbox_step_up_waiver' ? false : undefined));
    const user = userEvent.setup();
    renderPage();
    const waiver = await screen.findByLabelText('Let demo-money redemptions through without my security key');
    expect(waiver).toBeChecked();
    await user.click(waiver);
    expect(await screen.findByRole('status')).toHaveTextContent('now ask for your key');
    expect(calls.find((c) => c.cmd === 'set_sandbox_step_up_waiver')?.args).toEqual({ waived: false, reauth: null });
  });

  it('says the key is asked instead of offering the waiver once a key is registered', async () => {
    demoMode.on = true;
    backend((cmd) =>
      cmd === 'risk_status' ? status({ sandbox_step_up_waived: false, security_key_registered: true }) : undefined,
    );
    renderPage();
    expect(await screen.findByText(/You have a security key, so demo-money redemptions ask for it too/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Let demo-money redemptions through without my security key')).toBeNull();
  });
});
