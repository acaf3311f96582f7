// Automatic cash-outs in the trusted tier, in the real window. A new vault cannot become
// trusted within a test (that takes 20 confirmed redemptions over 30 days), so this spec opens
// one that did: `crates/app/examples/e2e_trusted_vault.rs` made it with real redemptions dated
// over the past 40 days, and still serves the sandbox provider they went to (wdio.conf.mjs).
// A rule is added and run at once; a second rule then runs by itself when the vault is
// unlocked, and the window says so.
import { expect } from '@wdio/globals';
import { PASSPHRASE, press, screenshot } from './support.mjs';

async function unlock() {
  await $('#unlock-passphrase').waitForDisplayed({ timeout: 20_000 });
  await $('#unlock-passphrase').setValue(PASSPHRASE);
  await press('button[type="submit"]');
  await $('#home-title').waitForDisplayed({ timeout: 60_000 });
}

async function confirmedRedemptions() {
  await press('#nav-redemptions');
  await $('#redemptions-table').waitForDisplayed({ timeout: 20_000 });
  return (await $$('#redemptions-table tbody tr[data-state="confirmed"]')).length;
}

async function addRule(name, amount) {
  await press('#nav-autocashout');
  await $('#auto-name').waitForEnabled({ timeout: 20_000 });
  await $('#auto-name').setValue(name);
  await $('#auto-source').selectByAttribute('value', 'sandbox-demo-tips');
  await $('#auto-threshold').setValue('50000');
  await $('#auto-amount').setValue(amount);
  await $('#auto-prefer').setValue('donation');
  await press('#auto-add');
  await expect($('#auto-notice')).toHaveText(`Rule “${name}” added.`, { wait: 20_000 });
  await expect($(`#auto-rules tr[data-rule="${name}"]`)).toBeExisting();
}

describe('automatic cash-outs', () => {
  it('opens a vault that earned the trusted tier', async () => {
    await unlock();
    await press('#nav-limits');
    await $('#risk-tier').waitForDisplayed({ timeout: 20_000 });
    await expect($('#risk-tier')).toHaveAttribute('data-tier', 'trusted');
    expect(await confirmedRedemptions()).toBe(20);
  });

  it('adds a rule and runs it at once, through the risk check, to a confirmed redemption', async () => {
    await addRule('daily', '1000');
    await expect($('#auto-not-trusted')).not.toBeExisting();
    await press('#auto-run');
    const approved = $('#auto-run-results tr[data-outcome="approved"]');
    await approved.waitForExist({ timeout: 30_000 });
    await expect(approved).toHaveText(expect.stringContaining('daily'));
    await expect($('#auto-rules tr[data-rule="daily"] .last-fired')).toHaveAttribute('data-outcome', 'approved');
    await screenshot('auto-cash-out-trusted');
    expect(await confirmedRedemptions()).toBe(21);
  });

  it('runs the rules by itself when the vault is unlocked, and says what they did', async () => {
    await addRule('weekly', '2000');
    await press('#lock');
    await unlock();
    const banner = $('#auto-ran');
    await banner.waitForDisplayed({ timeout: 30_000 });
    await expect(banner).toHaveAttribute('data-failed', 'false');
    await expect(banner).toHaveText(expect.stringContaining('weekly: queued and sent'));
    // `daily` ran minutes ago: it waits a day, and the banner does not mention it.
    await expect(banner).not.toHaveText(expect.stringContaining('daily'));
    await screenshot('auto-cash-out-ran');
    await press('#auto-ran-open');
    await expect($('#auto-run-title')).toHaveText(expect.stringContaining('Last automatic run'), { wait: 20_000 });
    await expect($('#auto-rules tr[data-rule="weekly"] .last-fired')).toHaveAttribute('data-outcome', 'approved');
    expect(await confirmedRedemptions()).toBe(22);
  });
});
