// The first run, as a new user meets it: the create screen states the passphrase rule before
// anything is typed and focuses the field; the open vault greets with what Tipvault does, what
// stays on this computer, and the ways forward as buttons — one starts the demo at once.
import { expect } from '@wdio/globals';
import { createVault, press } from './support.mjs';

describe('first run', () => {
  it('states the rule before anything is typed, with the field focused', async () => {
    await $('#create-title').waitForDisplayed();
    await expect($('#create-rule')).toHaveText(expect.stringContaining('At least 10 characters'));
    expect(await browser.execute(() => document.activeElement?.id)).toBe('create-passphrase');
    // A refusal says why, next to the field, and goes away once fixed.
    await $('#create-passphrase').setValue('password1234');
    await $('#create-confirm').setValue('password1234');
    await expect($('#create-problem')).toHaveText(expect.stringContaining('too easy to guess'));
    await $('#create-passphrase').clearValue();
    await $('#create-confirm').clearValue();
  });

  it('welcomes the new vault with what Tipvault does and the ways forward', async () => {
    await createVault();
    await $('#welcome').waitForDisplayed({ timeout: 20_000 });
    await expect($('#welcome-title')).toHaveText('Welcome to Tipvault');
    await expect($('#welcome')).toHaveText(expect.stringContaining('Everything stays in this encrypted vault on this computer'));
    for (const id of ['#welcome-import', '#welcome-demo', '#welcome-provider', '#welcome-preview']) await expect($(id)).toBeDisplayed();
    // No command line in the window.
    await expect($('main')).not.toHaveText(expect.stringContaining('tipvault source'));
  });

  it('takes "Add a provider" to the address field', async () => {
    await press('#welcome-provider');
    await $('#providers-title').waitForDisplayed();
    await browser.waitUntil(async () => (await browser.execute(() => document.activeElement?.id)) === 'provider-url', {
      timeoutMsg: 'the address field is not focused',
    });
    await press('#nav-home');
    await $('#welcome').waitForDisplayed();
  });

  it('starts the demo from the welcome in one action', async () => {
    await press('#welcome-demo');
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    await expect($('#demo-banner')).toHaveText(expect.stringContaining('DEMO'));
    await expect($('#nav-preview')).toHaveAttribute('aria-current', 'page');
  });
});
