// Phase A in the page: settings, start, progress, live plot, pause, and refused settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('a copy evolves in the page: progress, plot, best episode, pause', async () => {
  const { page, errors, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'gpu', null, { timeout: 60_000 });
    await page.selectOption('#task', 'sw');
    await page.fill('#population', '32');
    await page.fill('#generations', '50');
    await page.click('#start');
    await page.waitForFunction(() => Number(document.body.dataset.generations) >= 2, null, { timeout: 120_000 });
    assert.match(await page.textContent('#progress-text'), /generation \d+ \/ 50 .* ETA \d+:\d\d/);
    const width = await page.$eval('#progress-bar', (el) => parseFloat(el.style.width));
    assert.ok(width > 0, 'the progress bar advances');
    assert.ok(await page.$$eval('#plot canvas', (c) => c.length) >= 1, 'uPlot draws the fitness plot');
    // The page answers clicks while the worker trains.
    await page.click('#pause');
    await page.waitForFunction(() => document.body.dataset.evolve === 'paused');
    await page.waitForTimeout(1500);
    const paused = Number(await page.getAttribute('body', 'data-generations'));
    await page.waitForTimeout(2500);
    assert.ok(Number(await page.getAttribute('body', 'data-generations')) <= paused + 1, 'pause stops the generations');
    await page.click('#pause');
    await page.waitForFunction((n) => Number(document.body.dataset.generations) > n + 1, paused, { timeout: 120_000 });
    await page.screenshot({ path: `${SHOTS}page-evolve.png`, fullPage: true });
    assert.deepEqual(errors, []);

    // Every trial is stored: 32 members x 24 start cells and 24 evaluation episodes per generation.
    await page.click('#pause');
    await page.waitForFunction(() => document.body.dataset.evolve === 'paused');
    await page.waitForTimeout(3000);
    const generations = Number(await page.getAttribute('body', 'data-generations'));
    await page.waitForFunction((n) => Number(document.body.dataset.trials) === n * (32 * 24 + 24), generations, { timeout: 10_000 });
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.trials !== undefined, null, { timeout: 60_000 });
    assert.equal(Number(await page.getAttribute('body', 'data-trials')), generations * (32 * 24 + 24), 'a reload keeps every trial');
  } finally {
    await close();
  }
});

test('settings that cannot run are refused with a message naming them', async () => {
  const { page, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend, null, { timeout: 60_000 });
    await page.selectOption('#strategy', 'OpenAiEs');
    await page.fill('#population', '7');
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('evolve-error').textContent.length > 0);
    assert.match(await page.textContent('#evolve-error'), /population 7 is odd/);
    assert.equal(await page.getAttribute('body', 'data-evolve'), 'idle');
  } finally {
    await close();
  }
});
