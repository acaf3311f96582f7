// Re-authentication in the real window, in a real vault: an unlocked, unattended window is not
// enough to weaken the vault. Keeping records for a shorter time, raising a limit and a longer
// auto-lock each open the "Confirm it's you" dialog; a wrong passphrase is refused there (and
// nothing changes), a cancel changes nothing, the right passphrase lets exactly that change
// through, and the audit log records each proof with the change it was for.
import { expect } from '@wdio/globals';
import { PASSPHRASE, confirmItsMe, createVault, press, screenshot } from './support.mjs';

describe("confirm it's you", () => {
  it('asks before records are kept for a shorter time, and refuses a wrong passphrase', async () => {
    await createVault();
    await press('#nav-retention');
    const row = $('tr[data-class="request_log"]');
    await row.waitForDisplayed({ timeout: 20_000 });
    const days = await row.$('input');
    const save = await row.$('button');
    await days.clearValue();
    await days.setValue('30');
    await press(save);
    await $('#reauth').waitForDisplayed({ timeout: 20_000 });
    await expect($('#reauth-message')).toHaveText(expect.stringContaining('Keeping records for a shorter time'));
    await $('#reauth-passphrase').setValue('not my passphrase');
    await press('#reauth-confirm');
    await $('#reauth-error').waitForDisplayed({ timeout: 30_000 });
    await screenshot('reauth-retention');
    // Cancelled: nothing changed, and nothing to apologise for.
    await press('#reauth-cancel');
    await $('#reauth').waitForDisplayed({ reverse: true });
    await expect($('#retention-notice')).not.toBeExisting();
    await days.clearValue();
    await days.setValue('30');
    await press(save);
    await confirmItsMe();
    await $('#retention-notice').waitForDisplayed({ timeout: 20_000 });
    await expect($('#retention-notice')).toHaveText(expect.stringContaining('30 days'));
  });

  it('asks before a limit is raised, and lowers one at once', async () => {
    await press('#nav-limits');
    await $('#risk-limits').waitForDisplayed({ timeout: 20_000 });
    await press('#limit-change-KRW-per_claim');
    await $('#limit-KRW-per_claim').setValue('20,000');
    await press('#limit-save-KRW-per_claim');
    await expect($('#risk-notice')).toHaveText('Your limit in KRW, per redemption, is now ₩20,000.', { wait: 20_000 });
    await expect($('#reauth')).not.toBeExisting();
    await press('#limit-tier-KRW-per_claim');
    await $('#reauth').waitForDisplayed({ timeout: 20_000 });
    await expect($('#reauth-detail')).toHaveText(expect.stringContaining('from ₩20,000 to ₩30,000'));
    // No test device is offered in a real vault: a USB key or the passphrase.
    await press('#reauth-switch');
    await expect($('#reauth-device-test_device')).not.toBeExisting();
    await press('#reauth-switch');
    await confirmItsMe(PASSPHRASE);
    await expect($('#risk-notice')).toHaveText(expect.stringContaining('confirmed by you'), { wait: 30_000 });
  });

  it('asks before the vault stays open longer than five minutes', async () => {
    await press('#nav-settings');
    await $('#autolock-minutes').waitForDisplayed();
    await $('#autolock-minutes').clearValue();
    await $('#autolock-minutes').setValue('30');
    await press('#settings-title ~ .row button');
    await confirmItsMe();
    await expect($('#settings-notice')).toHaveText(expect.stringContaining('30 minutes'), { wait: 20_000 });
  });

  it('records each proof in the audit log, with the change it was for', async () => {
    await press('#nav-audit');
    await $('#audit-title').waitForDisplayed({ timeout: 20_000 });
    await expect($('body')).toHaveText(expect.stringContaining('auth.reauthenticated'), { wait: 20_000 });
    await expect($('body')).toHaveText(expect.stringContaining('auth.reauth_refused'));
  });
});
