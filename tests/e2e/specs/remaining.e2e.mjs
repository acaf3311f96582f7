// "Why can't I convert my remaining ₩1,100 into anything usable?" in the real window: in the
// demo vault (₩87,300 of demo money), three donations the user sends (₩30,000, ₩30,000 and
// ₩26,200: a new account's limit is ₩30,000 a redemption) leave ₩1,100 at the demo provider.
// Overview says so under the account that holds it, and a preview of "my balances" as a mobile
// top-up says what becomes of it: a ₩1,000 top-up, ₩100 that stays, why, and the smallest
// addition that would make it usable.
import { expect } from '@wdio/globals';
import { createVault, letDemoMoneyThrough, press, screenshot } from './support.mjs';

async function donate(amount) {
  await press('#preview-mode-amount');
  await $('#preview-amount').clearValue();
  await $('#preview-amount').setValue(amount);
  await $(`#redeem-panel[data-amount="${amount}"]`).waitForDisplayed({ timeout: 20_000 });
  await press('#redeem-review');
  await $('#redeem-reveals').waitForDisplayed({ timeout: 20_000 });
  await press('#redeem-send');
  await $('#redeem-result').waitForDisplayed({ timeout: 60_000 });
  await expect($('#redeem-result')).toHaveAttribute('data-state', 'confirmed');
}

describe('the remaining ₩1,100', () => {
  it('is what three donations leave of the demo money, shown where it is', async () => {
    await createVault();
    await $('#nav-preview').click();
    await $('#demo-start').click();
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    await letDemoMoneyThrough();
    await press('#nav-preview');
    await $('.chip[data-kind="mobile_top_up"]').waitForDisplayed({ timeout: 20_000 });
    // Donations only: the top-up chip (chosen by default in the demo) is turned off.
    await press('.chip[data-kind="mobile_top_up"]');
    await expect($('.chip[data-kind="mobile_top_up"]')).toHaveAttribute('aria-pressed', 'false');
    for (const amount of ['30000', '30000', '26200']) {
      await donate(amount);
    }
    await $('#nav-home').click();
    const account = $('li[data-source="provider-demo-provider"]');
    await account.waitForDisplayed({ timeout: 20_000 });
    await expect(account).toHaveAttribute('data-location', 'at_provider');
    await expect(account).toHaveText(expect.stringContaining('₩1,100'));
    await expect($('li[data-source="provider-demo-provider"] .reconciled[data-outcome="matched"]')).toBeDisplayed();
  });

  it('is explained as a ₩1,000 top-up and ₩100 that stays, with what would make it usable', async () => {
    await $('#nav-preview').click();
    await press('#preview-mode-balances');
    // A new preview starts from the demo's defaults (top-up, then donation): top-up only.
    await press('.chip[data-kind="donation"]');
    await expect($('.chip[data-kind="donation"]')).toHaveAttribute('aria-pressed', 'false');
    await expect($('.chip[data-kind="mobile_top_up"]')).toHaveAttribute('aria-pressed', 'true');
    const explanation = $('#preview-explanation');
    await expect(explanation).toHaveText(expect.stringContaining('₩1,100'), { wait: 20_000 });
    await expect(explanation).toHaveText(expect.stringContaining('₩100 stays in your balance'));
    await expect(explanation).toHaveText(expect.stringContaining('₩900 more and this becomes a ₩1,000 mobile top-up'));
    await screenshot('remaining-1100');
  });

  it('counts at the provider because the demo tips are linked to it: unlinked and linked again', async () => {
    await $('#nav-home').click();
    const tips = $('li[data-source="sandbox-demo-tips"]');
    await tips.waitForDisplayed({ timeout: 20_000 });
    await expect(tips).toHaveText(expect.stringContaining('Held for you by demo-provider'));
    await press('li[data-source="sandbox-demo-tips"] .unlink');
    await expect($('#dashboard-notice')).toHaveText(expect.stringContaining('Unlinked'), { wait: 20_000 });
    // The tips no longer count at the provider: its account holds none of them.
    await expect($('li[data-source="provider-demo-provider"]')).not.toHaveText(expect.stringContaining('₩1,100'));
    await $('[id="link-sandbox-demo-tips"]').waitForDisplayed({ timeout: 20_000 });
    // The demo pairs several sandboxes: the tips go back to the one that holds them.
    await $('[id="link-sandbox-demo-tips"]').selectByAttribute('value', 'demo-provider');
    await press('li[data-source="sandbox-demo-tips"] .link-account');
    await expect($('#dashboard-notice')).toHaveText(expect.stringContaining('now counts at demo-provider'), { wait: 20_000 });
    await expect($('li[data-source="provider-demo-provider"]')).toHaveText(expect.stringContaining('₩1,100'));
  });
});
