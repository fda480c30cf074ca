// Static hosting under a sub-path, as a project page on a static host serves the site at
// /NAME/: the lab and the benchmark page load and run from there, and nothing is requested from
// the site's root (every URL the pages and workers use is relative).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '../../scripts/serve.mjs';
import { openPage } from './browser.mjs';

let server;
let url;
before(async () => {
  server = await serve(0, '/onelab/');
  url = `http://127.0.0.1:${server.address().port}/onelab/`;
});
after(() => server.close());

test('the lab runs from a sub-path and asks nothing of the root', async () => {
  const { page, errors, close } = await openPage(url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    // The corpus loaded (its catalogue is drawn) and the device was measured.
    await page.waitForFunction(() => document.body.dataset.rates, null, { timeout: 120_000 });
    await page.click('a[href="bench.html"]');
    await page.waitForFunction(() => document.body.dataset.bench === 'ready', null, { timeout: 60_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(server.outside, [], `requests outside /onelab/: ${server.outside.join(', ')}`);
  } finally {
    await close();
  }
});
