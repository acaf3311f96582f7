// The app as people get it: scripts/test.sh builds the .deb, installs it with `dpkg -i` and
// runs this spec against the installed /usr/bin/tipvault-desktop (TIPVAULT_DESKTOP_BIN). Not
// part of the default run (its name does not end in .e2e.mjs): it needs the package installed.
import { execFileSync } from 'node:child_process';
import { expect } from '@wdio/globals';
import { createVault } from './support.mjs';

describe('installed from the .deb', () => {
  it('runs the packaged binary, with its desktop entry and icon in place', () => {
    const app = process.env.TIPVAULT_E2E_APP;
    expect(app).toBe('/usr/bin/tipvault-desktop');
    // The running window is that file (not a build in the source tree).
    const running = execFileSync('pgrep', ['-f', '-x', `${app}( .*)?`]).toString().trim();
    expect(running).not.toBe('');
    const owned = execFileSync('dpkg', ['-S', app]).toString();
    expect(owned).toContain('tipvault:');
    const files = execFileSync('dpkg', ['-L', 'tipvault']).toString();
    expect(files).toContain('/usr/share/applications/Tipvault.desktop');
    expect(files).toContain('/usr/share/icons/hicolor/128x128/apps/tipvault-desktop.png');
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
