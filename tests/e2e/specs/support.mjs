// Helpers shared by the specs.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@wdio/globals';

/** Saves a screenshot of the window when TIPVAULT_SCREENSHOTS names a directory. */
export async function screenshot(name) {
  const dir = process.env.TIPVAULT_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  // WebKitWebDriver can hand back the previous frame: wait until two frames have been painted.
  await browser.executeAsync((done) =>
    requestAnimationFrame(() => requestAnimationFrame(() => done())),
  );
  await browser.pause(150);
  await browser.saveScreenshot(path.join(dir, `${name}.png`));
}

/** The vault directory this app process was started with. */
export function vaultDir() {
  return process.env.TIPVAULT_VAULT;
}

/** A passphrase the app rates "very strong". */
export const PASSPHRASE = 'harbour violet quantum tangerine';

/** Fills the first screen's form and waits for the open vault (creation calibrates Argon2id). */
export async function createVault(passphrase = PASSPHRASE) {
  await $('#create-title').waitForDisplayed();
  await $('#create-passphrase').setValue(passphrase);
  await $('#create-confirm').setValue(passphrase);
  await $('.strength[data-score="4"]').waitForExist();
  await $('button[type="submit"]').click();
  await $('#home-title').waitForDisplayed({ timeout: 60_000 });
}

/**
 * Clicks a button after scrolling it to the middle of the window. WebKitWebDriver sometimes
 * reports a click on an element below the fold as done without firing it.
 */
export async function press(selector) {
  const element = typeof selector === 'string' ? await $(selector) : selector;
  await element.scrollIntoView({ block: 'center' });
  // WebdriverIO scrolls with wheel actions, which WebKitWebDriver sometimes skips for an
  // element at the very bottom edge of the window (then the click lands nowhere): scroll in the
  // page as well, a no-op when it is already centred.
  await browser.execute((el) => el.scrollIntoView({ block: 'center' }), element);
  await element.click();
}

/**
 * Answers the "Confirm it's you" dialog a sensitive change opens (re-authentication) with the
 * passphrase, and waits until it has closed (the change went through).
 */
export async function confirmItsMe(passphrase = PASSPHRASE) {
  await $('#reauth').waitForDisplayed({ timeout: 20_000 });
  await $('#reauth-passphrase').setValue(passphrase);
  await press('#reauth-confirm');
  await $('#reauth').waitForDisplayed({ reverse: true, timeout: 30_000 });
}

/** The same dialog in the demo vault, whose passphrase is public: the dialog fills it in. */
export async function confirmInTheDemo() {
  await $('#reauth').waitForDisplayed({ timeout: 20_000 });
  await press('#reauth-demo');
  await press('#reauth-confirm');
  await $('#reauth').waitForDisplayed({ reverse: true, timeout: 30_000 });
}

/**
 * Demo mode, no key registered: lets demo money through without a security key. The waiver is
 * off until the user turns it on, and turning it on is confirmed like any sensitive change.
 */
export async function letDemoMoneyThrough() {
  await press('#nav-limits');
  await $('#risk-sandbox-waiver').waitForDisplayed({ timeout: 20_000 });
  // The sandbox's key, as Tipvault pinned it, is there to compare.
  await expect($('#risk-providers')).toHaveText(expect.stringContaining('SHA256:'));
  await expect($('#risk-sandbox-waiver')).not.toBeSelected();
  await press('#risk-sandbox-waiver');
  await confirmInTheDemo();
  await $('#risk-notice').waitForDisplayed({ timeout: 20_000 });
  await expect($('#risk-sandbox-waiver')).toBeSelected();
}

/**
 * Starts demo mode and registers the software TEST DEVICE as a key (offered only in the demo
 * vault; registering is confirmed with the demo's public passphrase).
 */
export async function startDemoWithTestKey() {
    await press('#nav-preview');
    await press('#demo-start');
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    await press('#nav-settings');
    await $('#key-device-test_device').waitForExist();
    await $('#key-label').setValue('Demo test key');
    await press('#key-device-test_device');
    await press('#key-add');
    await confirmInTheDemo();
    await $('#keys-notice').waitForDisplayed({ timeout: 30_000 });
}

/**
 * Empties a text field the way typing does (WebKitWebDriver's clearValue sends no input event,
 * so the page would still filter by the old text).
 */
export async function emptyField(selector) {
  await browser.execute((sel) => {
    const field = document.querySelector(sel);
    field.value = '';
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }, selector);
}
