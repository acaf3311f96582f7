// The app installed from its package: scripts/test.sh bundles this run's build as a .deb,
// installs it with `dpkg -i` and runs this spec against the installed /usr/bin/tipvault-desktop
// (TIPVAULT_DESKTOP_BIN), then removes it. Not part of the default run (its name does not end
// in .e2e.mjs): it needs the package installed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { expect } from '@wdio/globals';
import { createVault } from './support.mjs';

describe('installed from the .deb', () => {
  it('runs the packaged binary, with its desktop entry and icon in place', () => {
    const app = '/usr/bin/tipvault-desktop';
    // The window under test is that file: some running process's executable is it.
    const pids = execFileSync('pgrep', ['-f', app]).toString().trim().split(/\s+/);
    const exes = pids.map((pid) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/exe`);
      } catch {
        return '';
      }
    });
    expect(exes).toContain(app);
    const owned = execFileSync('dpkg', ['-S', app]).toString();
    expect(owned).toContain('tipvault:');
    const files = execFileSync('dpkg', ['-L', 'tipvault']).toString();
    expect(files).toContain('/usr/share/applications/Tipvault.desktop');
    expect(files).toContain('/usr/share/icons/hicolor/128x128/apps/tipvault-desktop.png');
  });

  it("links the system's libcrypto for the vault's cipher, and the package says so", () => {
    // SQLCipher's crypto provider is the distribution's OpenSSL on Linux (security updates
    // reach the vault without a new Tipvault), so the package must depend on it.
    const depends = execFileSync('dpkg-query', ['-W', '-f=${Depends}', 'tipvault']).toString();
    expect(depends).toContain('libssl3 | libssl3t64');
    // Time zones come from the system's database too (crates/ledger/src/zone.rs).
    expect(depends).toMatch(/(^|, )tzdata(,|$)/);
    // The binary itself needs it (not some library it loads), and the loader finds it.
    const needed = execFileSync('readelf', ['-d', '/usr/bin/tipvault-desktop']).toString();
    expect(needed).toContain('Shared library: [libcrypto.so.3]');
    const libs = execFileSync('ldd', ['/usr/bin/tipvault-desktop']).toString();
    expect(libs).toMatch(/libcrypto\.so\.3 => \/\S+/);
  });

  it('creates a vault and previews a cash-out', async () => {
    await createVault();
    await $('#nav-preview').click();
    await expect($('#preview-explanation')).toHaveText(
      expect.stringContaining('Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit.'),
    );
    await expect($$('.path .seg')).toBeElementsArrayOfSize(2);
  });
});
