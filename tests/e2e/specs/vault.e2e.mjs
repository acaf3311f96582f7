// The vault's whole life in the real window: create → open → retention and audit → lock →
// a wrong passphrase changes nothing → unlock. Every step goes through the real Rust commands
// and a real SQLCipher vault in a fresh directory.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@wdio/globals';
import { PASSPHRASE, confirmItsMe, createVault, screenshot, vaultDir } from './support.mjs';

describe('the vault', () => {
  it('is created from the first screen and opens', async () => {
    await createVault();
    await expect($('#home-created')).toHaveText('Your new vault is ready.');
    await expect($('#dashboard-empty')).toHaveText(expect.stringContaining('No accounts yet.'));
    expect(fs.existsSync(path.join(vaultDir(), 'vault.keys'))).toBe(true);
    expect(fs.existsSync(path.join(vaultDir(), 'vault.db'))).toBe(true);
    await screenshot('vault-open');
  });

  it('keeps no plaintext on disk', async () => {
    const db = fs.readFileSync(path.join(vaultDir(), 'vault.db'));
    expect(db.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\u0000');
    expect(db.includes(Buffer.from('vault.created'))).toBe(false);
  });

  it('shows the retention classes and what a purge would delete', async () => {
    await $('#nav-retention').click();
    await $('#retention-title').waitForDisplayed();
    await expect($('tr[data-class="draft"] th')).toHaveText('Drafts');
    await expect($('tr[data-class="draft"] input')).toHaveValue('1');
    await expect($('#purge-preview')).toHaveText('Nothing has expired.');
    await $('tr[data-class="request_log"] input').setValue('30');
    await $('tr[data-class="request_log"] button').click();
    // Keeping records for a shorter time is confirmed with the passphrase first.
    await confirmItsMe();
    await expect($('#retention-notice')).toHaveText(expect.stringContaining('now kept for 30 days'));
    await screenshot('retention');
  });

  it('verifies the audit chain, which records each step', async () => {
    await $('#nav-audit').click();
    await $('#audit-verify').click();
    await expect($('#audit-result')).toHaveText(
      expect.stringMatching(/^The chain is intact: \d+ entries checked\.$/),
    );
    await expect($('#audit-table')).toHaveText(expect.stringContaining('vault.created'));
    await expect($('#audit-table')).toHaveText(expect.stringContaining('retention.changed'));
    await screenshot('audit');
  });

  it('keeps the chosen auto-lock time in the vault', async () => {
    await $('#nav-settings').click();
    await expect($('#autolock-minutes')).toHaveValue('5');
    await $('#autolock-minutes').setValue('15');
    await $('#settings-title').parentElement().$('button[type="submit"]').click();
    // Longer than the default five minutes: confirmed first.
    await confirmItsMe();
    await expect($('#settings-notice')).toHaveText('The vault now locks after 15 minutes without use.');
  });

  it('locks on demand', async () => {
    await $('#lock').click();
    await $('#unlock-title').waitForDisplayed();
    await expect($('#unlock-notice')).toHaveText('The vault is locked.');
  });

  it('refuses a wrong passphrase and changes nothing', async () => {
    const before = fs.readFileSync(path.join(vaultDir(), 'vault.keys'));
    await $('#unlock-passphrase').setValue('not the passphrase at all');
    await $('button[type="submit"]').click();
    await expect($('#app-error')).toHaveText(
      'That passphrase did not open the vault. Nothing was changed.',
    );
    expect(fs.readFileSync(path.join(vaultDir(), 'vault.keys')).equals(before)).toBe(true);
  });

  it('shares the vault with the command line while it is locked', async () => {
    // The CLI and the desktop are two front ends over one core: what one writes, the other shows.
    const root = path.resolve(import.meta.dirname, '../../..');
    const tipvault = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'tipvault');
    const cli = (...args) =>
      execFileSync(tipvault, ['--vault', vaultDir(), '--passphrase-stdin', ...args], {
        input: `${PASSPHRASE}\n`,
        encoding: 'utf8',
      });
    cli('source', 'add', 'kofi-main', '--platform', 'kofi', '--currency', 'USD', '--threshold', '50.00');
    cli('import', path.join(root, 'crates/ledger/tests/fixtures/kofi.csv'), '--source', 'kofi-main');
  });

  it('unlocks with the right passphrase', async () => {
    await $('#unlock-passphrase').setValue(PASSPHRASE);
    await $('button[type="submit"]').click();
    await $('#home-title').waitForDisplayed({ timeout: 30_000 });
    await expect($('#home-purged')).toHaveText('Expired records deleted when the vault opened: 0.');
    // kofi.csv: USD 5.00 + 3.00 + 12.50 and EUR 10.00, one balance per currency.
    const amounts = await $$('li[data-source="kofi-main"] .balance .amount').map((e) => e.getText());
    expect([...amounts].sort()).toEqual(['$20.50', '€10.00']);
    await screenshot('dashboard');
    await $('#nav-settings').click();
    await expect($('#autolock-minutes')).toHaveValue('15');
  });
});
