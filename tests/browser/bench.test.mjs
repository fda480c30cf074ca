// The benchmark page (www/bench.html): on SwiftShader's WebGPU and with WebGPU off, it times the
// forward pass, a rollout and a BPTT step (tiny sizes with ?quick), fills its table with a rate
// per path, and its JSON (what "Copy results" copies) parses and names the adapter. The lab
// links to it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

async function runBench(flags, shot) {
  const { page, errors, close } = await openPage(`${server.url}bench.html?quick`, flags);
  try {
    await page.waitForFunction(() => document.body.dataset.bench === 'ready', null, { timeout: 60_000 });
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.bench === 'done', null, { timeout: 180_000 });
    await page.click('#copy');
    await page.waitForFunction(() => document.getElementById('copied').textContent !== '', null, { timeout: 10_000 });
    await page.screenshot({ path: `${SHOTS}${shot}.png`, fullPage: true });
    const json = JSON.parse(await page.textContent('#bench-json'));
    const cells = await page.$$eval('#results tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.deepEqual(errors, []);
    return { json, cells };
  } finally {
    await close();
  }
}

test('the benchmark times every workload on the GPU and the CPU path, and its JSON parses', async () => {
  const { json, cells } = await runBench(['--enable-unsafe-webgpu'], 'bench-gpu');
  assert.equal(json.backend, 'gpu');
  assert.match(json.adapter, /\S/);
  assert.deepEqual(json.rows.map((r) => r.case.workload), ['forward', 'rollout', 'bptt']);
  for (const r of json.rows) {
    assert.equal(r.error, null);
    assert.ok(r.gpu > 0 && r.cpu > 0, JSON.stringify(r));
    assert.ok(Math.abs(r.ratio - r.gpu / r.cpu) < 1e-9 * r.ratio);
  }
  assert.equal(cells.length, 3);
  assert.deepEqual(cells.map((c) => c[4]), ['agent-steps', 'env-steps', 'trace-steps']);
});

test('without WebGPU the benchmark times the CPU path alone and says why', async () => {
  const { json, cells } = await runBench(['--disable-features=WebGPU'], 'bench-cpu');
  assert.equal(json.backend, 'cpu');
  assert.match(json.fallbackReason, /WebGPU/);
  // The rollout's CPU path plays its members on every core, through helper workers.
  assert.equal(json.cpuCores, Math.min(8, json.cores));
  for (const r of json.rows) assert.ok(r.gpu === null && r.cpu > 0, JSON.stringify(r));
  assert.deepEqual(cells.map((c) => c[5]), ['–', '–', '–']);
});

test('the lab links to the benchmark', async () => {
  const { page, close } = await openPage(server.url, ['--disable-features=WebGPU']);
  try {
    await page.click('a[href="bench.html"]');
    await page.waitForFunction(() => document.body.dataset.bench === 'ready', null, { timeout: 60_000 });
  } finally {
    await close();
  }
});
