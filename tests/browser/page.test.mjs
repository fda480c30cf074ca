// The page in Debian's Chromium, headless, driven by Playwright: with WebGPU (SwiftShader via
// --enable-unsafe-webgpu), without it, and with the wasm module failing to load.
// Screenshots go to test-output/ (ignored by git).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
let url;

before(async () => {
  server = await startServer();
  url = server.url;
});
after(() => server.close());

const open = (flags, setup) => openPage(url, flags, setup);

/** Two canvas screenshots taken `ms` apart differ: the agent moved. */
async function canvasChanges(page, name, ms = 1500) {
  const canvas = page.locator('#maze');
  const first = await canvas.screenshot({ path: `${SHOTS}${name}-a.png` });
  await page.waitForTimeout(ms);
  const second = await canvas.screenshot({ path: `${SHOTS}${name}-b.png` });
  return !first.equals(second);
}

test('with WebGPU: adapter shown, in-browser GPU vs CPU parity, agent moves, no console errors', async () => {
  const { page, errors, close } = await open(['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend, null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'gpu', await page.textContent('#backend'));
    const backend = await page.textContent('#backend');
    assert.match(backend, /WebGPU compute shader on \S/);
    await page.waitForFunction(() => document.body.dataset.parity, null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-parity'), 'ok', await page.textContent('#parity'));
    assert.ok(Number(await page.getAttribute('body', 'data-parity-worst')) < 1e-4);
    await page.waitForFunction(() => Number(document.body.dataset.steps) >= 3, null, { timeout: 30_000 });
    assert.ok(await canvasChanges(page, 'webgpu'), 'the canvas should change as the agent moves');
    await page.screenshot({ path: `${SHOTS}page-webgpu.png` });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('without WebGPU: the CPU fallback is named in one sentence and the agent still moves', async () => {
  const { page, errors, close } = await open(['--disable-features=WebGPU']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend, null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-backend'), 'cpu');
    // With more than one core the copies' episodes are spread over them (helper workers).
    const cores = Math.min(8, await page.evaluate(() => navigator.hardwareConcurrency));
    const spread = cores > 1 ? `, its copies' episodes and its training spread over ${cores} cores` : '';
    assert.match(await page.textContent('#backend'), new RegExp(`^ONE runs on the CPU path, in WebAssembly${spread}: everything in the lab works, more slowly than on a GPU\\. \\(No WebGPU here: .+\\.\\)$`));
    await page.waitForFunction(() => Number(document.body.dataset.steps) >= 3, null, { timeout: 30_000 });
    assert.ok(await canvasChanges(page, 'cpu'), 'the canvas should change as the agent moves');
    await page.screenshot({ path: `${SHOTS}page-cpu.png` });
    // The four landmarks stand at the maze's seeded cells, each drawn in its own colour.
    const drawn = await page.evaluate(() => {
      const canvas = document.getElementById('maze');
      const [width, height] = document.body.dataset.mazeSize.split('x').map(Number);
      const cell = Math.min((canvas.width - 20) / width, (canvas.height - 20) / height);
      const colours = [[47, 158, 68], [194, 65, 12], [28, 126, 214], [192, 133, 82]]; // tree, house, bird, dog
      return document.body.dataset.landmarks.split(',').map(Number).map((c, i) => {
        const [x, y] = [10 + (c % width) * cell, 10 + Math.floor(c / width) * cell];
        const { data } = canvas.getContext('2d').getImageData(x, y, cell, cell);
        let n = 0;
        for (let p = 0; p < data.length; p += 4) if (colours[i].every((v, j) => data[p + j] === v)) n += 1;
        return n;
      });
    });
    assert.equal(drawn.length, 4, 'four landmarks');
    for (const n of drawn) assert.ok(n > 20, `a landmark's icon is missing from its cell: ${drawn}`);
    await page.locator('#maze').screenshot({ path: `${SHOTS}maze-landmarks.png` });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

/** What sticks out to the right of the window: the page's width beyond it, and the widest
 * elements that cross its edge (none when the page fits). */
const overflow = (page) => page.evaluate(() => ({
  beyond: document.documentElement.scrollWidth - innerWidth,
  crossing: [...document.querySelectorAll('main > *')]
    .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
    .map((e) => `${e.className} ${Math.round(e.getBoundingClientRect().width)} px`),
}));

test('the page fits a phone: opened 320 pixels wide, or narrowed to 390, nothing scrolls sideways', async () => {
  const { page, errors, close } = await open(['--disable-features=WebGPU'], (p) => p.setViewportSize({ width: 320, height: 640 }));
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    // The plots, the result tables and the settings are all laid out by now.
    await page.waitForFunction(() => document.querySelectorAll('.uplot').length >= 3, null, { timeout: 30_000 });
    assert.deepEqual(await overflow(page), { beyond: 0, crossing: [] }, 'opened on a phone');
    await page.screenshot({ path: `${SHOTS}page-phone.png`, fullPage: true });
    // A window opened wide and then narrowed: the plots drawn at the wide width follow it.
    await page.setViewportSize({ width: 1180, height: 760 });
    await page.waitForTimeout(300);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    assert.deepEqual(await overflow(page), { beyond: 0, crossing: [] }, 'narrowed to a phone');
    // The benchmark page's eight-column table scrolls inside its panel.
    await page.goto(`${url}bench.html`);
    await page.waitForSelector('#results thead');
    assert.deepEqual(await overflow(page), { beyond: 0, crossing: [] }, 'the benchmark page on a phone');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('every export button gives its file before anything has run: empty tables, blank plots, no errors', async () => {
  const { page, errors, close } = await open(['--disable-features=WebGPU']);
  try {
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    const labels = await page.$$eval('.exports button', (bs) => bs.map((b) => b.getAttribute('aria-label')));
    assert.ok(labels.length >= 15, `export buttons: ${labels}`);
    for (const [i, label] of labels.entries()) {
      // Chromium lets a page start ten downloads, then drops them: the page is opened anew.
      if (i > 0 && i % 8 === 0) {
        await page.reload();
        await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
      }
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 5_000 }).catch(() => assert.fail(`${label}: no file`)),
        page.click(`button[aria-label="${label}"]`),
      ]);
      const text = readFileSync(await download.path(), label.endsWith('PNG') ? 'latin1' : 'utf8');
      if (label.endsWith('JSON')) assert.deepEqual(JSON.parse(text), [], label);
      if (label.endsWith('CSV')) assert.equal(text.split('\n').filter(Boolean).length, 1, `${label}: only its header`);
      if (label.endsWith('PNG')) assert.ok(text.startsWith('\x89PNG'), label);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a wasm load failure is shown as a message, not a blank page', async () => {
  const { page, close } = await open(['--enable-unsafe-webgpu'], (p) =>
    p.context().route('**/onelab_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' })));
  try {
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    assert.match(await page.textContent('#error'), /WebAssembly\) failed to load/);
    await page.screenshot({ path: `${SHOTS}page-wasm-failure.png` });
  } finally {
    await close();
  }
});
