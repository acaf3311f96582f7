// The window at its smallest usual size, 800×600, in both languages: the header keeps every
// word whole (Korean wraps between any two letters unless told not to), the page never
// scrolls sideways, and the history table shows its dates whole.
import { expect } from '@wdio/globals';
import { createVault, press, screenshot } from './support.mjs';

/** How many lines each element's text takes, and whether any of it is cut off. */
async function layoutOf(selector) {
  return browser.execute((sel) => {
    return [...document.querySelectorAll(sel)]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        return {
          what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${el.textContent.trim().slice(0, 24)}"`,
          lines: tops.size,
          cut: el.scrollWidth > el.clientWidth + 1,
        };
      });
  }, selector);
}

const wrapped = (items) => items.filter((i) => i.lines > 1).map((i) => i.what);
const cut = (items) => items.filter((i) => i.cut).map((i) => i.what);

describe('layout at 800×600', () => {
  // The language is the web view's own setting, kept between app runs: leave it in English
  // for the specs that follow.
  after(async () => {
    await $('.language select').selectByAttribute('value', 'en');
  });

  it('opens the demo vault in a small window', async () => {
    await createVault();
    await press('#nav-preview');
    await press('#demo-start');
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    await browser.setWindowSize(800, 600);
    await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= 800, {
      timeoutMsg: 'the window did not shrink',
    });
  });

  for (const lang of ['en', 'ko']) {
    it(`keeps the header's words whole and nothing wider than the window (${lang})`, async () => {
      await $('.language select').selectByAttribute('value', lang);
      await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === lang);
      for (const screen of ['home', 'history', 'redemptions', 'settings']) {
        await press(`#nav-${screen}`);
        await browser.pause(300);
        const header = await layoutOf('.top .tab, .top .lock, .language > span, .brand .name');
        expect({ screen, wrapped: wrapped(header) }).toEqual({ screen, wrapped: [] });
        const overflow = await browser.execute(() => document.documentElement.scrollWidth - window.innerWidth);
        expect({ screen, overflow }).toEqual({ screen, overflow: 0 });
      }
      await screenshot(`layout-800-${lang}`);
    });

    it(`shows the history's dates and column names whole (${lang})`, async () => {
      await press('#nav-history');
      await $('#history-rows [role="row"][data-entry]').waitForDisplayed({ timeout: 20_000 });
      const dates = await layoutOf('#history-rows [role="row"][data-entry] button.link');
      expect(dates.length).toBeGreaterThan(0);
      expect({ wrapped: wrapped(dates), cut: cut(dates) }).toEqual({ wrapped: [], cut: [] });
      const heads = await layoutOf('.vrow.head [role="columnheader"]');
      expect({ wrapped: wrapped(heads), cut: cut(heads) }).toEqual({ wrapped: [], cut: [] });
      await screenshot(`history-800-${lang}`);
    });
  }
});
