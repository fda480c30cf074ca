// Phase B in the browser: after a copy has evolved (and demonstrated its skill), ONE consolidates
// on the stored traces by BPTT in WebGPU compute shaders in the worker, and its loss falls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('a short consolidation runs in the worker and lowers the loss', async () => {
  const { page, errors, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'gpu', null, { timeout: 60_000 });
    // Before any copy has evolved there is nothing to learn from.
    await page.click('#consolidate');
    await page.waitForFunction(() => document.body.dataset.consolidate === 'error');
    assert.match(await page.textContent('#consolidate-status'), /Evolve a copy first/);

    await page.fill('#population', '16');
    await page.fill('#generations', '3');
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.evolve === 'done', null, { timeout: 120_000 });
    await page.waitForFunction(() => Number(document.body.dataset.trials) === 3 * (16 * 24 + 24) + 24);

    await page.fill('#updates', '40');
    const started = Date.now();
    await page.click('#consolidate');
    await page.waitForFunction(() => document.body.dataset.consolidate === 'done', null, { timeout: 300_000 });
    const seconds = (Date.now() - started) / 1000;
    const first = Number(await page.getAttribute('body', 'data-first-loss'));
    const last = Number(await page.getAttribute('body', 'data-last-loss'));
    console.log(`browser consolidation: 40 updates in ${seconds.toFixed(1)} s; loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    assert.equal(await page.getAttribute('body', 'data-updates'), '40');
    assert.ok(last < 0.7 * first, `loss ${first} -> ${last}`);
    const [, before, after] = (await page.textContent('#consolidate-status')).match(/([\d.]+) before, ([\d.]+) after/);
    assert.ok(Number(after) < Number(before), `held-out prediction ${before} -> ${after}`);
    await page.locator('#loss-plot').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}consolidate.png` });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
