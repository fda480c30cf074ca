// The page under faults: the WebGPU device lost mid-experiment (the worker goes on on the CPU
// path from the last checkpoint, and says so); two tabs of the lab in one browser (one runs the experiment; the other
// says so, starts no experiment and no life and offers no resume of the run going on; neither blocks a newer
// version of the storage), and storage the browser has not promised to keep (the page says so).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, startSmallExperiment } from './browser.mjs';

/** Two commands, copies of 16 members, up to 30 generations each. */
const start = (page) => startSmallExperiment(page, 30, 300);

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const CPU = ['--disable-features=WebGPU'];


test('two tabs: one runs the experiment, the other says so and starts neither an experiment nor a life', async () => {
  const { page: a, errors, close } = await openPage(server.url, CPU);
  try {
    await a.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    const b = await a.context().newPage();
    await b.goto(server.url);
    await b.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await start(a);
    // A generation in, the running tab has saved its experiment.
    await a.waitForFunction(() => Number(document.body.dataset.experimentGenerations || 0) >= 1, null, { timeout: 120_000 });
    await b.click('#start-here-run');
    await b.waitForFunction(() => document.body.dataset.otherTab === 'running');
    assert.match(await b.textContent('#experiment-status'), /running in another tab of the lab/);
    assert.equal(await b.getAttribute('body', 'data-experiment'), null, 'the second tab runs nothing');
    // Reloaded, the second tab finds the running tab's saved experiment and does not offer it.
    await b.reload();
    await b.waitForFunction(() => document.body.dataset.otherTab === 'running', null, { timeout: 60_000 });
    assert.equal(await b.isHidden('#resume-offer'), true, 'a run going on in another tab is not offered to resume');
    // Nor does it start a life: one tab runs an experiment or a life at a time.
    await b.waitForFunction(() => document.body.dataset.settings !== 'invalid');
    await b.click('#life-start');
    await b.waitForFunction(() => /running in another tab/.test(document.getElementById('life-status').textContent));
    assert.equal(await b.getAttribute('body', 'data-life'), null, 'the second tab starts no life');
    assert.equal(await a.getAttribute('body', 'data-experiment'), 'running');
    // A newer version of the lab's storage, opened while both tabs are open, is not blocked.
    const upgrade = await b.evaluate(() => new Promise((resolve) => {
      const r = indexedDB.open('onelab', 1000);
      r.onblocked = () => resolve('blocked');
      r.onsuccess = () => { r.result.close(); resolve('opened'); };
      r.onerror = () => resolve(`error ${r.error}`);
    }));
    assert.equal(upgrade, 'opened');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the first stored trial asks the browser to keep the storage, and the page says whether it will', async () => {
  const { page, errors, close } = await openPage(server.url, CPU);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.waitForTimeout(500);
    assert.equal(await page.getAttribute('body', 'data-persisted'), null, 'nothing is asked before a trial is stored');
    await page.fill('#population', '8');
    await page.fill('#generations', '1');
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.persisted !== undefined, null, { timeout: 60_000 });
    const kept = await page.evaluate(() => navigator.storage.persisted());
    assert.equal(await page.getAttribute('body', 'data-persisted'), String(kept));
    if (kept) assert.match(await page.textContent('#storage-persist'), /persistent storage granted/);
    else assert.match(await page.textContent('#storage-persist'), /may clear the stored trials.*Export what you want to keep/s);
    console.log(`persistent storage granted to a fresh headless profile: ${kept}`);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a GPU device lost mid-experiment: the run goes on on the CPU path from its checkpoint', async () => {
  const { page, errors, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'gpu', 'SwiftShader gives the page WebGPU');
    await start(page);
    await page.waitForFunction(() => Number(document.body.dataset.experimentGenerations || 0) >= 2, null, { timeout: 180_000 });
    const before = Number(await page.getAttribute('body', 'data-experiment-generations'));
    // As a driver reset would: the worker's device is destroyed between or during steps.
    await page.workers()[0].evaluate(() => self.dispatchEvent(new MessageEvent('message', { data: { type: 'lose-device' } })));
    await page.waitForFunction(() => document.body.dataset.resumed === 'copy', null, { timeout: 120_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
    assert.match(await page.getAttribute('body', 'data-device-lost'), /destroyed/);
    assert.match(await page.textContent('#experiment-status'), /GPU device was lost .*CPU path now\. Resumed copy 1 \(ne\)/);
    assert.match(await page.textContent('#backend'), /CPU path.*GPU device was lost/);
    // And it goes on: more generations, on the CPU path.
    await page.waitForFunction((n) => Number(document.body.dataset.experimentGenerations || 0) > n + 1, before, { timeout: 120_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'running');
    console.log(`device lost after ${before} generations; page errors: ${JSON.stringify(errors)}`);
    assert.deepEqual(errors.filter((e) => !/device|Device|lost|destroyed/.test(e)), []);
  } finally {
    await close();
  }
});
