import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import type { SecurityKeyView } from '../backend';
import ReauthDialog from './ReauthDialog.svelte';
import SecurityKeys from './SecurityKeys.svelte';

const key = (over: Partial<SecurityKeyView> = {}): SecurityKeyView => ({
  id: 'AAAA1111',
  label: 'Blue key',
  device: 'Tipvault software authenticator (TEST DEVICE)',
  is_test_device: true,
  can_unlock: true,
  created_at: '2026-11-24T12:00:00Z',
  last_used_at: null,
  sign_count: 1,
  ...over,
});

type Calls = { cmd: string; args: Record<string, unknown> }[];

/** A backend with `keys` registered, offering `devices`, recording every call. */
function backend(keys: SecurityKeyView[], devices: string[], calls: Calls, register?: () => SecurityKeyView) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    switch (cmd) {
      case 'security_keys':
        return keys;
      case 'security_key_devices':
        return devices;
      case 'register_security_key': {
        const added = register ? register() : key({ label: (args as { label: string }).label });
        keys.push(added);
        return added;
      }
      case 'rename_security_key': {
        const { id, label } = args as { id: string; label: string };
        const k = keys.find((x) => x.id === id)!;
        k.label = label;
        return k;
      }
      case 'remove_security_key': {
        const { id, reauth } = args as { id: string; reauth: { passphrase?: string } | null };
        // Removing replaces the vault key: the app asks for the passphrase first.
        if (!reauth?.passphrase) throw { code: 'reauth_required', message: 'Removing a security key replaces the vault key, which needs your passphrase. Nothing was changed.' };
        const i = keys.findIndex((x) => x.id === id);
        const removed = keys.splice(i, 1)[0];
        return { key: removed, unlock_kept: [], unlock_dropped: [], data_key_generation: 2 };
      }
    }
  });
}

describe('SecurityKeys', () => {
  it('lists each key with its name, dates, counter and a test-device mark', async () => {
    backend([key({ sign_count: 7 })], ['usb'], []);
    render(SecurityKeys);
    const row = (await screen.findByText('Blue key')).closest('tr')!;
    expect(row).toHaveTextContent('Test device');
    expect(row).toHaveTextContent('Never');
    expect(row).toHaveTextContent('7');
    expect(row).toHaveTextContent('Unlocks the vault');
  });

  it('offers only a USB key, with a PIN field, outside demo mode', async () => {
    backend([], ['usb'], []);
    render(SecurityKeys);
    expect(await screen.findByText('No security key is registered.')).toBeInTheDocument();
    expect(screen.queryByLabelText(/Software test device/)).toBeNull();
    expect(screen.getByLabelText('Security key PIN (if your key has one)')).toBeInTheDocument();
  });

  it('registers the test device only when picked: USB stays the default', async () => {
    const calls: Calls = [];
    backend([], ['usb', 'test_device'], calls);
    const user = userEvent.setup();
    render(SecurityKeys);
    const usb = await screen.findByLabelText('USB security key');
    await expect.poll(() => (usb as HTMLInputElement).checked).toBe(true);
    await user.type(screen.getByLabelText('Name for this key'), '  Blue key ');
    await user.click(screen.getByLabelText(/Software test device/));
    expect(screen.getByText(/never for a real vault/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(await screen.findByRole('status')).toHaveTextContent('“Blue key” was added.');
    expect(calls.find((c) => c.cmd === 'register_security_key')?.args).toEqual({
      label: 'Blue key',
      device: 'test_device',
      pin: null,
      reauth: null,
    });
    expect(await screen.findByText('Blue key', { selector: 'strong' })).toBeInTheDocument();
  });

  it('refuses an empty name without asking the key', async () => {
    const calls: Calls = [];
    backend([], ['usb'], calls);
    const user = userEvent.setup();
    render(SecurityKeys);
    await screen.findByText('No security key is registered.');
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('1 to 64 characters');
    expect(calls.map((c) => c.cmd)).not.toContain('register_security_key');
  });

  it('shows the app’s sentence when no USB key can be used, and keeps what was typed', async () => {
    const sentence = 'This build of Tipvault has no security-key (USB CTAP2) support compiled in.';
    const calls: Calls = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === 'security_keys') return [];
      if (cmd === 'security_key_devices') return ['usb'];
      if (cmd === 'register_security_key') throw { code: 'security_key_unavailable', message: sentence };
    });
    const user = userEvent.setup();
    render(SecurityKeys);
    await screen.findByText('No security key is registered.');
    await user.type(screen.getByLabelText('Name for this key'), 'Office key');
    await user.type(screen.getByLabelText('Security key PIN (if your key has one)'), '4321');
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your passphrase still works.');
    expect(alert).toHaveTextContent(sentence);
    expect(screen.getByLabelText('Name for this key')).toHaveValue('Office key');
    expect(screen.getByLabelText('Security key PIN (if your key has one)')).toHaveValue('');
    expect(calls.find((c) => c.cmd === 'register_security_key')?.args).toMatchObject({ device: 'usb', pin: '4321' });
  });

  it('renames a key', async () => {
    const calls: Calls = [];
    backend([key()], ['usb'], calls);
    const user = userEvent.setup();
    render(SecurityKeys);
    await screen.findByText('Blue key');
    await user.click(screen.getByRole('button', { name: 'Rename' }));
    const field = screen.getByLabelText('New name for “Blue key”');
    await user.clear(field);
    await user.type(field, 'Green key');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Renamed to “Green key”.');
    expect(calls.find((c) => c.cmd === 'rename_security_key')?.args).toEqual({ id: 'AAAA1111', label: 'Green key' });
  });

  it('asks before removing a key, takes the passphrase for the new vault key, and says what changed', async () => {
    const calls: Calls = [];
    backend([key()], ['usb'], calls);
    const user = userEvent.setup();
    render(SecurityKeys);
    render(ReauthDialog);
    await screen.findByText('Blue key');
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Remove “Blue key”?' });
    expect(dialog).toHaveTextContent('Your passphrase still unlocks the vault');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(calls.map((c) => c.cmd)).not.toContain('remove_security_key');

    await user.click(screen.getByRole('button', { name: 'Remove' }));
    await user.click(screen.getByRole('button', { name: 'Remove this key' }));
    // Only the passphrase will do: no "use a key instead" here.
    const confirm = await screen.findByRole('dialog', { name: "Confirm it's you" });
    expect(within(confirm).queryByRole('button', { name: 'Use a security key instead' })).toBeNull();
    await user.type(within(confirm).getByLabelText('Your passphrase'), 'my passphrase');
    await user.click(within(confirm).getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByRole('status')).toHaveTextContent('“Blue key” was removed and the vault key was replaced');
    expect(calls.filter((c) => c.cmd === 'remove_security_key').map((c) => c.args.reauth)).toEqual([
      null,
      { passphrase: 'my passphrase' },
    ]);
    expect(await screen.findByText('No security key is registered.')).toBeInTheDocument();
  });
});
