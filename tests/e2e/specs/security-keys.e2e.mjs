// Security keys with the software TEST DEVICE: this spec's app runs with
// TIPVAULT_TEST_SOFT_AUTHENTICATOR naming its state file (debug builds only; see wdio.conf.mjs),
// which is what lets settings offer the test device. A key is registered in settings, the vault
// is locked and unlocked with the key instead of the passphrase, then it is renamed and removed.
import { expect } from '@wdio/globals';
import { createVault, press, screenshot } from './support.mjs';

describe('security keys', () => {
  it('registers the software test device in settings, clearly labelled', async () => {
    await createVault();
    await press('#nav-settings');
    await $('#keys-title').waitForDisplayed();
    await expect($('#keys-empty')).toBeDisplayed();
    // A USB key is the default; the test device is offered only because of the test hook.
    await $('#key-device-test_device').waitForExist();
    await expect($('#key-device-usb')).toBeSelected();
    await $('#key-label').setValue('Blue test key');
    await press('#key-device-test_device');
    await expect($('#key-test-note')).toHaveText(expect.stringContaining('never for a real vault'));
    await press('#key-add');
    await $('#keys-notice').waitForDisplayed({ timeout: 30_000 });
    await expect($('#keys-notice')).toHaveText('“Blue test key” was added.');
    const row = $('tr[data-label="Blue test key"]');
    await expect(row).toHaveText(expect.stringContaining('Test device'));
    await expect(row).toHaveText(expect.stringContaining('Unlocks the vault'));
    await screenshot('security-keys');
  });

  it('locks, then unlocks with the key instead of the passphrase', async () => {
    await press('#lock');
    await $('#unlock-title').waitForDisplayed();
    await $('#unlock-key').waitForDisplayed();
    await expect($('#unlock-key')).toHaveText(expect.stringContaining('Registered: Blue test key.'));
    await $('#unlock-key-device-test_device').waitForExist();
    await press('#unlock-key-device-test_device');
    await screenshot('unlock-security-key');
    await press('#unlock-with-key');
    await $('#home-title').waitForDisplayed({ timeout: 30_000 });
  });

  it('renames the key, then removes it after saying the passphrase stays the way back in', async () => {
    await press('#nav-settings');
    const row = $('tr[data-label="Blue test key"]');
    await row.waitForDisplayed();
    await expect(row).not.toHaveText(expect.stringContaining('Never'));
    await press('#key-rename-0');
    await $('#key-rename-input').clearValue();
    await $('#key-rename-input').setValue('Green test key');
    await press('#key-rename-save');
    await expect($('#keys-notice')).toHaveText('Renamed to “Green test key”.');
    await $('tr[data-label="Green test key"]').waitForDisplayed();

    await press('#key-remove-0');
    await expect($('#key-remove-explain')).toHaveText(
      expect.stringContaining('Your passphrase still unlocks the vault'),
    );
    await screenshot('security-key-remove');
    await press('#key-remove-yes');
    await $('#keys-empty').waitForDisplayed();
    await expect($('#keys-notice')).toHaveText(expect.stringContaining('“Green test key” was removed.'));
  });

  it('offers only the passphrase at unlock once the key is removed', async () => {
    await press('#lock');
    await $('#unlock-title').waitForDisplayed();
    await expect($('#unlock-key')).not.toBeExisting();
  });
});
