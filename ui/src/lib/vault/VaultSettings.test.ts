import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import VaultSettings from './VaultSettings.svelte';

describe('VaultSettings', () => {
  it('shows the auto-lock time in minutes and saves a new one in seconds', async () => {
    const saved: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'settings') return { auto_lock_secs: 300 };
      if (cmd === 'set_auto_lock') {
        saved.push(args);
        return { auto_lock_secs: (args as { seconds: number }).seconds };
      }
    });
    const user = userEvent.setup();
    render(VaultSettings);
    const field = await screen.findByLabelText('Lock the vault after this many minutes without use');
    await expect.poll(() => (field as HTMLInputElement).value).toBe('5');
    await user.clear(field);
    await user.type(field, '15');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent(
      'The vault now locks after 15 minutes without use.',
    );
    // Longer than the default: the app asks for a proof first (this backend does not), and
    // the call carries none.
    expect(saved).toEqual([{ seconds: 900, reauth: null }]);
  });

  it('refuses a value outside 1 to 480 minutes without calling the backend', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'settings') return { auto_lock_secs: 300 };
    });
    const user = userEvent.setup();
    render(VaultSettings);
    const field = await screen.findByLabelText('Lock the vault after this many minutes without use');
    await expect.poll(() => (field as HTMLInputElement).value).toBe('5');
    await user.clear(field);
    await user.type(field, '0');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('from 1 to 480');
    expect(calls).not.toContain('set_auto_lock');
  });
});
