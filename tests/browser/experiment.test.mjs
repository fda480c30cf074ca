// The experiment of paper 3.8 on the page, reduced (two commands, north east and the tree, three
// generations per copy, 20 consolidation updates): copies evolve while hearing, their trials are
// stored, ONE consolidates in the worker without a step in the maze, the success table appears,
// and "talk to ONE" makes the consolidated ONE hear a played command and walk. Screenshots of each phase go to
// test-output/: phase-copy.png, phase-consolidation.png, experiment.png (judged), talk.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { openPage, startServer, SHOTS } from './browser.mjs';
import { corpusUtterance, fakeMic, record, wav } from './audio.mjs';

/** ONE, talked to, acts: five steps or more within four seconds. Where it goes is its policy's:
 * a ONE of a few updates may push against one wall all along (CI drew such a seed once), so
 * its cell need not change. */
async function walks(page) {
  const steps = async () => Number(await page.getAttribute('body', 'data-steps') ?? 0);
  const first = await steps();
  await page.waitForTimeout(4000);
  const taken = await steps() - first;
  assert.ok(taken >= 5, `ONE took ${taken} steps in 4 s, at ${await page.getAttribute('body', 'data-position')}`);
}

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
    // Fewer than two commands are refused with a reason as soon as they are picked.
    await page.uncheck('input[name="goal"][value="nw"]');
    await page.uncheck('input[name="goal"][value="se"]');
    await page.uncheck('input[name="goal"][value="sw"]');
    await page.waitForFunction(() => /at least two commands/.test(document.getElementById('experiment-status').textContent));
    assert.equal(await page.isDisabled('#experiment-start'), true, 'Run waits for settings that can run');
    // A corner and a landmark: the tree's copy has the north-east corner as its exit.
    await page.check('input[name="goal"][value="tree"]');
    await page.fill('#experiment-generations', '3');
    await page.fill('#experiment-updates', '20');
    // Copies of 32 members: SwiftShader, a CPU, plays each generation's episodes.
    await page.$eval('#experiment-form .all-settings', (details) => { details.open = true; });
    await page.fill('#setting-copy-strategy-population', '32');
    // Each training utterance heard in one version, not the default's twelve: a copy demonstrates
    // its skill from every start cell to every version, and on SwiftShader those demonstrations
    // were 5 of this test's 7 minutes, the same kernel over twelve times the episodes.
    await page.fill('#setting-copy-augment-copies', '1');
    await page.waitForFunction(() => document.body.dataset.settings === 'valid');
    const started = Date.now();
    await page.click('#experiment-start');
    // The page answers while the worker runs the experiment.
    await page.waitForFunction(() => Number(document.body.dataset.experimentGenerations || 0) >= 1, null, { timeout: 120_000 });
    await page.click('#updates');
    await page.locator('#experiment-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}phase-copy.png` });
    // Pause holds the run once the step in flight ends (a generation on SwiftShader, on a busy
    // machine, can take a minute); Step runs exactly one step; Resume goes on.
    const pausing = Date.now();
    await page.click('#experiment-pause');
    await page.waitForFunction(() => document.body.dataset.experimentPaused === 'true' || document.body.dataset.experiment !== 'running', null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment-paused'), 'true', `not paused: ${await page.textContent('#experiment-status')} ${await page.textContent('#experiment-text')}`);
    console.log(`paused ${((Date.now() - pausing) / 1000).toFixed(1)} s after Pause, ${((pausing - started) / 1000).toFixed(1)} s into the run`);
    // The store a paused experiment reads back cannot be cleared (or added to) under it.
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#clear');
    await page.waitForFunction(() => /^Nothing was cleared: the experiment is paused and keeps its trials in this store; clear or import once it has finished/.test(document.getElementById('storage-status').textContent));
    // Generations and consolidation updates so far.
    const moved = async () => Number(await page.getAttribute('body', 'data-experiment-generations')) +
      Number(await page.getAttribute('body', 'data-experiment-updates') ?? 0);
    await page.waitForTimeout(500);
    const before = await moved();
    await page.waitForTimeout(3000);
    assert.equal(await moved(), before, 'paused, yet the run went on');
    // Step: one step of whatever phase the pause fell in (a generation, an update, a copy's
    // demonstration, a judgement), then paused again.
    await page.click('#experiment-step');
    await page.waitForFunction(() => document.body.dataset.experimentSteps === '1', null, { timeout: 300_000 });
    assert.ok(await moved() - before <= 1, 'Step ran more than one generation or update');
    await page.waitForTimeout(2000);
    assert.ok(await moved() - before <= 1, 'paused again after Step, yet the run went on');
    assert.equal(await page.isEnabled('#experiment-pause'), true, await page.textContent('#experiment-status'));
    await page.click('#experiment-pause');
    await page.waitForFunction(() => /consolidation update/.test(document.getElementById('experiment-text').textContent), null, { timeout: 600_000 });
    await page.locator('.plots').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}phase-consolidation.png` });
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 600_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    const summary = await page.textContent('#experiment-text');
    console.log(`browser experiment (2 commands, 3 generations, 20 updates): ${((Date.now() - started) / 1000).toFixed(1)} s; ${summary}`);
    assert.equal(await page.getAttribute('body', 'data-consolidation-steps'), '0');
    // The wall time, split: IndexedDB's part of evolving (storing) and of consolidating (reading).
    assert.match(summary,
      /done in \d+:\d\d \(\d+:\d\d evolving, \d+:\d\d of it storing the trials; \d+:\d\d consolidating and judging, \d+:\d\d of it reading them back\)/);
    const rows = await page.$$eval('#experiment-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(rows.map((r) => r[0]), ['north east', 'tree']);
    for (const r of rows) for (const cell of r.slice(2, 8)) assert.match(cell, /^\d+(\.\d)?%$/);
    assert.deepEqual(rows.map((r) => r[8]), ['–', '–'], 'no recordings were made');
    assert.match(await page.textContent('#experiment-verdict'), /^(accepted|rejected)/);
    await page.locator('#experiment-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}experiment.png`, fullPage: false });

    // Talk to ONE: play a validation speaker saying "north east", then let ONE hear it.
    await page.selectOption('#command', 'north east');
    const validation = await page.$eval('#speaker optgroup[label^="validation speakers"] option', (o) => o.value);
    await page.selectOption('#speaker', validation);
    await page.click('#play');
    await page.waitForFunction(() => /north east/.test(document.getElementById('speech-status').textContent));
    await page.click('#talk');
    await page.waitForFunction(() => document.body.dataset.talking === 'north east');
    await walks(page);
    assert.match(await page.textContent('#prediction'), /^(a wall to the [a-z ]+|no wall around it); to be at column \d+, row \d+; (to reach the goal|no goal yet)$/);
    await page.locator('#maze').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}talk.png` });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('without WebGPU, one command at a time: settings checked as typed, timeline, retention, weights, talk by microphone', async () => {
  const voice = `${SHOTS}experiment-mic.wav`;
  writeFileSync(voice, wav(corpusUtterance('en-us+m4', 'north east'), 0.4));
  const { page, errors, close } = await openPage(server.url, ['--disable-features=WebGPU', ...fakeMic(voice)]);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'cpu', null, { timeout: 60_000 });
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    // Every setting is a field, checked while it is typed, by name; Run waits for a valid form.
    await page.click('.all-settings summary');
    await page.fill('#setting-copy-strategy-population', '2.5');
    await page.waitForFunction(() => document.body.dataset.settings === 'invalid');
    assert.match(await page.textContent("#experiment-status"), /population: 2\.5 is not a whole number/);
    await page.fill('#setting-copy-strategy-population', '-3');
    await page.waitForFunction(() => /population: -3 is negative, and this setting is a count/.test(document.getElementById('experiment-status').textContent));
    assert.equal(await page.isDisabled('#experiment-start'), true);
    assert.equal(await page.getAttribute('#setting-copy-strategy-population', 'aria-invalid'), 'true');
    await page.fill('#setting-copy-strategy-population', '32');
    await page.fill('#setting-accept', '1.5');
    await page.waitForFunction(() => /acceptance threshold is a success share/.test(document.getElementById('experiment-status').textContent));
    await page.fill('#setting-accept', '0.9');
    // A landmark needs a maze of 3x3 cells or more.
    await page.check('input[name="goal"][value="bird"]');
    await page.fill('#setting-copy-maze_size', '2');
    await page.waitForFunction(() => /the 2x2 maze is too small for the bird/.test(document.getElementById('experiment-status').textContent));
    assert.equal(await page.isDisabled('#experiment-start'), true);
    await page.fill('#setting-copy-maze_size', '5');
    await page.uncheck('input[name="goal"][value="bird"]');
    await page.waitForFunction(() => document.body.dataset.settings === 'valid');
    assert.equal(await page.isEnabled('#experiment-start'), true);

    await page.uncheck('input[name="goal"][value="nw"]');
    await page.uncheck('input[name="goal"][value="se"]');
    await page.fill('#experiment-generations', '2');
    await page.fill('#experiment-updates', '5');
    await page.check('#experiment-each');
    // A typed seed stays for the next run (which is run again below).
    await page.fill('#setting-copy-seed', '11');
    await page.fill('#setting-consolidation-seed', '11');
    await page.waitForFunction(() => document.body.dataset.settings === 'valid');
    // The progress bar only advances, from its first value to 100 at the end.
    await page.evaluate(() => {
      window.progressSeen = [];
      new MutationObserver(() => window.progressSeen.push(Number(document.getElementById('experiment-bar').getAttribute('aria-valuenow'))))
        .observe(document.getElementById('experiment-bar'), { attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    await page.click('#experiment-start');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    const bar = await page.evaluate(() => window.progressSeen);
    assert.ok(new Set(bar).size >= 4, `the bar moved through only ${[...new Set(bar)]}`);
    assert.ok(bar.every((v, i) => i === 0 || v >= bar[i - 1]), `the bar went back: ${bar}`);
    assert.equal(bar[bar.length - 1], 100);
    assert.equal(await page.$$eval('#experiment-rows tr', (trs) => trs.length), 2);
    assert.equal(await page.getAttribute('body', 'data-consolidation-steps'), '0');
    // A consolidation after each copy: two rows of the retention matrix, each with a success
    // for both commands; the timeline shows copy, consolidation, judgement, twice.
    const retention = await page.$$eval('#retention-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(retention.map((r) => r[0]), ['ne', 'ne, sw']);
    for (const r of retention) {
      for (const cell of r.slice(1, 3)) assert.match(cell, /^\d+(\.\d)?%$/);
      assert.match(r[3], /^(accepted|rejected)$/);
    }
    const life = await page.$$eval('#experiment-timeline > *', (els) => els.map((e) => e.className));
    assert.deepEqual(life.map((c) => c.split(' ')[0]), ['phase', 'phase', 'mark', 'phase', 'phase', 'mark']);
    assert.deepEqual(life.filter((c) => c.startsWith('phase')), ['phase copy', 'phase consolidate', 'phase copy', 'phase consolidate']);
    // The weight-spread heatmap is drawn from both copies' statistics.
    assert.equal(await page.getAttribute('body', 'data-weights'), '2');
    const drawn = await page.$eval('#weights', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4 * 7) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      return colours.size;
    });
    assert.ok(drawn > 20, `the heatmap has only ${drawn} colours`);
    await page.locator('.matrices').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}retention.png` });

    // Results as data: the table, the retention matrix and the curves as JSON and CSV, the
    // plots as PNG, with the numbers the page shows (rounded there).
    const saved = async (name, kind) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(`button[aria-label="${name} as ${kind}"]`)]);
      assert.equal(d.suggestedFilename(), `${name}.${kind.toLowerCase()}`);
      return readFileSync(await d.path());
    };
    const pct = (v) => `${(100 * v).toFixed(1)}%`;
    const results = JSON.parse(await saved('experiment-results', 'JSON'));
    const table = await page.$$eval('#experiment-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(results.map((r) => [r.command, pct(r.copy), pct(r.one), pct(r.one_cross)]), table.map((r) => [r[0], r[2], r[4], r[7]]));
    const csv = (await saved('experiment-results', 'CSV')).toString().trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(csv[0].slice(0, 6), ['command', 'task', 'copy_generations', 'copy', 'copy_shuffled', 'one']);
    assert.deepEqual(csv.slice(1).map((r) => Number(r[5])), results.map((r) => r.one));
    const matrix = JSON.parse(await saved('retention-matrix', 'JSON'));
    assert.deepEqual(matrix.map((r) => [r.learned, pct(r.ne), pct(r.sw), r.accepted ? 'accepted' : 'rejected']),
      retention.map((r) => [r[0].replace(', ', ' '), r[1], r[2], r[3]]));
    assert.equal((await saved('retention-matrix', 'CSV')).toString().split('\n')[0], 'learned,ne,sw,accepted');
    const curve = (await saved('copies-success', 'CSV')).toString().trim().split('\n');
    assert.equal(curve[0], 'generation,ne,sw');
    assert.ok(curve.length >= 3, `${curve.length - 1} generations in the copies' curve`);
    const losses = JSON.parse(await saved('experiment-losses', 'JSON'));
    assert.equal(losses.length, 5, 'the last consolidation\'s 5 updates');
    assert.ok(losses.every((l) => l.update > 0 && Number.isFinite(l['imitation (cross-entropy)']) && Number.isFinite(l['prediction (MSE)'])));
    const png = await saved('experiment-losses', 'PNG');
    assert.equal(png.subarray(1, 4).toString(), 'PNG');

    // The ONE trained here is the "Talk to ONE" box's now; downloaded, the CLI judges it (same
    // CPU path, same bits) to the numbers the page shows.
    await page.waitForFunction(() => document.body.dataset.one === 'experiment');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-one')]);
    const [file, json] = [`${SHOTS}page-one.onelab`, `${SHOTS}page-one.json`];
    await download.saveAs(file);
    execFileSync(new URL('../../target/debug/onelab', import.meta.url).pathname, ['run', '--one', file, '--cpu', '--json', json], { stdio: 'ignore' });
    const judged = JSON.parse(readFileSync(json, 'utf8')).judgement.rows;
    const shown = JSON.parse(await page.getAttribute('body', 'data-one-rows'));
    assert.deepEqual(judged.map((r) => [r.command, r.one, r.one_cross].map((v) => (typeof v === 'number' ? v.toFixed(6) : v))),
      shown.map((r) => r.map((v) => (typeof v === 'number' ? v.toFixed(6) : v))));

    // The same experiment again in this browser, whose store now holds the first run's trials
    // too: it consolidates on its own trials alone (the same pools), as `onelab run` does with
    // a fresh store, and so gives the same table, bit for bit on the CPU path.
    const pools = await page.getAttribute('body', 'data-pools');
    assert.match(pools, /^\d+\/\d+ \d+\/\d+ $/);
    await page.click('#experiment-start');
    await page.waitForFunction(() => document.body.dataset.experiment === 'running');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 300_000 });
    assert.equal(await page.getAttribute('body', 'data-experiment'), 'done', await page.textContent('#experiment-status'));
    assert.equal(await page.getAttribute('body', 'data-pools'), pools, 'the second run read the first run\'s trials');
    assert.deepEqual(await page.$$eval('#experiment-rows tr', (trs) => trs.map((tr) => tr.textContent)), table.map((r) => r.join('')));

    // Talk to ONE with the (fake) microphone: record "north east", ONE hears it and walks.
    await record(page);
    await page.waitForFunction(() => document.body.dataset.recordings === '1', null, { timeout: 30_000 });
    await page.click('#talk');
    await page.waitForFunction(() => document.body.dataset.talking === 'north east');
    await walks(page);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
