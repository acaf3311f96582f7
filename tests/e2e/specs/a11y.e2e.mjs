// Accessibility, measured in the real window: axe-core (the engine behind most accessibility
// checkers) is injected into the app's web view through WebDriver and run on every screen, in
// English and in Korean. Serious and critical violations fail the spec, each named with the
// rule, the elements and axe's help text, so a failure says what to fix.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from '@wdio/globals';
import { createVault, press } from './support.mjs';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.1 A and AA rules, and axe's best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** Runs axe on the page as it is; returns the serious and critical violations, described. */
async function violations() {
  await browser.execute(`if (!window.axe) { ${axeSource} }`);
  const found = await browser.executeAsync((tags, done) => {
    window.axe
      .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
      .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }))))
      .catch((e) => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));
  }, TAGS);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function language(code) {
  await $('.language select').selectByAttribute('value', code);
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === code);
}

const SCREENS = ['home', 'import', 'history', 'preview', 'redemptions', 'limits', 'autocashout', 'retention', 'audit', 'settings'];

describe('accessibility (axe-core in the real web view)', () => {
  it('focuses the passphrase field of the first screen', async () => {
    await $('#create-title').waitForDisplayed();
    expect(await browser.execute(() => document.activeElement?.id)).toBe('create-passphrase');
  });

  it('catches a violation planted in the page (the check itself works here)', async () => {
    await $('#create-title').waitForDisplayed();
    await browser.execute(() => {
      const button = document.createElement('button');
      button.id = 'a11y-planted';
      document.body.append(button);
    });
    const found = await violations();
    await browser.execute(() => document.getElementById('a11y-planted')?.remove());
    expect(found.map((v) => v.id)).toContain('button-name');
    // And the keyboard walk notices a control whose focus shows nothing.
    await browser.execute(() => {
      const button = document.createElement('button');
      button.id = 'a11y-planted-ring';
      button.textContent = 'planted';
      // Through the CSS object model: the app's content security policy blocks style attributes.
      button.style.setProperty('outline', 'none', 'important');
      button.style.setProperty('box-shadow', 'none', 'important');
      document.querySelector('main')?.append(button);
    });
    const walk = await tabWalk();
    await browser.execute(() => document.getElementById('a11y-planted-ring')?.remove());
    expect(walk.unmarked).toEqual(['button#a11y-planted-ring']);
    expect(walk.missed).toEqual([]);
  });

  for (const lang of ['en', 'ko']) {
    it(`the first screen has no serious or critical violation (${lang})`, async () => {
      await $('#create-title').waitForDisplayed();
      await language(lang);
      expect(await violations()).toEqual([]);
    });
  }

  /**
   * Walks the screen with Tab from its top: every control the page offers (one per radio
   * group) must be reached, and each must show a focus indicator: its focused outline or
   * shadow differs from its unfocused one, and no scrolling box clips that outline away.
   * Returns what was missed and what was focused invisibly.
   */
  async function tabWalk() {
    const controls = await browser.execute(() => {
      document.querySelectorAll('[data-a11y]').forEach((el) => delete el.dataset.a11y);
      document.activeElement?.blur();
      const selector =
        'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
      const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      // What is drawn around the element: an outline only when one shows, and any shadow.
      const ring = (el) => {
        const s = getComputedStyle(el);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : 'none';
        return `${outline}|${s.boxShadow}`;
      };
      window.__a11yRing = ring;
      window.__a11yRest = {};
      let i = 0;
      for (const el of document.querySelectorAll(selector)) {
        if (!visible(el) || el.id === 'skip-link') continue;
        const key = el.type === 'radio' ? `radio:${el.name || el.id}` : String(i++);
        el.dataset.a11y = key;
        window.__a11yRest[key] ??= ring(el);
      }
      return [...new Set([...document.querySelectorAll('[data-a11y]')].map((el) => el.dataset.a11y))];
    });
    await browser.execute(() => window.scrollTo(0, 0));
    const reached = new Set();
    const unmarked = [];
    for (let step = 0; step < controls.length + 8; step++) {
      await browser.keys('Tab');
      const now = await browser.execute(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const s = getComputedStyle(el);
        const changed = window.__a11yRing(el) !== window.__a11yRest?.[el.dataset.a11y ?? ''];
        // An outline drawn outside the element can be cut off by a scrolling ancestor.
        const reach = (parseFloat(s.outlineWidth) || 0) + (parseFloat(s.outlineOffset) || 0);
        const box = el.getBoundingClientRect();
        let clipped = false;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
          const o = getComputedStyle(up);
          if (o.overflow === 'visible' && o.overflowX === 'visible' && o.overflowY === 'visible') continue;
          const r = up.getBoundingClientRect();
          const shadowOnly = s.outlineStyle === 'none' && s.boxShadow !== 'none';
          if (!shadowOnly && reach > 0 && (box.left - reach < r.left || box.right + reach > r.right || box.top - reach < r.top || box.bottom + reach > r.bottom)) {
            clipped = true;
          }
        }
        return { id: el.dataset.a11y ?? el.id, name: `${el.tagName.toLowerCase()}#${el.id}`, ring: changed && !clipped };
      });
      if (!now) continue;
      if (!now.ring) unmarked.push(now.name);
      reached.add(now.id);
    }
    const missed = await browser.execute(
      (ids) => ids.map((id) => document.querySelector(`[data-a11y="${id}"]`)).filter(Boolean).map((el) => `${el.tagName.toLowerCase()}#${el.id}`),
      controls.filter((c) => !reached.has(c)),
    );
    return { missed, unmarked: [...new Set(unmarked)] };
  }

  /** Walks every screen with the keyboard; what each missed or focused invisibly. */
  async function walkEveryScreen() {
    const problems = {};
    for (const screen of SCREENS) {
      await press(`#nav-${screen}`);
      await $(`#nav-${screen}[aria-current="page"]`).waitForExist();
      await browser.pause(400);
      const { missed, unmarked } = await tabWalk();
      if (missed.length || unmarked.length) problems[screen] = { missed, unmarked };
    }
    return problems;
  }

  /** Every screen in both languages; the serious and critical violations by screen. */
  async function everyScreen() {
    const failures = {};
    for (const lang of ['en', 'ko']) {
      await language(lang);
      for (const screen of SCREENS) {
        await press(`#nav-${screen}`);
        await $(`#nav-${screen}[aria-current="page"]`).waitForExist();
        // Let the screen's first answers arrive before judging it.
        await browser.pause(400);
        const found = await violations();
        if (found.length) failures[`${screen} (${lang})`] = found;
      }
    }
    await language('en');
    return failures;
  }

  it('every screen of a new, empty vault, in both languages', async () => {
    await language('en');
    await createVault();
    expect(await everyScreen()).toEqual({});
  });

  it('reaches every control of every screen by keyboard, each visibly focused', async () => {
    expect(await walkEveryScreen()).toEqual({});
  });

  it('offers a skip link first, past the navigation to the content', async () => {
    await press('#nav-preview');
    await browser.execute(() => {
      document.activeElement?.blur();
      window.scrollTo(0, 0);
    });
    await browser.keys('Tab');
    const first = await browser.execute(() => {
      const el = document.activeElement;
      return { id: el?.id, left: el?.getBoundingClientRect().left ?? -1 };
    });
    expect(first.id).toBe('skip-link');
    expect(first.left).toBeGreaterThanOrEqual(0);
    await browser.keys('Enter');
    expect(await browser.execute(() => document.activeElement?.id)).toBe('main');
    // The next Tab lands in the screen, not back in the header.
    await browser.keys('Tab');
    expect(await browser.execute(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
  });

  it('every screen of the demo vault (accounts, history, a sandbox provider), in both languages', async () => {
    await press('#nav-preview');
    await press('#demo-start');
    await $('#demo-notice').waitForDisplayed({ timeout: 60_000 });
    expect(await everyScreen()).toEqual({});
    // And by keyboard, with its accounts, history rows and provider's controls.
    expect(await walkEveryScreen()).toEqual({});
  });

  it('focuses the passphrase field when the vault is locked', async () => {
    await press('#demo-leave');
    await $('#unlock-passphrase').waitForDisplayed({ timeout: 30_000 });
    await browser.waitUntil(async () => (await browser.execute(() => document.activeElement?.id)) === 'unlock-passphrase', {
      timeoutMsg: 'the unlock field is not focused',
    });
  });
});
