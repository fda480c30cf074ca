// Share links: "Copy link" puts the experiment's settings in the URL; opening that link on
// another profile shows the same settings and asks before it runs anything (with the settings
// and an estimated time); run, it is the same experiment, whose first generation has exactly
// the same fitness; malformed, truncated, newer-version and refused links are named and the
// defaults shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPage, startServer } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const FLAGS = ['--enable-unsafe-webgpu'];
const settings = (page) => page.evaluate(() => ({
  tasks: [...document.querySelectorAll('input[name="goal"]:checked')].map((c) => c.value),
  generations: document.getElementById('experiment-generations').value,
  updates: document.getElementById('experiment-updates').value,
}));

test('a copied link reproduces the settings and the first generation exactly', async () => {
  const a = await openPage(server.url, FLAGS);
  let link;
  let first;
  let seed;
  try {
    await a.page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    // A new experiment on the page draws a fresh seed (the lab's default is 1); the link carries it.
    seed = await a.page.inputValue('#setting-copy-seed');
    assert.notEqual(seed, '1');
    assert.equal(await a.page.inputValue('#setting-consolidation-seed'), seed);
    await a.page.uncheck('input[name="goal"][value="nw"]');
    await a.page.uncheck('input[name="goal"][value="se"]');
    await a.page.fill('#experiment-generations', '2');
    await a.page.fill('#experiment-updates', '5');
    await a.page.click('#copy-link');
    await a.page.waitForSelector('#share-link:not([hidden])');
    link = await a.page.inputValue('#share-link');
    assert.match(link, /#x1\.[A-Za-z0-9_-]+$/);
    await a.page.click('#experiment-start');
    await a.page.waitForFunction(() => document.body.dataset.firstFitness, null, { timeout: 120_000 });
    first = await a.page.getAttribute('body', 'data-first-fitness');
    assert.deepEqual(a.errors, []);
  } finally {
    await a.close();
  }
  const b = await openPage(link, FLAGS);
  try {
    await b.page.waitForFunction(() => document.body.dataset.link === 'offered', null, { timeout: 60_000 });
    assert.deepEqual(await settings(b.page), { tasks: ['ne', 'sw'], generations: '2', updates: '5' });
    assert.equal(await b.page.inputValue('#setting-copy-seed'), seed, 'the link keeps its seed');
    assert.match(await b.page.textContent('#link-text'), /^Run this shared experiment\? 2 commands \(ne, sw\), up to 2 generations per copy, 5 consolidation updates.* It takes about \d+ (s|min)/);
    await b.page.waitForTimeout(1000);
    assert.equal(await b.page.getAttribute('body', 'data-experiment'), null, 'a link runs nothing before it is asked to');
    await b.page.click('#link-run');
    await b.page.waitForFunction(() => document.body.dataset.firstFitness, null, { timeout: 120_000 });
    assert.equal(await b.page.getAttribute('body', 'data-first-fitness'), first, 'the same experiment, the same first generation');
    // Figures (issue 7): opening the link to the first drawn generation, and the page's frame
    // rate and the maze's redraws per second while the copies train in the worker.
    const opened = Number(await b.page.getAttribute('body', 'data-first-generation-ms'));
    const { fps, draws } = await b.page.evaluate(() => new Promise((resolve) => {
      let frames = 0;
      const draws0 = Number(document.body.dataset.mazeDraws);
      const t0 = performance.now();
      const tick = () => {
        frames += 1;
        if (performance.now() - t0 < 5000) return requestAnimationFrame(tick);
        const s = (performance.now() - t0) / 1000;
        resolve({ fps: frames / s, draws: (Number(document.body.dataset.mazeDraws) - draws0) / s });
      };
      requestAnimationFrame(tick);
    }));
    console.log(`link opened to first generation: ${(opened / 1000).toFixed(1)} s; while training: ${fps.toFixed(1)} animation frames/s, maze drawn ${draws.toFixed(1)} times/s`);
    assert.ok(fps > 1, `the page stalls while the worker trains: ${fps} frames/s`);
    console.log(`link of ${link.length - server.url.length} characters; first generation (best, mean) ${first} on both pages`);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('bad links are named and the defaults are shown', async () => {
  const payload = (text) => deflateRawSync(Buffer.from(text)).toString('base64url');
  const good = payload(JSON.stringify({ tasks: ['ne', 'sw'] }));
  // The default settings, as the page's wasm gives them, with one command too few.
  const probe = await openPage(server.url, FLAGS);
  const defaults = await probe.page.evaluate(async () => {
    const wasm = await import('./pkg/onelab.js');
    await wasm.default();
    return wasm.defaultExperimentConfig();
  });
  await probe.close();
  const oneCommand = payload(JSON.stringify({ ...defaults, tasks: ['ne'] }));
  const cases = [
    ['#hello', /not an experiment link/],
    ['#x1.@@@', /damaged or cut short/],
    [`#x1.${payload('{"tasks": ["ne", "sw"], "generations": 3, "copy": {"maze_size": 5')}`.slice(0, 30), /damaged or cut short/],
    [`#x7.${good}`, /newer version of the lab \(link version 7/],
    [`#x1.${payload('{"tasks": ["ne", "sw"')}`, /damaged or cut short/],
    [`#x1.${good}`, /settings were refused: the setting \w+ is missing/],
    [`#x1.${oneCommand}`, /settings were refused: .*at least two commands/],
    [`#x1.${payload(JSON.stringify({ ...defaults, tasks: ['ne', 'cat'] }))}`, /settings were refused: unknown goal "cat": expected one of ne, nw, se, sw, center, tree, house, bird, dog/],
    [`#x1.${payload(JSON.stringify({ ...defaults, tasks: ['dog', 'ne', 'dog'] }))}`, /settings were refused: task dog is listed twice/],
    [`#x1.${payload(JSON.stringify({ ...defaults, tasks: ['ne@near', 'ne'] }))}`, /settings were refused: task ne@near has a start region, a maze, moves or listening steps of its own, which the experiment form cannot show/],
    [`#x1.${payload(JSON.stringify({ ...defaults, tasks: ['ne', 'sw/5x4'] }))}`, /settings were refused: task "sw\/5x4": the lab's mazes are square, not 5x4/],
  ];
  for (const [hash, want] of cases) {
    const { page, close } = await openPage(server.url + hash, FLAGS);
    try {
      await page.waitForFunction(() => document.body.dataset.link === 'refused', null, { timeout: 60_000 });
      assert.match(await page.textContent('#experiment-status'), want, hash);
      assert.match(await page.textContent('#experiment-status'), /default settings are shown/);
      assert.deepEqual(await settings(page), { tasks: ['ne', 'nw', 'se', 'sw'], generations: '150', updates: '4000' }, hash);
    } finally {
      await close();
    }
  }
});

// Without WebGPU the page's copies play their members on every core (helper workers, as many
// as the machine has cores but one): the same fitness, bit for bit, however they are split.
// Its consolidation batch of 128 is two chunks, on two or more cores computed by the worker and
// a helper: the losses are the native run's (to the last bits, where native products fuse
// multiply and add), which they would not be with a chunk lost or a helper's gradient wrong.
test('the settings as JSON run headless (onelab run --config) to the page\'s first and last generations and losses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onelab-config-'));
  const { page, errors, close } = await openPage(server.url, ['--disable-features=WebGPU']);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    await page.uncheck('input[name="goal"][value="nw"]');
    await page.uncheck('input[name="goal"][value="se"]');
    await page.fill('#experiment-generations', '3');
    await page.fill('#experiment-updates', '2');
    await page.click('.all-settings summary');
    await page.fill('#setting-copy-strategy-population', '8');
    await page.fill('#setting-copy-hidden', '8');
    await page.waitForFunction(() => document.body.dataset.settings === 'valid');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#settings-json')]);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    await page.click('#experiment-start');
    await page.waitForFunction(() => document.body.dataset.firstFitness, null, { timeout: 120_000 });
    const [best, mean] = (await page.getAttribute('body', 'data-first-fitness')).split(' ').map(Number);
    const cores = Math.min(8, await page.evaluate(() => navigator.hardwareConcurrency));
    if (cores > 1) assert.match(await page.textContent('#backend'), new RegExp(`episodes and its training spread over ${cores} cores:`));
    await page.waitForFunction(() => document.body.dataset.experiment === 'done', null, { timeout: 120_000 });
    const [k, g, lastBest, lastMean] = (await page.getAttribute('body', 'data-last-fitness')).split(' ').map(Number);
    const native = new URL('../../target/debug/onelab', import.meta.url).pathname;
    const json = join(dir, 'results.json');
    try {
      execFileSync(native, ['run', '--config', file, '--cpu', '--no-baseline', '--json', json], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`onelab run --config failed (${e.status ?? e.signal}): ${e.stderr}`);
    }
    const { copies, report } = JSON.parse(readFileSync(json, 'utf8'));
    const [first, last] = [copies[0].generations[0], copies[k].generations[g]];
    assert.deepEqual([first.best, first.mean].map(Math.fround), [best, mean].map(Math.fround), 'the same first generation, bit for bit');
    assert.ok(k === 1 && g >= 1, `the last generation is a later one of the second copy (copy ${k}, generation ${g})`);
    assert.deepEqual([last.best, last.mean].map(Math.fround), [lastBest, lastMean].map(Math.fround), 'the same last generation, bit for bit');
    const [update, imitation, prediction] = (await page.getAttribute('body', 'data-last-loss')).split(' ').map(Number);
    const want = report.losses.at(-1);
    assert.equal(update, want.update);
    for (const [got, expected] of [[imitation, want.imitation], [prediction, want.prediction]]) {
      assert.ok(Math.abs(got - expected) <= 1e-5 * Math.abs(expected), `the page's loss ${got} against the native run's ${expected} at update ${update}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});
