// ONE's life on the page (PowerPlay, paper 3.14), tiny, on the CPU path: two commands of the
// experiment form, copies of 16 members, budgets of 1 and 2 generations, each copy growing 2
// units (paper 3.1). Each candidate appears in the table as it is decided, in cost order, with
// ONE's size after it (larger only after an acceptance); Pause holds the life and Step runs one step;
// the retention matrix starts with the fresh ONE; the life ends and says why. A life paused and
// reloaded is offered from its IndexedDB checkpoint and goes on to its end, the candidates
// before the reload kept; that life's task space holds a command in a 3x3 maze of its own. Screenshots: test-output/life.png, life-offer.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/** The tiny life's settings in the experiment form. */
async function tinySettings(page) {
  await page.uncheck('input[name="goal"][value="se"]');
  await page.uncheck('input[name="goal"][value="sw"]');
  await page.fill('#experiment-updates', '20');
  await page.click('.all-settings summary');
  await page.fill('#setting-copy_target', '0.2');
  await page.fill('#setting-copy-strategy-population', '16');
  await page.waitForFunction(() => document.body.dataset.settings === 'valid');
}

/** Budgets from 1 to `last` generations, copies growing `grow` units, then Start. */
async function startLife(page, last, grow = 0) {
  await page.fill('#life-first', '1');
  await page.fill('#life-last', String(last));
  await page.fill('#life-grow', String(grow));
  await page.click('#life-start');
}

const candidates = (page) => page.$$eval('#life-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));

test("ONE's life tries candidates cheapest first and shows each, with the retention matrix", async () => {
  const { page, errors, close } = await openPage(server.url, []);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.waitForFunction(() => document.body.dataset.rates, null, { timeout: 120_000 });
    await tinySettings(page);
    // A low bar and seeds whose tiny life accepts, so that ONE grows.
    await page.fill('#setting-accept', '0.2');
    await page.fill('#setting-copy-seed', '1');
    await page.fill('#setting-consolidation-seed', '1');
    await page.waitForFunction(() => document.body.dataset.settings === 'valid');
    // Budgets are checked before anything runs.
    await page.fill('#life-first', '0');
    await page.click('#life-start');
    assert.match(await page.textContent('#life-status'), /whole numbers of generations/);
    await startLife(page, 4, 2);
    await page.waitForFunction(() => Number(document.body.dataset.lifeTried || 0) >= 1, null, { timeout: 300_000 });
    // Pause holds the life after the step in flight; Step runs one step.
    await page.click('#life-pause');
    await page.waitForFunction(() => document.body.dataset.lifePaused === 'true' || document.body.dataset.life !== 'running', null, { timeout: 300_000 });
    if (await page.getAttribute('body', 'data-life-paused') === 'true') {
      const tried = await page.getAttribute('body', 'data-life-tried');
      await page.waitForTimeout(2000);
      assert.equal(await page.getAttribute('body', 'data-life-tried'), tried, 'paused, yet candidates were decided');
      await page.click('#life-step');
      await page.waitForFunction(() => document.body.dataset.lifeSteps === '1', null, { timeout: 300_000 });
      await page.click('#life-pause');
    }
    await page.waitForFunction(() => ['over', 'error'].includes(document.body.dataset.life), null, { timeout: 600_000 });
    assert.equal(await page.getAttribute('body', 'data-life'), 'over', await page.textContent('#life-status'));
    assert.match(await page.textContent('#life-status'), /The life is over \(\d+ s\): /);
    const rows = await candidates(page);
    assert.ok(rows.length >= 2, `candidates: ${JSON.stringify(rows)}`);
    // Cost order: budgets never fall except after an acceptance, which starts again at 1.
    for (let i = 1; i < rows.length; i++) {
      const restarted = rows[i - 1][8] === 'accepted';
      assert.ok(restarted ? rows[i][2] === '1' : Number(rows[i][2]) >= Number(rows[i - 1][2]), `row ${i + 1}: ${rows[i]}`);
      assert.ok(['ne', 'nw'].includes(rows[i][1]), rows[i][1]);
    }
    for (const r of rows) assert.ok(r[8] === 'accepted' || r[8].startsWith('rejected: '), r[8]);
    // ONE's size: it grows by an accepted copy's units, and only then.
    assert.ok(rows.some((r) => r[8] === 'accepted'), `the tiny life accepts a candidate: ${JSON.stringify(rows)}`);
    const size = (r) => Number(r[6].replaceAll(',', ''));
    for (let i = 1; i < rows.length; i++) {
      if (rows[i][8] === 'accepted') assert.ok(size(rows[i]) > size(rows[i - 1]), `row ${i + 1} grows ONE: ${rows[i]}`);
      else assert.equal(size(rows[i]), size(rows[i - 1]), `row ${i + 1} leaves ONE's size: ${rows[i]}`);
    }
    assert.match(await page.textContent('#life-metrics'), /ONE has [\d,]+ parameters \(\d+ hidden units; each copy grows 2\)\. [\d.]+ [kM] environment steps, [\d.]+ [kM] per accepted task\./);
    for (const r of rows) assert.match(r[7], /^(\d+\.\d M|\d+ k)$/, 'each candidate\'s environment steps');
    const retention = await page.$$eval('#life-retention-rows tr', (trs) => trs.map((tr) => tr.children[0].textContent));
    assert.equal(retention[0], '(fresh ONE)');
    assert.deepEqual(await page.$$eval('#life-retention-head td', (tds) => tds.map((td) => td.textContent)), ['after', 'ne', 'nw']);
    console.log(`life: ${rows.length} candidates, ${await page.textContent('#life-metrics')}; paused and stepped: ${await page.getAttribute('body', 'data-life-steps')}`);
    await page.locator('section.life').screenshot({ path: `${SHOTS}life.png` });
    assert.deepEqual(errors, []);

    // Copy link: the same life, with its settings and seed, in another browser (a fresh profile).
    await page.click('#life-copy-link');
    await page.waitForFunction(() => location.hash.startsWith('#l1.'));
    const hash = await page.evaluate(() => location.hash);
    const other = await openPage(server.url + hash, []);
    try {
      await other.page.waitForSelector('#life-link-offer:not([hidden])', { timeout: 120_000 });
      assert.match(await other.page.textContent('#life-link-text'), /task space is ne, nw, with budgets from 1 to 4 generations, each copy growing 2 units/);
      assert.equal(await other.page.inputValue('#life-grow'), '2');
      assert.equal(await other.page.inputValue('#life-last'), '4');
      assert.equal(await other.page.isHidden('#link-offer'), true, 'a life link is not offered as an experiment');
      await other.page.click('#life-link-run');
      await other.page.waitForFunction(() => ['over', 'error'].includes(document.body.dataset.life), null, { timeout: 600_000 });
      assert.deepEqual(await candidates(other.page), rows, 'the link reproduces the life, candidate by candidate');
      assert.deepEqual(other.errors, []);
    } finally {
      await other.close();
    }
  } finally {
    await close();
  }
});

test('a life paused and reloaded is offered from its checkpoint and goes on to its end', async () => {
  const { page, errors, close } = await openPage(server.url, []);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.waitForFunction(() => document.body.dataset.rates, null, { timeout: 120_000 });
    await tinySettings(page);
    // A task space beyond the form's boxes: north east in a 3x3 maze of its own, north west in
    // the experiment's maze. Every maze the page draws is noted.
    await page.fill('#life-space', 'ne/3x3, nw');
    await page.evaluate(() => {
      window.mazeSizes = new Set();
      new MutationObserver(() => window.mazeSizes.add(document.body.dataset.mazeSize))
        .observe(document.body, { attributes: true, attributeFilter: ['data-maze-size'] });
    });
    await startLife(page, 8);
    await page.waitForFunction(() => Number(document.body.dataset.lifeTried || 0) >= 2, null, { timeout: 300_000 });
    // The copies evolve in their tasks' mazes (a path is replayed after its generation).
    await page.waitForFunction(() => window.mazeSizes.has('3x3') && window.mazeSizes.has('5x5'), null, { timeout: 60_000 });
    assert.deepEqual((await candidates(page)).map((r) => r[1]).slice(0, 2), ['ne/3x3', 'nw'], 'candidates in the space\'s order');
    await page.click('#life-pause');
    await page.waitForFunction(() => document.body.dataset.lifePaused === 'true' || document.body.dataset.life !== 'running', null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-life'), 'running', 'the life ended before it could be paused');
    const before = await candidates(page);

    await page.reload();
    await page.waitForSelector('#life-offer:not([hidden])', { timeout: 60_000 });
    assert.match(await page.textContent('#life-offer-text'), new RegExp(`A life on ne/3x3, nw was interrupted .* after ${before.length} candidates \\(\\d+ accepted\\) and \\d+ stored trials`));
    assert.equal(await page.isHidden('#resume-offer'), true, 'the experiment panel offers nothing');
    await page.locator('section.life').screenshot({ path: `${SHOTS}life-offer.png` });
    await page.click('#life-resume');
    await page.waitForFunction(() => document.querySelector('#life-space').value === 'ne/3x3, nw');
    await page.waitForFunction(() => ['over', 'error'].includes(document.body.dataset.life), null, { timeout: 600_000 });
    assert.equal(await page.getAttribute('body', 'data-life'), 'over', await page.textContent('#life-status'));
    const after = await candidates(page);
    assert.ok(after.length > before.length, `${before.length} candidates before the reload, ${after.length} at the end`);
    assert.deepEqual(after.slice(0, before.length), before, 'the candidates before the reload are kept as they were');
    console.log(`life resumed after ${before.length} candidates, over after ${after.length}`);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
