// The command corpus as the page fetches it: gzipped (`make web`), unpacked in the browser, with
// its progress shown while it comes; from a host that unpacks .gz files itself; and cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, startServer } from './browser.mjs';

const CPU = ['--disable-features=WebGPU'];
const dir = new URL('../../www/corpus/', import.meta.url).pathname;
const gz = readFileSync(`${dir}corpus.bin.gz`);
const speakers = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')).speakers.length;
const loaded = `9 commands by ${speakers} synthetic speakers.`;

/** The page served with `files` in place of the real ones, and its console errors once the
 * corpus has loaded or failed; `setup` runs before the page is opened. */
async function corpusStatus(files, setup, during = async () => {}) {
  const server = await startServer(files);
  const { page, errors, close } = await openPage(server.url, CPU, setup);
  try {
    await during(page);
    await page.waitForFunction(() => !/^Loading/.test(document.getElementById('speech-status').textContent), null, { timeout: 120_000 });
    return { status: await page.textContent('#speech-status'), one: await page.textContent('#one-text'), errors };
  } finally {
    await close();
    server.close();
  }
}

test('on a slow link the panels say how much of the corpus has come, and ONE talks once its first part has', async () => {
  const total = `${(gz.length / 1e6).toFixed(1)} MB`.replace('.', '\\.');
  const seen = {};
  const { status, one, errors } = await corpusStatus({}, async (page) => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    // 16 Mbit/s: the gzipped corpus takes about 8 s, its first part (the validation speakers) 2.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 2e6, uploadThroughput: 2e6 });
  }, async (page) => {
    await page.waitForFunction((t) => new RegExp(`^Loading the voices ONE hears \\(the command corpus\\): [0-9.]+ of ${t}…$`).test(document.getElementById('one-text').textContent), total, { timeout: 60_000 });
    // The pretrained ONE talks while the rest of the corpus is still coming.
    await page.waitForFunction(() => document.body.dataset.one === 'pretrained', null, { timeout: 60_000 });
    await page.selectOption('#command', 'south west');
    await page.click('#talk-one');
    await page.waitForFunction(() => document.body.dataset.talkingOne === 'south west');
    seen.play = await page.isDisabled('#play');
    await page.waitForFunction(() => /^Loading the command corpus/.test(document.getElementById('speech-status').textContent));
    seen.loading = await page.textContent('#speech-status');
    await page.waitForSelector('#play:not([disabled])', { timeout: 60_000 });
    // The whole corpus's lists keep the choice made on the first part's.
    seen.kept = await page.$eval('#command', (c) => c.value);
  });
  assert.match(seen.loading, new RegExp(`^Loading the command corpus: [0-9.]+ of ${total}…$`));
  assert.equal(seen.play, true, 'Play waits for the whole corpus');
  assert.equal(seen.kept, 'south west');
  assert.equal(status, loaded);
  assert.match(one, /^The pretrained ONE, shipped with the site/);
  assert.deepEqual(errors, []);
});

test('a host that sends the .gz files already unpacked (gzip-encoded) serves the same corpus', async () => {
  const { status, errors } = await corpusStatus({
    'corpus/corpus.bin.gz': readFileSync(`${dir}corpus.bin`),
    'corpus/manifest.json.gz': readFileSync(`${dir}manifest.json`),
  });
  assert.equal(status, loaded);
  assert.deepEqual(errors, []);
});

test('a corpus file cut short is named, and the page says it cannot load the corpus', async () => {
  const { status } = await corpusStatus({ 'corpus/corpus.bin.gz': gz.subarray(0, gz.length >> 1) });
  assert.equal(status, 'The command corpus could not be loaded: corpus/corpus.bin.gz: not a whole gzip file (it ends too soon or was damaged on the way); reloading the page fetches it again');
});
