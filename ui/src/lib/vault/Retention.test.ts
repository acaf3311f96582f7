import { render, screen } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import Retention from './Retention.svelte';

describe('Retention', () => {
  it('names each class, shows periods exactly, and what a purge would delete', async () => {
    mockIPC((cmd) => {
      if (cmd === 'retention_classes') {
        return [
          { name: 'draft', seconds: 43_200, default_seconds: 43_200 },
          { name: 'request_log', seconds: 30 * 86_400, default_seconds: 90 * 86_400 },
          { name: 'some_future_class', seconds: 86_400, default_seconds: 86_400 },
          { name: 'entry', seconds: 1826 * 86_400, default_seconds: 36_600 * 86_400 },
        ];
      }
      if (cmd === 'purge_expired') {
        return { dry_run: true, per_class: { draft: 2, request_log: 0, some_future_class: 0, entry: 0 }, total: 2 };
      }
    });
    render(Retention);
    expect(await screen.findByText('12 hours')).toBeInTheDocument();
    expect(screen.getByText('90 days')).toBeInTheDocument();
    expect(screen.getByText('Request log')).toBeInTheDocument();
    expect(screen.getByText('some_future_class'), 'an unknown class falls back to its name').toBeInTheDocument();
    expect(await screen.findByText('2 expired records')).toBeInTheDocument();
    // Years as people say them, and each typed number of days read beside its field.
    expect(screen.getByText('100 years')).toBeInTheDocument();
    expect(screen.getByText('5 years')).toBeInTheDocument();
    expect(screen.getByText('30 days', { selector: '.reading' })).toBeInTheDocument();
  });
});
