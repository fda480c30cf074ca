// The README's pictures of the page in each phase of an experiment: run in headless Chromium
// (after `make web`): node scripts/screenshots.mjs [--gpu]. It runs two commands (north east,
// south west) one at a time, 100 generations per copy at most and 1200 consolidation updates, on
// the CPU path unless --gpu (SwiftShader is slow), and writes docs/page.png (the top of the page
// while the second copy evolves) and docs/phase-*.png; before it, what a newcomer sees first:
//   first-screen   the page as it opens
//   start-here     the experiment panel: Start here and the estimate beside Run
//   rejected       a run too short to learn (5 generations per copy): the verdict says what to change
//   copies         a copy evolving: timeline, each copy's success per generation, the maze
//   consolidation  ONE consolidating: its loss curves, the first retention row
//   judged         the result table, the retention matrix and the weight-spread heatmap
//   talk           ONE hearing a validation speaker's "south west" and walking
import { openPage, startServer } from '../tests/browser/browser.mjs';

const OUT = new URL('../docs/', import.meta.url).pathname;
const server = await startServer();
const flags = process.argv.includes('--gpu') ? ['--enable-unsafe-webgpu'] : ['--disable-features=WebGPU'];
const { page, errors, close } = await openPage(server.url, flags);
await page.setViewportSize({ width: 1280, height: 900 });

/** Screenshot from the top of `from` to the bottom of `to`, across the page's width. */
async function shot(name, from, to) {
  const [top, bottom] = await page.evaluate(([a, b]) => [
    document.querySelector(a).getBoundingClientRect().top + scrollY - 12,
    document.querySelector(b).getBoundingClientRect().bottom + scrollY + 12,
  ], [from, to]);
  await page.screenshot({ path: `${OUT}phase-${name}.png`, clip: { x: 0, y: top, width: 1280, height: bottom - top }, fullPage: true });
  console.log(`docs/phase-${name}.png`);
}

try {
  await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
  await page.waitForFunction(() => /^about/.test(document.getElementById('experiment-estimate').textContent), null, { timeout: 120_000 });
  await page.screenshot({ path: `${OUT}first-screen.png` });
  console.log('docs/first-screen.png');
  await shot('start-here', '#experiment-title', '#experiment-text');
  await page.uncheck('input[name="corner"][value="nw"]');
  await page.uncheck('input[name="corner"][value="se"]');
  await page.fill('#experiment-generations', '5');
  await page.fill('#experiment-updates', '50');
  await page.waitForFunction(() => document.body.dataset.settings === 'valid');
  await page.click('#experiment-start');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 900_000 });
  console.log(await page.textContent('#experiment-verdict'));
  await shot('rejected', '#experiment-text', '#experiment-verdict');
  await page.reload();
  await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
  await page.check('input[name="corner"][value="ne"]');
  await page.check('input[name="corner"][value="sw"]');
  await page.uncheck('input[name="corner"][value="nw"]');
  await page.uncheck('input[name="corner"][value="se"]');
  await page.fill('#experiment-updates', '1200');
  await page.check('#experiment-each');
  await page.click('.all-settings summary');
  await page.fill('#setting-copy-hidden', '16');
  await page.fill('#setting-consolidation-learning_rate', '0.02');
  await page.click('.all-settings summary');
  await page.waitForFunction(() => document.body.dataset.settings === 'valid');
  await page.click('#experiment-start');
  // The second copy, a few generations in: the first copy and its consolidation are on the timeline.
  await page.waitForFunction(() => document.body.dataset.retentionRows === '1' && Number(document.body.dataset.experimentGenerations) >= 0, null, { timeout: 900_000 });
  const before = Number(await page.getAttribute('body', 'data-experiment-generations'));
  await page.waitForFunction((n) => Number(document.body.dataset.experimentGenerations) >= n + 8, before, { timeout: 900_000 });
  await shot('copies', '#experiment-title', '.plots');
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: `${OUT}page.png` });
  console.log('docs/page.png');
  await page.waitForFunction(() => /consolidation update [0-9]{3,}/.test(document.getElementById('experiment-text').textContent) && document.body.dataset.retentionRows === '1', null, { timeout: 900_000 });
  await shot('consolidation', '#experiment-text', '.matrices');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.experiment), null, { timeout: 900_000 });
  console.log(await page.textContent('#experiment-verdict'));
  await shot('judged', '#experiment-timeline', '.matrices');

  await page.selectOption('#command', 'south west');
  const validation = await page.$eval('#speaker optgroup[label^="validation speakers"] option', (o) => o.value);
  await page.selectOption('#speaker', validation);
  await page.click('#play');
  await page.waitForFunction(() => /south west/.test(document.getElementById('speech-status').textContent));
  await page.click('#talk');
  await page.waitForFunction(() => document.body.dataset.talking === 'south west');
  await page.waitForTimeout(2500);
  await shot('talk', '.maze-panel', '.maze-panel');
  if (errors.length) console.log(`console errors: ${errors.join('\n')}`);
} finally {
  await close();
  server.close();
}
