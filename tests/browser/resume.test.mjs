// Resume: an experiment paused a few generations into its first copy and then reloaded is offered
// from its IndexedDB checkpoint, whose trial count is what the store holds, even though "Copy
// link" put a share link in the address bar (the stored run wins; the run's own link is not
// offered as another experiment); resuming goes on at the next generation, plots the generations
// before the reload too, and finishes with every trial stored once. Paused
// in consolidation and reloaded, it goes on at the next update (CPU path, fresh profiles).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, startServer, startSmallExperiment as start, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/** Trials in the page's trace store, each record read: a group of a generation's trials, or one trial. */
const storedTrials = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const request = indexedDB.open('onelab');
  request.onsuccess = () => {
    let trials = 0;
    const cursor = request.result.transaction('traces').objectStore('traces').openCursor();
    cursor.onsuccess = () => {
      if (!cursor.result) {
        request.result.close();
        resolve(trials);
        return;
      }
      trials += cursor.result.value.records?.length ?? 1;
      cursor.result.continue();
    };
    cursor.onerror = () => reject(cursor.error);
  };
  request.onerror = () => reject(request.error);
}));


test('reload mid-experiment after Copy link, resume from the checkpoint, every trial stored once', async () => {
  const { page, errors, close } = await openPage(server.url, ['--disable-features=WebGPU']);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    assert.equal(await page.isHidden('#resume-offer'), true, 'a fresh profile has nothing to resume');
    // Up to 12 generations per copy: the pause lands inside the first copy, however fast
    // generations are stored.
    await start(page, 12, 3);
    await page.click('#copy-link');
    await page.waitForFunction(() => location.hash.startsWith('#x1.'));
    await page.waitForFunction(() => Number(document.body.dataset.experimentGenerations || 0) >= 2, null, { timeout: 120_000 });
    // Clicked at once, not after Playwright's wait for a still button: the progress lines above
    // it change height each generation, and generations of 16 members are quick enough that the
    // wait let the first copy end (a fresh-clone CI paused in the second).
    await page.$eval('#experiment-pause', (button) => button.click());
    await page.waitForFunction(() => document.body.dataset.experimentPaused === 'true');
    const generations = Number(await page.getAttribute('body', 'data-experiment-generations'));

    await page.reload();
    await page.waitForSelector('#resume-offer:not([hidden])', { timeout: 60_000 });
    assert.match(await page.textContent('#resume-text'), /interrupted .*copy 1 of 2 \(ne\) after generation \d+, with \d+ trials stored/);
    // The page was opened with the run's own Copy link: not offered as another experiment.
    assert.match(await page.textContent('#resume-text'), /The link this page was opened with is this experiment's own/);
    assert.equal(await page.isVisible('#resume-link'), false, "the run's own link is not offered beside Resume");
    assert.equal(await page.getAttribute('body', 'data-experiment'), null, 'nothing runs before the user chooses');
    const saved = Number(await page.getAttribute('body', 'data-checkpoint-trials'));
    console.log(`checkpoint of ONE with 32 hidden units, a copy two generations in: ${await page.getAttribute('body', 'data-checkpoint-bytes')} bytes`);
    assert.ok(saved > 0);
    assert.equal(await storedTrials(page), saved, 'the checkpoint counts exactly the trials in the store');
    assert.equal(Number(await page.getAttribute('body', 'data-checkpoint-generation')), generations);
    await page.locator('#experiment-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}resume-offer.png` });

    await page.click('#resume-run');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    assert.equal(await page.getAttribute('body', 'data-first-after-resume'), `0:${generations}`, 'the resumed copy goes on at its next generation');
    const trials = Number(await page.getAttribute('body', 'data-experiment-trials'));
    assert.ok(trials > saved);
    // The copies' curve holds the generations before the reload as well as those after it.
    const [curve] = await Promise.all([page.waitForEvent('download'), page.click('button[aria-label="copies-success as JSON"]')]);
    const points = JSON.parse(readFileSync(await curve.path())).filter((row) => row.ne !== null);
    assert.deepEqual(points.slice(0, generations + 1).map((row) => row.generation), [...Array(generations + 1).keys()].map((g) => g + 1),
      'copy 1 is plotted from its first generation');
    await page.locator('#copies-plot').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}resumed-curve.png` });
    assert.equal(await storedTrials(page), trials, 'every trial of the run is stored, none twice');
    // The storage table counts them, by command, after the resumed run.
    await page.waitForFunction((n) => Number(document.body.dataset.trials) === n, trials);
    const byCommand = JSON.parse(await page.getAttribute('body', 'data-storage-rows'));
    assert.ok(byCommand.ne > 0 && byCommand.sw > 0 && byCommand.nw === 0 && byCommand.se === 0, JSON.stringify(byCommand));
    assert.equal(byCommand.ne + byCommand.sw, trials);
    assert.equal(await page.$$eval('#experiment-rows tr', (trs) => trs.length), 2);

    // Finished: nothing is offered after another reload.
    await page.reload();
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.waitForTimeout(1000);
    assert.equal(await page.isHidden('#resume-offer'), true);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('reload during consolidation, resume at the next update', async () => {
  const { page, errors, close } = await openPage(server.url, ['--disable-features=WebGPU']);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await start(page, 1, 300);
    await page.waitForFunction(() => Number((/consolidation update (\d+)/.exec(document.getElementById('experiment-text').textContent) || [])[1]) >= 10, null, { timeout: 120_000 });
    await page.click('#experiment-pause');
    await page.waitForFunction(() => document.body.dataset.experimentPaused === 'true');
    const done = Number(/consolidation update (\d+)/.exec(await page.textContent('#experiment-text'))[1]);
    const trials = await storedTrials(page);

    await page.reload();
    await page.waitForSelector('#resume-offer:not([hidden])', { timeout: 60_000 });
    assert.match(await page.textContent('#resume-text'), new RegExp(`in ONE's consolidation on ne, sw after update ${done}, with ${trials} trials stored`));
    await page.click('#resume-run');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    assert.equal(await page.getAttribute('body', 'data-first-update-after-resume'), String(done), 'the consolidation goes on at its next update');
    assert.equal(await storedTrials(page), trials, 'consolidation stores no trial');
    assert.equal(await page.getAttribute('body', 'data-consolidation-steps'), '0');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

// A checkpoint saved by a version of the lab before its state machine (no `standing`) is not
// offered: the page says it cannot be resumed, forgets it, and keeps the stored trials.
test('a checkpoint of an older version is refused by name, its trials kept', async () => {
  const { page, errors, close } = await openPage(server.url, []);
  try {
    await page.waitForFunction(() => document.body.dataset.backend, null, { timeout: 60_000 });
    await page.evaluate(async () => {
      const { addGeneration } = await import('./store.js');
      const trial = { task: 'ne|sw', phase: 'Evolution', success: 0, record: new Uint8Array([1, 2, 3]) };
      await addGeneration([trial], [], { phase: 'copy', k: 0, tasks: ['ne', 'sw'], trials: 1, generation: 2, bytes: new Uint8Array(8), saved: Date.now() });
    });
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.experiment === 'error', null, { timeout: 60_000 });
    assert.match(await page.textContent('#experiment-status'), /saved by an older version of the lab cannot be resumed; its trials are kept/);
    assert.equal(await page.isHidden('#resume-offer'), true);
    assert.equal(await storedTrials(page), 1);
    assert.equal(await page.evaluate(async () => (await import('./store.js')).readCheckpoint()), undefined);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
