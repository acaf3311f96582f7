import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { rating } from '../test/rating';
import CreateVault from './CreateVault.svelte';

const strong = 'harbour violet quantum tangerine';

describe('CreateVault', () => {
  beforeEach(() => {
    mockIPC((cmd, args) => (cmd === 'rate_passphrase' ? rating((args as { passphrase: string }).passphrase) : undefined));
  });

  it('states the rule before anything is typed', async () => {
    render(CreateVault, { onCreate: vi.fn(async () => {}) });
    expect(await screen.findByText(/At least 10 characters/)).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('');
  });

  it('creates a vault with a strong passphrase typed twice', async () => {
    const onCreate = vi.fn(async () => {});
    const user = userEvent.setup();
    render(CreateVault, { onCreate });
    await user.type(screen.getByLabelText('Passphrase'), strong);
    await user.type(screen.getByLabelText('Repeat the passphrase'), strong);
    await waitFor(() => expect(screen.getByText('Very strong')).toBeInTheDocument());
    await user.click(screen.getByRole('button', { name: 'Create vault' }));
    expect(onCreate).toHaveBeenCalledWith(strong);
  });

  it('refuses different passphrases and says why', async () => {
    const onCreate = vi.fn(async () => {});
    const user = userEvent.setup();
    render(CreateVault, { onCreate });
    await user.type(screen.getByLabelText('Passphrase'), strong);
    await user.type(screen.getByLabelText('Repeat the passphrase'), `${strong}x`);
    await waitFor(() => expect(screen.getByText('Very strong')).toBeInTheDocument());
    await user.click(screen.getByRole('button', { name: 'Create vault' }));
    expect(onCreate).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('The two passphrases are not the same.');
  });

  it('refuses a weak passphrase even when both match', async () => {
    const onCreate = vi.fn(async () => {});
    const user = userEvent.setup();
    render(CreateVault, { onCreate });
    await user.type(screen.getByLabelText('Passphrase'), 'password1234');
    await user.type(screen.getByLabelText('Repeat the passphrase'), 'password1234');
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('too easy to guess'));
    await user.click(screen.getByRole('button', { name: 'Create vault' }));
    expect(onCreate).not.toHaveBeenCalled();
  });
});
