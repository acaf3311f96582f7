import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';
import { rating } from './lib/test/rating';

const strong = 'harbour violet quantum tangerine';
const kdf = { memory_mib: 64, iterations: 3, parallelism: 4 };
const purged = { dry_run: false, per_class: {}, total: 0 };

/** A fake backend with a vault that exists (`locked`) or not (`absent`). */
function backend(initial: 'absent' | 'locked', overrides: Record<string, (args: any) => unknown> = {}) {
  const calls: { cmd: string; args: unknown }[] = [];
  let state = initial;
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      if (cmd in overrides) return overrides[cmd]!(args);
      switch (cmd) {
        case 'vault_status':
          return { state, path: '/v' };
        case 'rate_passphrase':
          return rating((args as { passphrase: string }).passphrase);
        case 'create_vault':
          state = 'locked';
          return { path: '/v', kdf, unlock_ms: 740 };
        case 'unlock_vault':
          return { path: '/v', purged: { ...purged, total: 2 }, purge_error: null };
        case 'lock_vault':
          return true;
        default:
          return undefined;
      }
    },
    { shouldMockEvents: true },
  );
  return calls;
}

describe('App', () => {
  it('offers to create a vault when there is none', async () => {
    backend('absent');
    render(App);
    expect(await screen.findByRole('heading', { name: 'Create your vault' })).toBeInTheDocument();
    expect(screen.getByText('Vault location: /v')).toBeInTheDocument();
  });

  it('creates the vault and opens it', async () => {
    const calls = backend('absent');
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.type(screen.getByLabelText('Repeat the passphrase'), strong);
    await screen.findByText('Very strong');
    await user.click(screen.getByRole('button', { name: 'Create vault' }));
    expect(await screen.findByRole('heading', { name: 'Your vault is open' })).toBeInTheDocument();
    expect(screen.getByText('Your new vault is ready.')).toBeInTheDocument();
    expect(screen.getByText('Unlocking takes about 740 ms on this computer.')).toBeInTheDocument();
    expect(calls.find((c) => c.cmd === 'create_vault')?.args).toEqual({ passphrase: strong });
  });

  it('asks to unlock when a vault exists, and opens it', async () => {
    backend('locked');
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByRole('heading', { name: 'Your vault is open' })).toBeInTheDocument();
    expect(screen.getByText('Expired records deleted when the vault opened: 2.')).toBeInTheDocument();
  });

  it('says a wrong passphrase changed nothing, and clears the field', async () => {
    backend('locked', {
      unlock_vault: () => {
        throw { code: 'wrong_passphrase', message: 'Wrong passphrase.' };
      },
    });
    const user = userEvent.setup();
    render(App);
    const field = await screen.findByLabelText('Passphrase');
    await user.type(field, 'nope nope nope');
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'That passphrase did not open the vault. Nothing was changed.',
    );
    expect(field).toHaveValue('');
  });

  it('tells when the next attempt is allowed after too many failures', async () => {
    backend('locked', {
      unlock_vault: () => {
        // An hour from now, whatever day the suite runs on.
        const retry_after = new Date(Date.now() + 3600_000).toISOString();
        throw { code: 'throttled', message: 'Too many.', retry_after };
      },
    });
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), 'whatever it is');
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Try again after .+\./);
  });

  it('returns to the unlock screen when the backend locks for inactivity', async () => {
    backend('locked');
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await screen.findByRole('heading', { name: 'Your vault is open' });
    await emit('vault-locked', { reason: 'idle' });
    expect(await screen.findByRole('heading', { name: 'Unlock your vault' })).toBeInTheDocument();
    expect(
      screen.getByText('Tipvault locked the vault because it was not used for a while.'),
    ).toBeInTheDocument();
  });

  it('says what the automatic cash-outs did by themselves, and when sending failed after they fired', async () => {
    backend('locked');
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await screen.findByRole('heading', { name: 'Your vault is open' });
    const fired = [
      { rule: 'daily', redemption_id: 'r1', outcome: 'approved', message: null },
      { rule: 'phone', redemption_id: 'r2', outcome: 'paused', message: null },
      { rule: 'weekly', redemption_id: null, outcome: 'waiting', message: 'It fired less than 24 hours ago.' },
    ];
    await emit('auto-cash-out', { run: { tier: 'trusted', skipped: null, fired }, error: null });
    const banner = await screen.findByText(/Your automatic cash-outs ran:/);
    expect(banner).toHaveTextContent(
      'Your automatic cash-outs ran: daily: queued and sent; phone: waits for your key (see Redemptions).',
    );
    expect(banner).not.toHaveTextContent('weekly');
    expect(document.querySelector('#auto-ran')).toHaveAttribute('data-failed', 'false');
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText(/Your automatic cash-outs ran:/)).toBeNull();

    // The rules fired, then sending stopped: both are said, and that the queue keeps them.
    await emit('auto-cash-out', {
      run: { tier: 'trusted', skipped: null, fired: fired.slice(0, 1) },
      error: { code: 'provider', message: 'No answer.' },
    });
    const both = await screen.findByText(/Sending did not finish/);
    expect(both).toHaveTextContent('Your automatic cash-outs ran: daily: queued and sent.');
    expect(both).toHaveTextContent('What was queued stays queued');
    expect(document.querySelector('#auto-ran')).toHaveAttribute('data-failed', 'true');

    await emit('auto-cash-out', { run: null, error: { code: 'provider', message: 'No answer.' } });
    expect(await screen.findByText(/Your automatic cash-outs could not run:/)).toBeInTheDocument();
  });

  it('ignores a background run that reports after the vault was locked', async () => {
    backend('locked');
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await user.click(await screen.findByRole('button', { name: 'Lock' }));
    await screen.findByText('The vault is locked.');
    await emit('auto-cash-out', {
      run: { tier: 'trusted', skipped: null, fired: [{ rule: 'daily', redemption_id: 'r1', outcome: 'approved', message: null }] },
      error: null,
    });
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await screen.findByRole('heading', { name: 'Your vault is open' });
    expect(screen.queryByText(/Your automatic cash-outs ran:/)).toBeNull();
  });

  it('locks on demand', async () => {
    const calls = backend('locked');
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await user.click(await screen.findByRole('button', { name: 'Lock' }));
    expect(await screen.findByText('The vault is locked.')).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === 'lock_vault')).toBe(true);
  });

  it('shows a translated error when the backend fails', async () => {
    backend('absent', {
      vault_status: () => {
        throw { code: 'vault_location', message: 'No home directory.' };
      },
    });
    render(App);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Tipvault cannot use the vault location. No home directory.',
    );
  });

  it('runs the demo in its own vault under a banner, and goes back to the real vault in one action', async () => {
    const provider = { id: 'demo-provider', base_url: 'http://127.0.0.1:1', key_id: 'k', device_id: 'd', paired_at: null, sandbox: true, catalog_version: 1 };
    const calls = backend('locked', {
      catalogs: () => [],
      providers: () => [],
      start_demo: () => ({ provider, url: 'http://127.0.0.1:1', demo_balance_imported: true }),
      leave_demo: () => true,
    });
    const user = userEvent.setup();
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), strong);
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await screen.findByRole('heading', { name: 'Your vault is open' });
    expect(screen.queryByText(/DEMO/)).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Cash-out preview' }));
    await user.click(await screen.findByRole('button', { name: 'Start the sandbox demo' }));
    const banner = await screen.findByText(/DEMO — a separate demo vault/);
    expect(banner).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Back to my vault' }));
    expect(await screen.findByText('You left the demo. Unlock your vault to continue.')).toBeInTheDocument();
    expect(screen.queryByText(/DEMO — a separate demo vault/)).not.toBeInTheDocument();
    expect(calls.map((c) => c.cmd)).toContain('leave_demo');
  });
});
