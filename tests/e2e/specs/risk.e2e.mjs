// The risk gate in the real window, with demo money and the software TEST DEVICE (only the demo
// vault accepts it): a new vault is in the `new` tier, where every redemption is confirmed with
// a key. Registering the test device is confirmed first (re-authentication: in the demo vault,
// its public passphrase); with a key registered Security & limits says the key is asked; then a
// redemption is held, the window says why (the app's reasons), the key approves exactly the
// plan shown and it is sent and confirmed. A second held redemption is cancelled from the
// Redemptions screen. Then a limit is lowered (at once) and raised back (confirmed with the
// key, in the "Confirm it's you" dialog), and automatic cash-outs explain why they wait for the
// trusted tier.
import { expect } from '@wdio/globals';
import { createVault, press, screenshot, startDemoWithTestKey } from './support.mjs';

async function redeem(amount) {
  await press('#nav-preview');
  await $('#preview-mode-amount').waitForDisplayed();
  await press('#preview-mode-amount');
  await $('#preview-amount').clearValue();
  await $('#preview-amount').setValue(amount);
  // The panel is made again for every amount typed on the way (and the last redemption's
  // panel may still show): fill in the one for this amount, or the phone number is lost.
  await $(`#redeem-panel[data-amount="${amount}"]`).waitForDisplayed({ timeout: 20_000 });
  await $('[id="dest-krw-mobile-top-up-phone_number"]').setValue('01012345678');
  await press('#redeem-review');
  await $('#redeem-reveals').waitForDisplayed({ timeout: 20_000 });
  await press('#redeem-send');
}

describe('risk gate', () => {
  it('starts the demo and registers the test device', async () => {
    await createVault();
    await startDemoWithTestKey();
  });

  it('shows the new tier, and that with a key registered demo money asks for it too', async () => {
    await press('#nav-limits');
    await $('#risk-tier').waitForDisplayed({ timeout: 20_000 });
    await expect($('#risk-tier')).toHaveAttribute('data-tier', 'new');
    await expect($('#risk-progress')).toHaveText(expect.stringContaining('to become established'));
    await expect($('#risk-waiver-key')).toHaveText(expect.stringContaining('ask for it too'));
    await expect($('#risk-sandbox-waiver')).not.toBeExisting();
  });

  it('holds a redemption and says why, then the key approves exactly that plan and it is confirmed', async () => {
    await redeem('1300');
    await $('#why-paused').waitForDisplayed({ timeout: 60_000 });
    await expect($('#why-paused')).toHaveAttribute('data-outcome', 'step_up');
    await expect($('#why-reasons li[data-rule="new_tier"]')).toBeExisting();
    await expect($('#redeem-error')).not.toBeExisting();
    await screenshot('why-paused');
    await press('#why-verify');
    await $('#stepup-legs').waitForDisplayed({ timeout: 20_000 });
    await expect($('#stepup-legs')).toHaveText(expect.stringContaining('01012345678'));
    await $('#stepup-device-test_device').waitForExist();
    await press('#stepup-device-test_device');
    await screenshot('step-up-redemption');
    await press('#stepup-approve');
    await $('#redeem-result').waitForDisplayed({ timeout: 60_000 });
    await expect($('#redeem-result')).toHaveAttribute('data-state', 'confirmed');
    await expect($('#redeem-legs')).toHaveText(expect.stringContaining('rd_'));
  });

  it('offers the same panel on the Redemptions screen, and a cancel sends nothing', async () => {
    await redeem('1000');
    await $('#why-paused').waitForDisplayed({ timeout: 60_000 });
    await press('#nav-redemptions');
    await $('#redemptions-table').waitForDisplayed();
    await $('#redemptions-table .why-open').waitForDisplayed();
    await press('#redemptions-table .why-open');
    await $('#why-paused').waitForDisplayed();
    await expect($('#why-summary')).toBeDisplayed();
    await press('#why-cancel');
    await $('#redemptions-notice').waitForDisplayed({ timeout: 20_000 });
    await expect($('#redemptions-notice')).toHaveText('Cancelled. Nothing was sent.');
    await expect($('#redemptions-table .why-open')).not.toBeExisting();
  });

  it('lowers a limit at once and raises it back only once confirmed, here with the key', async () => {
    await press('#nav-limits');
    await $('#risk-limits').waitForDisplayed({ timeout: 20_000 });
    await screenshot('risk-limits');
    await press('#limit-change-KRW-per_claim');
    await $('#limit-KRW-per_claim').setValue('20,000');
    await press('#limit-save-KRW-per_claim');
    await $('#risk-notice').waitForDisplayed({ timeout: 20_000 });
    await expect($('#risk-notice')).toHaveText('Your limit in KRW, per redemption, is now ₩20,000.');
    const row = $('#risk-limits tr[data-currency="KRW"][data-kind="per_claim"]');
    await expect(row).toHaveText(expect.stringContaining('set by you'));

    await press('#limit-tier-KRW-per_claim');
    await $('#reauth').waitForDisplayed({ timeout: 20_000 });
    await expect($('#reauth-detail')).toHaveText(expect.stringContaining('from ₩20,000 to ₩30,000'));
    await press('#reauth-switch');
    await $('#reauth-device-test_device').waitForExist();
    await press('#reauth-device-test_device');
    await screenshot('risk-raise-limit');
    await press('#reauth-confirm');
    await $('#reauth').waitForDisplayed({ reverse: true, timeout: 30_000 });
    await expect($('#risk-notice')).toHaveText(expect.stringContaining('confirmed by you'), {
      wait: 30_000,
    });
    await expect(row).not.toHaveText(expect.stringContaining('set by you'));
  });

  it('explains that automatic cash-outs wait for the trusted tier', async () => {
    await press('#nav-autocashout');
    await $('#auto-not-trusted').waitForDisplayed({ timeout: 20_000 });
    await expect($('#auto-not-trusted')).toHaveText(expect.stringContaining('trusted tier'));
    await expect($('#auto-add')).toBeDisabled();
    await screenshot('auto-cash-out');
  });
});
