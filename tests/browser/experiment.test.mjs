// The experiment of paper 3.8 on the page, reduced (two commands, three generations per copy, 20
// consolidation updates): copies evolve while hearing, their trials are stored, ONE consolidates
// in the worker without a step in the maze, the success table appears, and "talk to ONE" makes
// the consolidated ONE hear a played command and walk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('a reduced experiment runs on the page, fills the table, and ONE walks when talked to', async () => {
  const { page, errors, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'gpu', null, { timeout: 60_000 });
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    // Fewer than two commands are refused with a reason.
    await page.uncheck('input[name="corner"][value="nw"]');
    await page.uncheck('input[name="corner"][value="se"]');
    await page.uncheck('input[name="corner"][value="sw"]');
    await page.click('#experiment-start');
    assert.match(await page.textContent('#experiment-status'), /at least two commands/);
    await page.check('input[name="corner"][value="sw"]');
    await page.fill('#experiment-generations', '3');
    await page.fill('#experiment-updates', '20');
    const started = Date.now();
    await page.click('#experiment-start');
    // The page answers while the worker runs the experiment.
    await page.waitForFunction(() => Number(document.body.dataset.experimentGenerations || 0) >= 1, null, { timeout: 120_000 });
    await page.click('#updates');
    // Pause holds the run; Step runs exactly one generation; Resume goes on.
    await page.click('#experiment-pause');
    await page.waitForFunction(() => document.body.dataset.experimentPaused === 'true');
    await page.waitForTimeout(500);
    const held = Number(await page.getAttribute('body', 'data-experiment-generations'));
    await page.waitForTimeout(3000);
    assert.equal(Number(await page.getAttribute('body', 'data-experiment-generations')), held, 'paused, yet generations ran');
    await page.click('#experiment-step');
    await page.waitForFunction((n) => Number(document.body.dataset.experimentGenerations) === n + 1, held, { timeout: 60_000 });
    assert.equal(await page.isEnabled('#experiment-pause'), true, await page.textContent('#experiment-status'));
    await page.click('#experiment-pause');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 600_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    console.log(`browser experiment (2 commands, 3 generations, 20 updates): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(await page.getAttribute('body', 'data-consolidation-steps'), '0');
    const rows = await page.$$eval('#experiment-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(rows.map((r) => r[0]), ['north east', 'south west']);
    for (const r of rows) for (const cell of r.slice(2, 7)) assert.match(cell, /^\d+(\.\d)?%$/);
    assert.deepEqual(rows.map((r) => r[7]), ['–', '–'], 'no recordings were made');
    assert.match(await page.textContent('#experiment-verdict'), /^(accepted|rejected)/);
    await page.locator('#experiment-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}experiment.png`, fullPage: false });

    // Talk to ONE: play a validation speaker saying "north east", then let ONE hear it.
    await page.selectOption('#command', 'north east');
    const validation = await page.$eval('#speaker optgroup[label="validation speakers"] option', (o) => o.value);
    await page.selectOption('#speaker', validation);
    await page.click('#play');
    await page.waitForFunction(() => /north east/.test(document.getElementById('speech-status').textContent));
    await page.click('#talk');
    await page.waitForFunction(() => document.body.dataset.talking === 'north east');
    const seen = new Set();
    for (let i = 0; i < 40; i++) {
      seen.add(await page.getAttribute('body', 'data-position'));
      await page.waitForTimeout(100);
    }
    assert.ok(seen.size > 1, `ONE stayed in place: ${[...seen]}`);
    assert.match(await page.textContent('#prediction'), /walls N/);
    await page.locator('#maze').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}talk.png` });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('without WebGPU the experiment runs on the CPU reference path', async () => {
  const { page, errors, close } = await openPage(server.url, ['--disable-features=WebGPU']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'cpu', null, { timeout: 60_000 });
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.uncheck('input[name="corner"][value="nw"]');
    await page.uncheck('input[name="corner"][value="se"]');
    await page.fill('#experiment-generations', '1');
    await page.fill('#experiment-updates', '3');
    await page.click('#experiment-start');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    assert.equal(await page.$$eval('#experiment-rows tr', (trs) => trs.length), 2);
    assert.equal(await page.getAttribute('body', 'data-consolidation-steps'), '0');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
