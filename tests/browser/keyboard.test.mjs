// The page by keyboard alone: every control has a name a screen reader can say, and a short
// experiment can be set up, run and talked to with Tab, Space and Enter only (CPU path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/** Presses Tab until the focused element matches `selector`; fails if it never does. */
async function tabTo(page, selector) {
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

test('every control is named, and the experiment runs by keyboard alone', async () => {
  const { page, errors, close } = await openPage(server.url, ['--disable-features=WebGPU']);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.click('.all-settings summary');
    const unnamed = await page.$$eval('button, input, select, summary, canvas', (els) => els
      .filter((e) => !e.closest('[hidden]') && !e.closest('[role="img"][aria-label]'))
      .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') ||
        (e.tagName !== 'INPUT' && e.textContent.trim()) || e.title))
      .map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, []);
    await page.click('.all-settings summary');

    await page.evaluate(() => document.activeElement?.blur());
    await tabTo(page, '#command');
    // Arrow keys step through the commands of a closed select.
    for (let i = 0; i < 20 && (await page.inputValue('#command')) !== 'south west'; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#command'), 'south west');
    await tabTo(page, '#play');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /south west/.test(document.getElementById('speech-status').textContent));
    for (const corner of ['nw', 'se']) {
      await tabTo(page, `input[name="goal"][value="${corner}"]`);
      await page.keyboard.press('Space');
    }
    await tabTo(page, '#experiment-generations');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('1');
    await tabTo(page, '#experiment-updates');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('3');
    await page.waitForFunction(() => document.body.dataset.settings === 'valid');
    await tabTo(page, '#experiment-start');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    assert.deepEqual(await page.$$eval('#experiment-rows tr td:first-child', (tds) => tds.map((td) => td.textContent)), ['north east', 'south west']);
    await tabTo(page, '#talk');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.talking === 'south west');
    await page.screenshot({ path: `${SHOTS}keyboard.png` });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
