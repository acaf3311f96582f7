import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import ImportPanel from './ImportPanel.svelte';

const source = {
  id: 'kofi-main',
  label: 'Ko-fi',
  platform: 'kofi',
  platform_name: 'Ko-fi',
  currency: 'USD',
  payout_threshold: null,
  payout_schedule: null,
};

const summary = (over: Record<string, unknown>) => ({
  source: 'kofi-main',
  format: 'kofi',
  format_reason: "the header has Ko-fi's columns",
  encoding: 'utf8',
  encoding_name: 'UTF-8',
  dry_run: true,
  committed: false,
  refused_for_errors: false,
  rows_read: 3,
  good_rows: 2,
  inserted: 2,
  duplicates: 0,
  row_errors: [{ line: 4, column: 'Received', reason: 'too many decimals for USD' }],
  row_errors_not_listed: 0,
  skipped: 0,
  skipped_rows: [],
  dropped: { emails: 3, names: 3, messages: 0, other_personal: 0 },
  dropped_notes: [],
  ...over,
});

describe('ImportPanel', () => {
  it('checks the chosen file first, lists bad rows, and imports the good rows only on request', async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === 'plugin:event|listen') return 1;
      if (cmd === 'choose_import_file') return { name: 'kofi.csv', bytes: 2048 };
      if (cmd === 'import_chosen') {
        const settings = (args as { settings: { dry_run: boolean } }).settings;
        return settings.dry_run ? summary({}) : summary({ dry_run: false, committed: true });
      }
      return undefined;
    });
    let imported = 0;
    render(ImportPanel, { sources: [source], onImported: () => imported++ });
    await userEvent.click(screen.getByRole('button', { name: 'Choose a file…' }));

    expect(await screen.findByText('Detected: Ko-fi transactions, UTF-8')).toBeInTheDocument();
    expect(screen.getByText('too many decimals for USD')).toBeInTheDocument();
    expect(screen.getByText(/Not kept: 3 e-mail addresses, 3 payer names/)).toBeInTheDocument();
    const first = calls.find((c) => c.cmd === 'import_chosen')!;
    expect(first.args.settings).toMatchObject({ source: 'kofi-main', dry_run: true, accept_partial: false });
    expect(imported).toBe(0);

    await userEvent.click(screen.getByRole('button', { name: 'Import the 2 good rows only' }));
    expect(await screen.findByText('Imported')).toBeInTheDocument();
    const second = calls.filter((c) => c.cmd === 'import_chosen')[1]!;
    expect(second.args.settings).toMatchObject({ dry_run: false, accept_partial: true });
    expect(imported).toBe(1);
  });

  it('says so when the user cancels, and shows no summary', async () => {
    mockIPC((cmd) => {
      if (cmd === 'plugin:event|listen') return 1;
      if (cmd === 'choose_import_file') return { name: 'big.csv', bytes: 2_000_000_000 };
      if (cmd === 'import_chosen') throw { code: 'cancelled', message: 'The import was cancelled.' };
      return undefined;
    });
    render(ImportPanel, { sources: [source], onImported: () => {} });
    await userEvent.click(screen.getByRole('button', { name: 'Choose a file…' }));
    expect(await screen.findByText('Cancelled. Nothing was written.')).toBeInTheDocument();
    expect(screen.queryByText(/Detected:/)).toBeNull();
  });

  it('asks for a source before a file when there is none', () => {
    mockIPC(() => 1);
    render(ImportPanel, { sources: [], onImported: () => {} });
    expect(screen.getByText(/Add the platform account/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Choose a file…' })).toBeNull();
  });
});
