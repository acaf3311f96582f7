import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import Providers from './Providers.svelte';

const added = {
  id: 'pay', base_url: 'https://pay.example', key_id: 'k1', device_id: null, paired_at: null,
  sandbox: false, catalog_version: 1, key_fingerprint: 'SHA256:abcd',
};

describe('Providers', () => {
  it('shows the key to compare before anything is stored, and adds it only when accepted', async () => {
    const calls: { fingerprint: unknown }[] = [];
    let stored = false;
    mockIPC((cmd, args) => {
      if (cmd === 'providers') return stored ? [added] : [];
      if (cmd === 'add_provider') {
        const a = args as { url: string; fingerprint: string | null };
        calls.push({ fingerprint: a.fingerprint });
        if (a.fingerprint !== 'SHA256:abcd') {
          throw {
            code: 'confirm_provider_key', message: 'pay signs with the key SHA256:abcd.', retry_after: null,
            hint: { kind: 'confirm_provider_key', provider: 'pay', url: 'https://pay.example', fingerprint: 'SHA256:abcd', changed: false },
          };
        }
        stored = true;
        return added;
      }
    });
    render(Providers);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Provider's address"), 'https://pay.example');
    await user.click(screen.getByRole('button', { name: 'Check its key' }));
    expect(await screen.findByText('SHA256:abcd')).toBeInTheDocument();
    expect(stored).toBe(false);
    await user.click(screen.getByRole('button', { name: 'They match: add this provider' }));
    expect(await screen.findByText(/Added pay\. Pair this computer/)).toBeInTheDocument();
    // The second call carried exactly the fingerprint the user compared.
    expect(calls.map((c) => c.fingerprint)).toEqual([null, 'SHA256:abcd']);
    expect(await screen.findByLabelText('Pairing code')).toBeInTheDocument();
  });
});
