import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it, vi } from 'vitest';
import UnlockVault from './UnlockVault.svelte';

describe('UnlockVault', () => {
  it('offers no security key when the vault has none', async () => {
    mockIPC(() => {});
    render(UnlockVault, { onUnlock: vi.fn(), onUnlockWithKey: vi.fn(), securityKeys: [] });
    expect(screen.getByLabelText('Passphrase')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Unlock with a security key' })).toBeNull();
  });

  it('unlocks with a registered key: USB by default, the test device when picked', async () => {
    mockIPC((cmd) => {
      if (cmd === 'security_key_devices') return ['usb', 'test_device'];
    });
    const onUnlockWithKey = vi.fn(async () => {});
    const user = userEvent.setup();
    render(UnlockVault, { onUnlock: vi.fn(), onUnlockWithKey, securityKeys: ['Blue key'] });
    expect(screen.getByText('Registered: Blue key.')).toBeInTheDocument();
    const usb = await screen.findByLabelText('USB security key');
    expect(usb).toBeChecked();
    await user.type(screen.getByLabelText('Security key PIN (if your key has one)'), '1234');
    await user.click(screen.getByRole('button', { name: 'Unlock with a security key' }));
    expect(onUnlockWithKey).toHaveBeenLastCalledWith('usb', '1234');
    expect(screen.getByLabelText('Security key PIN (if your key has one)')).toHaveValue('');
    await user.click(screen.getByLabelText(/Software test device/));
    await user.click(screen.getByRole('button', { name: 'Unlock with a security key' }));
    expect(onUnlockWithKey).toHaveBeenLastCalledWith('test_device', null);
  });

  it('offers the keys once the refreshed status names them (just after a lock)', async () => {
    mockIPC((cmd) => {
      if (cmd === 'security_key_devices') return ['usb', 'test_device'];
    });
    const props = { onUnlock: vi.fn(), onUnlockWithKey: vi.fn(async () => {}), securityKeys: [] as string[] };
    const { rerender } = render(UnlockVault, props);
    expect(screen.queryByRole('button', { name: 'Unlock with a security key' })).toBeNull();
    await rerender({ ...props, securityKeys: ['Blue key'] });
    expect(await screen.findByLabelText(/Software test device/)).toBeInTheDocument();
  });
});
