// The first screen of a fresh install, in the real window: the app asks the Rust side whether a
// vault exists (vault_status over Tauri IPC) and offers to create one.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@wdio/globals';
import { commandName, descendants, pids } from './leaks.mjs';
import { screenshot, vaultDir } from './support.mjs';

/**
 * Whether OpenGL here would be Mesa's software renderer: asked for, or no GPU device at all
 * (the oracle for src-tauri/src/painting.rs, whose unit tests cover each case).
 */
function softwareGl() {
  const asked = process.env.LIBGL_ALWAYS_SOFTWARE?.toLowerCase();
  if (['1', 'y', 'yes', 't', 'true'].includes(asked)) return true;
  let nodes = [];
  try {
    nodes = fs.readdirSync('/dev/dri').filter((n) => n.startsWith('renderD'));
  } catch {
    // no DRM devices
  }
  const usable = (node) => {
    try {
      fs.accessSync(`/dev/dri/${node}`, fs.constants.R_OK | fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  const own = ['nvidiactl', 'dxg', 'mali0'].some((d) => fs.existsSync(`/dev/${d}`));
  return !nodes.some(usable) && !own;
}

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

  it('paints on the CPU where OpenGL would be emulated in software', () => {
    // The choice reaches WebKit's web process through its environment, set before it started.
    const [app, ...others] = pids(process.env.TIPVAULT_E2E_APP);
    expect(others).toEqual([]);
    // Started again under its own name, not as `exe` (the kernel keeps 15 characters of it).
    expect(commandName(app)).toBe(path.basename(process.env.TIPVAULT_E2E_APP).slice(0, 15));
    const web = descendants(app).filter((pid) => commandName(pid).startsWith('WebKitWeb'));
    expect(web.length).toBeGreaterThan(0);
    const environment = fs.readFileSync(`/proc/${web[0]}/environ`, 'utf8').split('\0');
    const name = 'WEBKIT_SKIA_ENABLE_CPU_RENDERING';
    const value = environment.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1);
    // A value set for the run passes unchanged; otherwise the app's own choice.
    expect(value).toBe(process.env[name] ?? (softwareGl() ? '1' : undefined));
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
