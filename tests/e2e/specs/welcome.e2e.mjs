// The first screen of a fresh install, in the real window: the app asks the Rust side whether a
// vault exists (vault_status over Tauri IPC) and offers to create one.
import { expect } from '@wdio/globals';
import { screenshot, vaultDir } from './support.mjs';

/**
 * How far the page reaches below the window (0 when it fits). The first screen must fit the
 * default window (1100×760, tauri.conf.json) whole, its location line included.
 */
async function pageOverflow() {
  const { height, window } = await browser.execute(() => ({
    height: document.documentElement.scrollHeight,
    window: document.documentElement.clientHeight,
  }));
  expect(window).toBe(760);
  return Math.max(0, height - window);
}

describe('first run', () => {
  it('offers to create a vault at the configured location', async () => {
    const heading = await $('#create-title');
    await heading.waitForDisplayed();
    await expect(heading).toHaveText('Create your vault');
    // The location comes from the Rust command, so this proves the IPC round trip.
    await expect($('.location')).toHaveText(`Vault location: ${vaultDir()}`);
    await screenshot('create-vault');
    expect(await pageOverflow()).toBe(0);
  });

  it('explains why mismatched passphrases are refused', async () => {
    await $('#create-passphrase').setValue('harbour violet quantum tangerine');
    await $('#create-confirm').setValue('harbour violet quantum tangerin');
    await $('button[type="submit"]').click();
    await expect($('#create-problem')).toHaveText('The two passphrases are not the same.');
  });

  it('switches to Korean', async () => {
    await $('.language select').selectByAttribute('value', 'ko');
    await expect($('#create-title')).toHaveText('금고 만들기');
    await expect($('html')).toHaveAttribute('lang', 'ko');
    await screenshot('create-vault-ko');
    // With the previous test's mismatch message still shown: the longest this screen gets.
    expect(await pageOverflow()).toBe(0);
    await $('.language select').selectByAttribute('value', 'en');
  });
});
