// Auto-lock: this spec's app runs with a 2-second idle limit (see wdio.conf.mjs), so an
// untouched open vault must return to the unlock screen by itself.
import { expect } from '@wdio/globals';
import { createVault } from './support.mjs';

describe('auto-lock', () => {
  it('locks an idle vault and says why', async () => {
    await createVault();
    await $('#unlock-title').waitForDisplayed({ timeout: 15_000 });
    await expect($('#unlock-notice')).toHaveText(
      'Tipvault locked the vault because it was not used for a while.',
    );
  });
});
