// Measures the lab's default experiment (paper 3.8) in headless Chromium: opens the page, prints
// the duration the page estimates, runs the experiment with the page's defaults, and prints its
// progress (with the page's ETA) once a minute and its table and wall time at the end. Not a test
// (it takes long on a software adapter); a figure for BENCHMARKS.md. Usage:
// node scripts/browser-experiment.mjs [--cpu] [--start-here] [--each] (after `make web`); --cpu
// turns WebGPU off, so the page runs the CPU reference path in wasm; --start-here presses
// "Start here" instead; --each ticks "one command at a time"; --commands ne,sw ticks only those;
// --seed N runs seed N (default 1, the lab's figures' seed).
import { openPage, startServer } from '../tests/browser/browser.mjs';

const server = await startServer();
const flags = process.argv.includes('--cpu') ? ['--disable-features=WebGPU'] : ['--enable-unsafe-webgpu'];
const { page, errors, close } = await openPage(server.url, flags);
try {
  await page.waitForFunction(() => document.body.dataset.backend, null, { timeout: 60_000 });
  await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
  console.log(`backend: ${await page.textContent('#backend')}`);
  await page.waitForFunction(() => document.body.dataset.rates, null, { timeout: 120_000 });
  const here = process.argv.includes('--start-here');
  if (process.argv.includes('--each')) await page.check('#experiment-each');
  const commands = process.argv[process.argv.indexOf('--commands') + 1];
  if (process.argv.includes('--commands')) {
    for (const box of await page.$$('input[name="corner"]')) {
      if (commands.split(',').includes(await box.getAttribute('value'))) await box.check();
      else await box.uncheck();
    }
  }
  // The lab's seed, as its figures use (a new experiment on the page draws a fresh one).
  const seed = process.argv.includes('--seed') ? process.argv[process.argv.indexOf('--seed') + 1] : '1';
  if (!here) {
    await page.click('.all-settings summary');
    await page.fill('#setting-copy-seed', seed);
    await page.fill('#setting-consolidation-seed', seed);
  }
  // The estimate (a warning instead, where the settings could take hours on this device).
  await page.waitForFunction(() => document.body.dataset.estimate, null, { timeout: 60_000 });
  if (here) await page.waitForFunction(() => /about/.test(document.getElementById('start-here-run').textContent), null, { timeout: 60_000 });
  console.log(`estimated: ${here ? await page.textContent('#start-here-run') : await page.textContent('#experiment-estimate')}`);
  const started = Date.now();
  await page.click(here ? '#start-here-run' : '#experiment-start');
  await page.waitForFunction(() => document.body.dataset.experiment, null, { timeout: 60_000 });
  for (;;) {
    const state = await page.getAttribute('body', 'data-experiment');
    if (state !== 'running') break;
    console.log(`${((Date.now() - started) / 1000).toFixed(0)} s: ${await page.textContent('#experiment-text')}`);
    await page.waitForTimeout(60_000);
  }
  console.log(await page.textContent('#experiment-status'));
  const rows = await page.$$eval('#experiment-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent).join(' | ')));
  console.log(['command | copy generations | copy | copy, shuffled | ONE | ONE, shuffled | chance | ONE, other synthesiser | ONE, your recordings', ...rows].join('\n'));
  console.log(await page.textContent('#experiment-verdict'));
  console.log(await page.textContent('#experiment-text'));
  if (errors.length) console.log(`console errors: ${errors.join('\n')}`);
} finally {
  await close();
  server.close();
}
