// Cashing out across providers in the real window: the demo vault pairs the sandbox holding
// the demo tips and three more demo providers (demo/providers), each its own catalog and
// money. "My balances" takes all of them in one plan, each provider's part through its own
// catalog; one redemption sends each provider only its own requests, after the user saw which
// request goes where.
import { expect } from '@wdio/globals';
import { createVault, letDemoMoneyThrough, press, screenshot } from './support.mjs';

describe('one plan across providers', () => {
  it('previews every provider’s part and the total from my balances', async () => {
    await createVault();
    await $('#nav-preview').click();
    await $('#demo-start').click();
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    await letDemoMoneyThrough();
    await press('#nav-preview');
    await press('#preview-mode-balances');
    await $('#preview-all-providers').waitForDisplayed({ timeout: 20_000 });
    await press('#preview-all-providers');
    // Gift cards too: the creator-credit provider's dollars become one.
    await press('.chip[data-kind="gift_card"]');
    await $('#preview-across-total').waitForDisplayed({ timeout: 20_000 });
    for (const provider of ['demo-provider', 'edu-points', 'telco-points', 'creator-credit']) {
      await expect($(`.across-part[data-provider="${provider}"]`)).toBeExisting();
    }
    // A new account may cash out ₩30,000 at once, shared by every provider's part.
    await expect($('#preview-across-total')).toHaveText(expect.stringContaining('₩30,000'));
    await expect($('#preview-across-total')).toHaveText(expect.stringContaining('$25.00'));
    await screenshot('across-preview');
  });

  it('sends one redemption: each request to its own provider, shown before it leaves', async () => {
    await $('#redeem-panel[data-amount="all"]').waitForDisplayed({ timeout: 20_000 });
    for (const input of await $$('#redeem-panel input[id^="dest-"]')) {
      const id = await input.getAttribute('id');
      await input.setValue(id.endsWith('-email') ? 'demo@example.com' : '01012345678');
    }
    await press('#redeem-review');
    await $('#redeem-reveals').waitForDisplayed({ timeout: 20_000 });
    const named = new Set();
    for (const e of await $$('#redeem-reveals [data-provider]')) named.add(await e.getText());
    expect(named.size).toBeGreaterThan(1);
    expect(named).toContain('to creator-credit');
    await press('#redeem-send');
    await $('#redeem-result').waitForDisplayed({ timeout: 60_000 });
    await expect($('#redeem-result')).toHaveAttribute('data-state', 'confirmed');
    await screenshot('across-sent');
  });
});
