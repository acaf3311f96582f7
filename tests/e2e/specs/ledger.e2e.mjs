// The ledger in the real window: add a platform account, import a generated 3,001-row Ko-fi
// export (one bad row) through the import screen, review it in the virtualized history with a
// search and the inflow chart, export it, and edit the payout threshold. The file dialogs are
// the only thing replaced: a debug build takes their answer from TIPVAULT_TEST_PICK_FILE and
// TIPVAULT_TEST_SAVE_DIR (see wdio.conf.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@wdio/globals';
import { KOFI_ROWS } from '../wdio.conf.mjs';
import { createVault, emptyField, press, screenshot } from './support.mjs';

const loaded = async () => {
  const text = await $('#history-count').getText();
  const match = /([\d,]+) entries/.exec(text);
  return match ? Number(match[1].replace(/,/g, '')) : 0;
};

describe('the ledger', () => {
  it('adds a platform account from the import screen, with its published threshold', async () => {
    await createVault();
    await $('#nav-import').click();
    await expect($('#import-needs-source')).toBeDisplayed();
    await $('#source-platform').selectByAttribute('value', 'twitch');
    await expect($('#source-threshold')).toHaveValue('50.00');
    await $('#source-platform').selectByAttribute('value', 'kofi');
    await expect($('#source-threshold')).toHaveValue('');
    await $('#source-label').setValue('Ko-fi main');
    // A refused field says why beside itself, in words, and the message goes once it is fixed.
    await $('#source-currency').setValue('dol');
    await press('#source-add');
    await expect($('#source-currency-error')).toHaveText('"DOL" is not a currency code Tipvault knows, such as USD or KRW.');
    await expect($('#source-currency')).toHaveAttribute('aria-invalid', 'true');
    await expect($('#sources-error')).not.toBeExisting();
    await $('#source-currency').clearValue();
    await $('#source-currency').setValue('USD');
    await expect($('#source-currency-error')).not.toBeExisting();
    await press('#source-add');
    await expect($('#sources-notice')).toHaveText('Added Ko-fi main.');
    await expect($('tr[data-source="ko-fi-main"]')).toBeDisplayed();
  });

  it('checks the chosen file, lists the bad row, and imports only the good rows on request', async () => {
    await $('#import-keep-messages').click();
    await press('#import-choose');
    await $('#import-summary').waitForDisplayed({ timeout: 30_000 });
    await expect($('#import-detected')).toHaveText('Detected: Ko-fi transactions, UTF-8');
    await expect($('#import-summary')).toHaveAttribute('data-committed', 'false');
    await expect($('#import-bad')).toHaveText('1');
    const badRow = await $('#import-row-errors tbody tr td').getText();
    expect(badRow).toBe(String(KOFI_ROWS + 2));
    // Every row's e-mail address is dropped, the bad row's included: nothing of it is kept.
    await expect($('#import-dropped')).toHaveText(expect.stringContaining(`${(KOFI_ROWS + 1).toLocaleString('en')} e-mail addresses`));
    await screenshot('import-check');
    await press('#import-run-partial');
    await $('#import-summary[data-committed="true"]').waitForDisplayed({ timeout: 60_000 });
    await expect($('#import-inserted')).toHaveText(KOFI_ROWS.toLocaleString('en'));
    await screenshot('import-done');
  });

  it('scrolls the history with only a window of rows in the page', async () => {
    await $('#nav-history').click();
    await $('#history-rows [role="row"]').waitForDisplayed();
    await browser.waitUntil(async () => (await loaded()) === 200, { timeoutMsg: 'the first page loads' });
    const all = `${KOFI_ROWS.toLocaleString('en')} entries.`;
    for (let i = 0; i < 40 && (await $('#history-count').getText()) !== all; i++) {
      await browser.execute(() => {
        const body = document.querySelector('#history-rows');
        body.scrollTop = body.scrollHeight;
        body.dispatchEvent(new Event('scroll'));
      });
      await browser.pause(100);
    }
    await browser.waitUntil(async () => (await $('#history-count').getText()) === all, {
      timeoutMsg: 'every page loads as the user scrolls',
    });
    const drawn = await browser.execute(() => document.querySelectorAll('#history-rows [role="row"]').length);
    expect(drawn).toBeLessThan(60);
    // The oldest tip is the last row: the window follows the scroll position.
    const last = await browser.execute(() => [...document.querySelectorAll('#history-rows [role="row"]')].at(-1)?.textContent ?? '');
    expect(last).toContain('unicorn 0');
    await expect($$('figure.chart[data-currency="USD"] button.bar')).toBeElementsArrayOfSize({ gte: 6 });
    await screenshot('history');
  });

  it('searches the kept messages', async () => {
    await $('#history-search').setValue('unicorn');
    await browser.waitUntil(async () => (await $('#history-count').getText()) === '8 entries.', {
      timeoutMsg: 'eight messages mention unicorns',
    });
    const shown = await browser.execute(() => document.querySelector('#history-rows')?.textContent ?? '');
    expect(shown).toContain('unicorn 2800');
    expect(shown).not.toContain('thanks');
  });

  it('opens an entry with every field kept, and totals the rows the filters select', async () => {
    // Tips every 400th row, $1.00–$9.99 by a fixed rule: the eight unicorn rows' sum, exactly.
    const cents = [0, 400, 800, 1200, 1600, 2000, 2400, 2800].reduce((sum, i) => sum + 100 + ((i * 37) % 900), 0);
    const total = `$${(cents / 100).toFixed(2)}`;
    await expect($('#history-totals [data-currency="USD"]')).toHaveText(expect.stringContaining(`${total} net`));
    await $('#history-rows [role="row"][data-entry] button.link').click();
    await $('#entry-detail').waitForDisplayed();
    await expect($('#entry-message')).toHaveText(expect.stringMatching(/^unicorn \d+$/));
    // Payer names were not kept at import: the detail says so instead of showing nothing.
    await expect($('#entry-payer')).toHaveText('not kept');
    await expect($('#entry-file')).toHaveText('ko-fi-export.csv');
    await expect($('#entry-expires')).toHaveText(expect.stringMatching(/\d{4}/));
    await screenshot('history-detail');
    await expect($('#entry-close')).toBeFocused();
    await browser.keys('Enter');
    await expect($('#entry-detail')).not.toBeExisting();
    await emptyField('#history-search');
  });

  it('filters the table to the period of a chart bar it is clicked on', async () => {
    await browser.waitUntil(async () => (await loaded()) === 200, { timeoutMsg: 'the search is cleared' });
    const bar = $('figure.chart[data-currency="USD"] button.bar[data-period="2026-02-01"]');
    await bar.moveTo();
    const readout = $('figure.chart[data-currency="USD"] .readout');
    // 28 days of a tip every two hours (the app and this machine both read UTC here).
    await expect(readout).toHaveText(expect.stringMatching(/^Feb 2026: \$[\d,.]+ from 336 entries$/));
    const amount = /: (\$[\d,.]+) from/.exec(await readout.getText())[1];
    await bar.click();
    await expect($('#history-from')).toHaveValue('2026-02-01');
    await expect($('#history-to')).toHaveValue('2026-02-28');
    // The table now holds that month: its total is the bar's amount, to the cent.
    await expect($('#history-totals [data-currency="USD"]')).toHaveText(expect.stringContaining(`${amount} net`));
    await browser.waitUntil(async () => (await loaded()) === 200, { timeoutMsg: 'February is listed' });
    const first = await $('#history-rows [role="row"][data-entry] button.link').getText();
    expect(first).toContain('28 Feb 2026');
    await press('#history-clear-dates');
    await browser.waitUntil(async () => (await loaded()) === 200, { timeoutMsg: 'every date again' });
  });

  it('says once, beside the table, why an amount filter is refused, and keeps no spinner', async () => {
    await $('#history-max').setValue('abc');
    await $('#history-error').waitForDisplayed();
    await expect($('#history-error')).toHaveText(expect.stringContaining('abc'));
    await browser.pause(600); // the chart asks after its own pause
    await expect($$('section[aria-labelledby="history-title"] [role="alert"]')).toBeElementsArrayOfSize(1);
    await expect($('#history-count')).toHaveText('');
    await emptyField('#history-max');
    await browser.waitUntil(async () => (await loaded()) === 200, { timeoutMsg: 'the rows come back' });
  });

  it('exports the ledger to a file only the user can read', async () => {
    await $('#export-format').selectByAttribute('value', 'csv');
    await press('#export-run');
    await expect($('#export-done')).toHaveText(expect.stringContaining(`Exported ${KOFI_ROWS.toLocaleString("en-GB")} entries`));
    const dir = process.env.TIPVAULT_TEST_SAVE_DIR;
    const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.csv'));
    const full = path.join(dir, file);
    expect(fs.statSync(full).mode & 0o777).toBe(0o600);
    const lines = fs.readFileSync(full, 'utf8').trim().split('\n');
    expect(lines.length).toBe(KOFI_ROWS + 1);
  });

  it('edits a payout threshold; the overview shows Ko-fi income as paid out, not as money waiting', async () => {
    await $('#nav-import').click();
    await press('tr[data-source="ko-fi-main"] .edit-threshold');
    await $('#threshold-ko-fi-main').setValue('25000.00');
    await press('tr[data-source="ko-fi-main"] .save-threshold');
    await expect($('tr[data-source="ko-fi-main"]')).toHaveText(expect.stringContaining('$25,000.00'));
    await $('#nav-home').click();
    // Ko-fi paid every tip straight to PayPal: history under "Paid out", with no payout bar.
    const account = $('li[data-source="ko-fi-main"]');
    await expect(account).toHaveAttribute('data-location', 'paid_out');
    await expect(account).toHaveText(expect.stringContaining('paid out to PayPal or Stripe'));
    await expect($('li[data-source="ko-fi-main"] .threshold')).not.toBeExisting();
    await expect($('#group-paid_out')).toHaveText(expect.stringContaining('not money to cash out'));
  });
});
