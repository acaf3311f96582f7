// Security keys with the software TEST DEVICE. A test device never joins a real vault, so this
// spec's app opens a vault marked as a demo fixture (the one `e2e_trusted_vault` makes, see
// wdio.conf.mjs), with TIPVAULT_TEST_SOFT_AUTHENTICATOR naming the device's state file (a test
// hook). Registering the key is confirmed with the passphrase first (re-authentication); the
// vault is locked and unlocked with the key instead of the passphrase; it is renamed, then
// removed, which asks for the passphrase again (the vault key is replaced).
import { expect } from '@wdio/globals';
import { PASSPHRASE, confirmItsMe, press, screenshot } from './support.mjs';

describe('security keys', () => {
  it('registers the software test device in settings, after the passphrase confirms it is me', async () => {
    await $('#unlock-passphrase').waitForDisplayed({ timeout: 30_000 });
    await $('#unlock-passphrase').setValue(PASSPHRASE);
    await press('button[type="submit"]');
    await $('#home-title').waitForDisplayed({ timeout: 60_000 });
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
    // A wrong passphrase is said in the dialog, which stays; the right one goes through.
    await $('#reauth').waitForDisplayed({ timeout: 20_000 });
    await expect($('#reauth-passphrase')).toBeFocused();
    await $('#reauth-passphrase').setValue('not my passphrase');
    await press('#reauth-confirm');
    await $('#reauth-error').waitForDisplayed({ timeout: 30_000 });
    await expect($('#reauth-error')).toHaveText(expect.stringContaining('did not open the vault'));
    await screenshot('reauth-register-key');
    await confirmItsMe();
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
    // No USB key on this machine: the wait for a touch says what to do and stops at once when
    // asked (the device's own time-out is 30 s, far beyond this test's waits).
    await press('#unlock-key-device-usb');
    await press('#unlock-with-key');
    await expect($('#unlock-key-waiting')).toHaveText(expect.stringContaining('Touch your security key now'));
    await press('#unlock-key-cancel');
    await expect($('#app-error')).toHaveText(
      'You stopped waiting for the security key. Unlock with your passphrase, or try the key again.',
      { wait: 5_000 },
    );
    await expect($('#unlock-key-waiting')).not.toBeExisting();
    await press('#unlock-key-device-test_device');
    await screenshot('unlock-security-key');
    await press('#unlock-with-key');
    await $('#home-title').waitForDisplayed({ timeout: 30_000 });
  });

  it('renames the key, then removes it with the passphrase, which replaces the vault key', async () => {
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
    // Only the passphrase can seal the new vault key: the dialog offers no key.
    await $('#reauth').waitForDisplayed({ timeout: 20_000 });
    await expect($('#reauth-switch')).not.toBeExisting();
    await confirmItsMe();
    await $('#keys-empty').waitForDisplayed({ timeout: 30_000 });
    await expect($('#keys-notice')).toHaveText(expect.stringContaining('the vault key was replaced'));
  });

  it('offers only the passphrase at unlock once the key is removed', async () => {
    await press('#lock');
    await $('#unlock-title').waitForDisplayed();
    await expect($('#unlock-key')).not.toBeExisting();
  });
});
