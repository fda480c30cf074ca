// Runs the benchmark page (www/bench.html) in headless Chromium and prints its JSON: the figures
// of the CPU path in wasm and of SwiftShader's WebGPU for BENCHMARKS.md. Not a test (the browser
// test runs it at tiny sizes). Usage, after `make web`:
// node scripts/browser-bench.mjs [--cpu] [--quick]   (--cpu turns WebGPU off)
import { openPage, startServer } from '../tests/browser/browser.mjs';

const server = await startServer();
const flags = process.argv.includes('--cpu') ? ['--disable-features=WebGPU'] : ['--enable-unsafe-webgpu'];
const query = process.argv.includes('--quick') ? '?quick' : '';
const { page, errors, close } = await openPage(`${server.url}bench.html${query}`, flags);
try {
  await page.waitForFunction(() => document.body.dataset.bench === 'ready', null, { timeout: 60_000 });
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.bench === 'done', null, { timeout: 0 });
  console.log(await page.textContent('#bench-json'));
  if (errors.length) console.error(errors.join('\n'));
} finally {
  await close();
  server.close();
}
