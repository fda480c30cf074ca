// When the browser's storage quota runs out, evolution pauses with a message and an offer to
// export; the generation that did not fit waits in the worker and is stored on resume, so no
// trial is dropped. Also: stored trials stream back in filtered batches, and the append rate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const PER_GENERATION = 16 * 24 + 24; // members x start cells, plus the evaluation from every start
const DEMONSTRATION = 24; // the finished copy's mean policy from every start

test('a full quota pauses evolution, offers export, and loses no trial', async () => {
  const { page, errors, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'gpu', null, { timeout: 60_000 });
    // Append rate: one generation stored, timed by the worker around its transaction.
    await page.fill('#population', '16');
    await page.fill('#generations', '3');
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.evolve === 'done', null, { timeout: 120_000 });
    const text = await page.textContent('#storage-text');
    const [, n, ms] = text.match(/last generation's (\d+) trials stored in (\d+) ms/);
    console.log(`browser append: ${n} trials in one IndexedDB transaction in ${ms} ms (${Math.round((1000 * n) / Math.max(1, ms))} trials/s)`);

    // Filtered batches, as consolidation reads them: every successful 'ne' trial once, in order.
    const counts = await page.evaluate(async () => {
      const { trialBatches, allTrials } = await import('./store.js');
      const sizes = [];
      const records = [];
      const passed = await trialBatches({ task: 'ne', success: 1 }, 50, (batch) => { sizes.push(batch.length); records.push(...batch); });
      const want = (await allTrials()).filter((t) => t.task === 'ne' && t.success === 1).map((t) => t.record);
      const same = want.length === records.length && want.every((r, i) => r.length === records[i].length && r.every((b, j) => b === records[i][j]));
      const all = await trialBatches({}, 1000, () => {});
      return { passed, sizes, same, all };
    });
    assert.equal(counts.all, 3 * PER_GENERATION + DEMONSTRATION);
    assert.ok(counts.same, 'batches hold exactly the matching trials, in order');
    assert.ok(counts.sizes.slice(0, -1).every((s) => s === 50), `${counts.sizes}`);

    // Now a quota a few generations from full.
    const cdp = await page.context().newCDPSession(page);
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: usage + 300_000 });
    await page.fill('#generations', '200');
    await page.click('#start');
    await page.waitForFunction(() => !document.getElementById('export-now').hidden, null, { timeout: 300_000 });
    assert.match(await page.textContent('#evolve-error'), /storage is full, so evolution is paused/);
    assert.equal(await page.textContent('#pause'), 'Resume');
    const kept = Number(await page.getAttribute('body', 'data-trials'));
    assert.equal((kept - counts.all) % PER_GENERATION, 0, 'a generation is stored whole or not at all');
    const generations = Number(await page.getAttribute('body', 'data-generations'));
    await page.locator('#export-now').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}storage-full.png` });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-now')]);
    assert.ok((await download.path()) !== null);
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#clear');
    await page.waitForFunction(() => document.body.dataset.trials === '0');
    // IndexedDB gives cleared space back lazily: the room is made by raising the quota again.
    const now = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: now + 50_000_000 });
    // Resume: the waiting generation is stored first, then evolution goes on.
    await page.click('#pause');
    await page.waitForFunction((g) => Number(document.body.dataset.generations) >= g + 2, generations, { timeout: 120_000 });
    await page.waitForFunction((n) => Number(document.body.dataset.trials) >= n, 2 * PER_GENERATION);
    const after = Number(await page.getAttribute('body', 'data-trials'));
    assert.ok(after >= 2 * PER_GENERATION && after % PER_GENERATION === 0, `${after} trials after resuming`);
    await page.click('#pause');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

// The experiment behaves as Phase A does: a store that fails pauses it with the step's trials
// and checkpoint kept in the worker, stored first when Resume is pressed, and the run goes on.
test('a full quota pauses the experiment, and Resume stores what waited and goes on', async () => {
  const { page, errors, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'gpu', null, { timeout: 60_000 });
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.uncheck('input[name="goal"][value="se"]');
    await page.uncheck('input[name="goal"][value="sw"]');
    await page.fill('#experiment-generations', '40');
    await page.waitForFunction(() => document.body.dataset.settings === 'valid');
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(server.url).origin;
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 400_000 });
    await page.click('#experiment-start');
    await page.waitForFunction(() => document.body.dataset.experimentStorage === 'failed', null, { timeout: 300_000 });
    assert.match(await page.textContent('#experiment-status'), /storage is full, so the experiment is paused/);
    // Its own trials are not the room to make: it reads them back, and Clear is refused meanwhile.
    assert.match(await page.textContent('#experiment-status'), /free other sites' data; this run's own trials stay/);
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#clear');
    await page.waitForFunction(() => /^Nothing was cleared: the experiment is paused/.test(document.getElementById('storage-status').textContent));
    assert.equal(await page.textContent('#experiment-pause'), 'Resume');
    const generations = Number(await page.getAttribute('body', 'data-experiment-generations'));
    const stored = await page.evaluate(async () => (await import('./store.js')).trialBatches({}, 1000, () => {}));
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 200_000_000 });
    await page.click('#experiment-pause');
    await page.waitForFunction((g) => Number(document.body.dataset.experimentGenerations) >= g + 2, generations, { timeout: 300_000 });
    await page.click('#experiment-pause');
    await page.waitForFunction(() => document.body.dataset.experimentPaused === 'true', null, { timeout: 300_000 });
    // Every trial the run made is stored once, the waiting step's too: the store holds as many
    // as the checkpoint saved on pausing counts.
    const made = Number(await page.getAttribute('body', 'data-experiment-generations'));
    const [after, counted] = await page.evaluate(async () => {
      const store = await import('./store.js');
      return [await store.trialBatches({}, 1000, () => {}), (await store.readCheckpoint()).standing.trials];
    });
    assert.ok(after > stored, `${after} trials stored after resuming, ${stored} before`);
    assert.equal(after, counted);
    console.log(`experiment paused by a full quota after ${generations} generations (${stored} trials stored); resumed to ${made} generations, ${after} trials`);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
