// "Why was I charged ₩1,000 twice?" in the real window: the demo sandbox (started with its
// double-charge fault, debug builds only) applies a top-up twice while its receipt tells of
// one. The redemption's own reconciliation finds it; the overview names it under the account
// that paid, and one action sends the dispute, whose evidence bundle verifies offline.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@wdio/globals';
import { createVault, letDemoMoneyThrough, press, screenshot } from './support.mjs';

describe('a double charge', () => {
  it('is found after the redemption, shown where the money is, and disputed in one action', async () => {
    await createVault();
    await $('#nav-preview').click();
    await $('#demo-start').click();
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    await letDemoMoneyThrough();
    await press('#nav-preview');
    await $('#preview-mode-amount').waitForDisplayed();
    await $('#preview-mode-amount').click();
    await $('#preview-amount').setValue('1000');
    await $('#redeem-panel[data-amount="1000"]').waitForDisplayed({ timeout: 20_000 });
    await $('[id="dest-krw-mobile-top-up-phone_number"]').setValue('01012345678');
    await press('#redeem-review');
    await $('#redeem-reveals').waitForDisplayed({ timeout: 20_000 });
    await press('#redeem-send');
    await $('#redeem-result').waitForDisplayed({ timeout: 60_000 });
    await expect($('#redeem-result')).toHaveAttribute('data-state', 'confirmed');

    await $('#nav-home').click();
    const account = $('li[data-source="provider-demo-provider"]');
    await account.waitForDisplayed({ timeout: 20_000 });
    await expect(account).toHaveAttribute('data-location', 'at_provider');
    await expect(account).toHaveText(expect.stringContaining('DEMO'));
    const flagged = $('li[data-source="provider-demo-provider"] .reconciled[data-outcome="double_charge"]');
    await expect(flagged).toBeDisplayed();
    await expect(flagged).toHaveText(expect.stringContaining('charged twice'));
    // ₩87,300 of demo money, ₩1,000 taken twice: the books say what the provider holds.
    await expect(account).toHaveText(expect.stringContaining('₩85,300'));
    await screenshot('double-charge');

    await press('li[data-source="provider-demo-provider"] .dispute-duplicate');
    await $('#dashboard-notice').waitForDisplayed({ timeout: 30_000 });
    const dir = process.env.TIPVAULT_TEST_SAVE_DIR;
    const [bundle] = fs.readdirSync(dir).filter((f) => f.startsWith('tipvault-dispute-'));
    const root = path.resolve(import.meta.dirname, '../../..');
    const tipvault = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'tipvault');
    const verified = JSON.parse(execFileSync(tipvault, ['--json', 'verify-bundle', path.join(dir, bundle)], { encoding: 'utf8' }));
    expect(verified.reason).toBe('duplicate');
  });
});
