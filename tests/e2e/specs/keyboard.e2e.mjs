// Keyboard only, in the real window: create a vault and preview a cash-out without touching
// the mouse. Every step is a key press (typing, Tab, Enter); a control Tab cannot reach, or a
// form Enter cannot submit, fails the spec.
import { expect } from '@wdio/globals';
import { PASSPHRASE } from './support.mjs';

const focused = () => browser.execute(() => document.activeElement?.id ?? '');

/** Presses Tab until the element with `id` has the focus (at most `most` times). */
async function tabTo(id, most = 40) {
  for (let i = 0; i < most; i++) {
    if ((await focused()) === id) return;
    await browser.keys('Tab');
  }
  throw new Error(`Tab never reached #${id} (focus is on #${await focused()})`);
}

describe('keyboard only', () => {
  it('creates a vault: type, Tab, type, Enter', async () => {
    await $('#create-title').waitForDisplayed();
    expect(await focused()).toBe('create-passphrase');
    await browser.keys([...PASSPHRASE]);
    await tabTo('create-confirm');
    await browser.keys([...PASSPHRASE]);
    await browser.keys('Enter');
    await $('#home-title').waitForDisplayed({ timeout: 60_000 });
  });

  it('reaches the preview from the navigation and previews an amount typed there', async () => {
    // From the top of the page: the skip link comes first, then the navigation.
    await browser.execute(() => {
      document.activeElement?.blur();
      window.scrollTo(0, 0);
    });
    await tabTo('nav-preview');
    await browser.keys('Enter');
    await $('#preview-amount').waitForDisplayed();
    await tabTo('preview-amount');
    // Select what the field holds, and type over it.
    await browser.keys(['Control', 'a']);
    await browser.keys([...'1300']);
    await expect($('#preview-explanation')).toHaveText(
      'Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit. Done in about 2 minutes, at worst in 1 day.',
    );
  });
});
