// The cash-out preview in the real window: the planner runs in Rust on the demo catalog and
// the window draws the split as it is typed.
import { expect } from '@wdio/globals';
import { createVault, screenshot } from './support.mjs';

describe('cash-out preview', () => {
  it('shows where ₩1,300 would go, drawn as a value path', async () => {
    await createVault();
    await $('#nav-preview').click();
    await expect($('#preview-explanation')).toHaveText(
      'Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit. Done in about 2 minutes, at worst in 1 day.',
    );
    await expect($$('.path .seg')).toBeElementsArrayOfSize(2);
    // Where every unit goes: the same lines as the CLI's.
    await expect($('#preview-conservation')).toHaveText(
      expect.stringContaining('Leaves the balance: ₩1,300. Stays: ₩0.'),
    );
    // No provider catalog in this vault: the built-in demo catalog, labelled as such.
    await expect($('#preview-demo')).toBeDisplayed();
    await screenshot('preview');
  });

  it('updates as the amount changes, with the stranded remainder and its fix', async () => {
    await $('#preview-amount').setValue('6000');
    await $('button.chip[data-kind="mobile_top_up"]').click();
    await $('button.chip[data-kind="donation"]').click();
    await $('button.chip[data-kind="gift_card"]').click();
    await expect($('#preview-explanation')).toHaveText(
      expect.stringContaining('Your ₩6,000 will be: ₩5,000 gift card (fee ₩100). ₩900 stays in your balance.'),
    );
  });

  it('explains in Korean', async () => {
    await $('.language select').selectByAttribute('value', 'ko');
    await expect($('#preview-explanation')).toHaveText(expect.stringContaining('6,000원은'));
    // Product names in the language of the catalog's optional names.
    await expect($('#preview-legs')).toHaveText(expect.stringContaining('편의점 상품권'));
    await $('.language select').selectByAttribute('value', 'en');
    await expect($('#preview-legs')).toHaveText(expect.stringContaining('Convenience store gift card'));
  });

  it('refuses an amount the currency cannot hold', async () => {
    await $('#preview-amount').setValue('12.5');
    await expect($('#preview-error')).toHaveText(expect.stringContaining('KRW'));
  });

  it('previews what a provider holds, and says so when it holds nothing', async () => {
    await $('#preview-mode-balances').click();
    await expect($('#preview-error')).toHaveText(expect.stringContaining('holds no balance of yours'));
    await $('#preview-mode-amount').click();
  });
});
