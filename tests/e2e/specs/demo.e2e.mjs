// Demo mode end to end in the real window: the sandbox provider starts on loopback with demo
// money, the user previews their (demo) balance, redeems a mobile top-up after seeing exactly
// what the request reveals, gets a signed receipt, finds it in the privacy ledger, and disputes
// it; the evidence bundle verifies offline with the CLI.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@wdio/globals';
import { PASSPHRASE, confirmInTheDemo, createVault, letDemoMoneyThrough, press, screenshot } from './support.mjs';

describe('demo mode', () => {
  it('offers the sandbox when no provider is set up, and starts it', async () => {
    await createVault();
    await $('#nav-preview').click();
    await expect($('#demo-offer')).toBeDisplayed();
    await $('#demo-start').click();
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    await expect($('#demo-notice')).toHaveText(expect.stringContaining('demo balance was imported'));
    await expect($('#demo-offer')).not.toBeDisplayed();
    // The real vault was locked and the demo vault opened in its place, under a banner.
    await expect($('#demo-banner')).toHaveText(expect.stringContaining('DEMO'));
    // The demo balance previews from "my balances".
    await expect($('#preview-explanation')).toBeDisplayed();
  });

  it('shows what a redemption reveals before sending, and confirms it with a receipt', async () => {
    // No key yet: the user lets demo money through (off until chosen, confirmed like any
    // sensitive change).
    await letDemoMoneyThrough();
    await press('#nav-preview');
    await $('#preview-mode-amount').waitForDisplayed();
    await $('#preview-mode-amount').click();
    await $('#preview-amount').setValue('1300');
    // Not a panel for an amount typed on the way (its phone number would be lost).
    await $('#redeem-panel[data-amount="1300"]').waitForDisplayed({ timeout: 20_000 });
    await $('[id="dest-krw-mobile-top-up-phone_number"]').setValue('01012345678');
    await press('#redeem-review');
    await $('#redeem-reveals').waitForDisplayed({ timeout: 20_000 });
    await expect($('#redeem-reveals')).toHaveText(expect.stringContaining('01012345678'));
    await screenshot('redeem-reveals');
    await press('#redeem-send');
    await $('#redeem-result').waitForDisplayed({ timeout: 60_000 });
    await expect($('#redeem-result')).toHaveAttribute('data-state', 'confirmed');
    await expect($('#redeem-legs')).toHaveText(expect.stringContaining('rd_'));
  });

  it('lists the redemption and what was sent, and disputes it with a verifiable bundle', async () => {
    await $('#nav-redemptions').click();
    await $('#redemptions-table').waitForDisplayed();
    await expect($('#redemptions-table tbody tr')).toHaveAttribute('data-state', 'confirmed');
    // Dated by the app's own clock: under TIPVAULT_E2E_FAKETIME ("+400d") that clock is really
    // moved, so this run proves the demo works on that day, not today.
    const days = Number(/^\+(\d+)d$/.exec(process.env.TIPVAULT_E2E_FAKETIME ?? '')?.[1] ?? 0);
    const appDay = (shift) =>
      new Date(Date.now() + (days + shift) * 86_400_000).toLocaleDateString('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
    const shown = await $('#redemptions-table tbody tr td').getText();
    expect([appDay(-1), appDay(0), appDay(1)].some((d) => shown.includes(d))).toBe(true);
    await expect($('#privacy-ledger')).toHaveText(expect.stringContaining('01012345678'));
    await $('#dispute-reason').selectByAttribute('value', 'not_received');
    const disputeButton = (await $$('#redemptions-table .dispute'))[0];
    await press(disputeButton);
    await $('#redemptions-notice').waitForDisplayed({ timeout: 30_000 });
    await screenshot('redemptions');
    const dir = process.env.TIPVAULT_TEST_SAVE_DIR;
    const [bundle] = fs.readdirSync(dir).filter((f) => f.startsWith('tipvault-dispute-'));
    const root = path.resolve(import.meta.dirname, '../../..');
    const tipvault = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'tipvault');
    const verified = JSON.parse(execFileSync(tipvault, ['--json', 'verify-bundle', path.join(dir, bundle)], { encoding: 'utf8' }));
    expect(verified.reason).toBe('not_received');
  });

  it("opens the redemption's page: its timeline, the receipt verified in the app, the dispute", async () => {
    await press('#redemptions-table tbody tr .rdetail-open');
    await $('#redemption-detail').waitForDisplayed();
    const steps = await $$('#rdetail-timeline li').map((li) => li.getAttribute('data-step'));
    for (const step of ['planned', 'leg_sent', 'leg_confirmed', 'disputed']) expect(steps).toContain(step);
    expect(steps.indexOf('leg_confirmed')).toBeLessThan(steps.indexOf('disputed'));
    const receipt = $('#rdetail-receipts li');
    await expect(receipt).toHaveAttribute('data-verified', 'true');
    await expect(receipt).toHaveText(expect.stringContaining("Verified by Tipvault just now: signed with the provider's pinned key"));
    await expect($('#rdetail-disputed')).toHaveText('Disputed');
    await expect($('#rdetail-disputes li')).toHaveAttribute('data-acknowledged', 'true');
    await expect($('#rdetail-disputes li')).toHaveText(expect.stringContaining('(Not received)'));
    // The dispute left this computer too, and the page says so.
    await expect($$('#rdetail-sent li[data-purpose="dispute"]')).toBeElementsArrayOfSize(1);
    await screenshot('redemption-detail');
    await press('#rdetail-close');
    await expect($('#redemption-detail')).not.toBeExisting();
  });

  it("answers where the money went: the account's history has a line for every unit", async () => {
    await $('#nav-home').click();
    const account = $('li[data-source="provider-demo-provider"]');
    await account.waitForDisplayed({ timeout: 20_000 });
    // ₩87,300 of demo tips at the sandbox, ₩1,300 redeemed: the books and the provider agree.
    await expect(account).toHaveText(expect.stringContaining('₩86,000'));
    await expect($('li[data-source="provider-demo-provider"] .reconciled[data-outcome="matched"]')).toBeDisplayed();
    await $('#nav-history').click();
    await $('#history-source').selectByAttribute('value', 'provider-demo-provider');
    await browser.waitUntil(
      async () => (await $$('#history-rows [role="row"][data-entry]').length) >= 2,
      { timeout: 20_000, timeoutMsg: 'the legs of the redemption are listed' },
    );
    const nets = await browser.execute(() =>
      [...document.querySelectorAll('#history-rows [role="row"][data-entry]')].map((row) => row.children[5].textContent),
    );
    const minor = (text) => Number(text.replace(/[^0-9-]/g, ''));
    expect(nets.reduce((sum, n) => sum + minor(n), 0)).toBe(-1300);
  });

  it('adds a provider by its address once its key is compared, and confirms it is me', async () => {
    await press('#nav-settings');
    const listed = $('#providers-list li[data-provider]');
    await listed.waitForDisplayed();
    const address = await listed.$('.source-head .muted').getText();
    const pinned = await listed.$('.fingerprint').getText();
    await $('#provider-url').setValue(address);
    await press('#provider-check');
    // The app read the key the provider signs with; nothing is stored before the user compares.
    await expect($('#provider-fingerprint')).toHaveText(pinned);
    await expect($('#provider-confirm')).toHaveText(expect.stringContaining('Add it only if they are the same.'));
    await screenshot('provider-compare');
    await press('#provider-accept');
    await confirmInTheDemo();
    await expect($('#providers-notice')).toHaveText(expect.stringContaining('its key pinned'));
    await expect($('#provider-confirm')).not.toBeExisting();
  });

  it('goes back to the real vault in one action, which holds nothing of the demo', async () => {
    await press('#demo-leave');
    await $('#unlock-title').waitForDisplayed({ timeout: 20_000 });
    await $('#unlock-passphrase').setValue(PASSPHRASE);
    await $('button[type="submit"]').click();
    await $('#home-title').waitForDisplayed({ timeout: 60_000 });
    await expect($('#demo-banner')).not.toBeExisting();
    await expect($('#dashboard-empty')).toBeDisplayed();
    await expect($('li[data-source="provider-demo-provider"]')).not.toBeExisting();
    await $('#nav-redemptions').click();
    await $('#redemptions-empty').waitForDisplayed({ timeout: 20_000 });
  });
});
