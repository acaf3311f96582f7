import { render, screen } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';

describe('App', () => {
  it('offers to create a vault when there is none', async () => {
    mockIPC((cmd) => (cmd === 'vault_status' ? { state: 'absent', path: '/v' } : undefined));
    render(App);
    expect(await screen.findByRole('heading', { name: 'Create your vault' })).toBeInTheDocument();
    expect(screen.getByText('Vault location: /v')).toBeInTheDocument();
  });

  it('asks to unlock when a vault exists', async () => {
    mockIPC((cmd) => (cmd === 'vault_status' ? { state: 'locked', path: '/v' } : undefined));
    render(App);
    expect(await screen.findByRole('heading', { name: 'Unlock your vault' })).toBeInTheDocument();
  });

  it('shows a translated error when the backend fails', async () => {
    mockIPC(() => {
      throw { code: 'vault_location', message: 'No home directory.' };
    });
    render(App);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Tipvault cannot use the vault location. No home directory.',
    );
  });
});
