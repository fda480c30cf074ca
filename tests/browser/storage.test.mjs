// The storage panel: its table counts every stored trial by command; a stored trial replays in
// the maze with its own goal in the legend (and a trial number that cannot be one is named);
// export every stored trial to a file, clear, import it back; corrupt, truncated and foreign
// files are refused and leave what is stored untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const trials = (page) => page.getAttribute('body', 'data-trials').then(Number);
/** The storage table's trials per command, as shown. */
const rows = (page) => page.$$eval('#storage-rows tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.children[0].textContent, Number(tr.children[1].textContent)])));

async function importFile(page, name, buffer) {
  await page.setInputFiles('#import', { name, mimeType: 'application/octet-stream', buffer });
  await page.waitForFunction((n) => document.getElementById('storage-status').textContent.includes(n), name, { timeout: 30_000 });
  return page.textContent('#storage-status');
}

test('export, clear and import the stored trials; damaged files are refused', async () => {
  const { page, errors, close } = await openPage(server.url, ['--enable-unsafe-webgpu']);
  try {
    await page.waitForFunction(() => document.body.dataset.backend === 'gpu', null, { timeout: 60_000 });
    await page.fill('#population', '16');
    await page.fill('#generations', '2');
    await page.click('#start');
    await page.waitForFunction(() => document.body.dataset.evolve === 'done', null, { timeout: 120_000 });
    const stored = 2 * (16 * 24 + 24) + 24; // two generations with their evaluations, then the demonstration
    await page.waitForFunction((n) => Number(document.body.dataset.trials) === n, stored);
    assert.deepEqual(await rows(page), { 'north east': stored, 'north west': 0, 'south east': 0, 'south west': 0 });

    // A stored trial replays in the maze, its goal in the legend.
    await page.fill('#trial-index', '5');
    await page.click('#replay');
    await page.waitForFunction(() => document.getElementById('storage-status').textContent.startsWith('Trial 5:'));
    assert.match(await page.textContent('#storage-status'), /Trial 5: task ne, Evolution, member \d+ of generation 0: .* in \d+ steps/);
    const before = await page.locator('#maze').screenshot();
    await page.waitForTimeout(800);
    assert.ok(!before.equals(await page.locator('#maze').screenshot()), 'the replayed agent moves');
    assert.match(await page.textContent('#goal-label'), /north-east corner/);
    assert.match(await page.textContent('#walk-note'), /replays stored trial 5: task ne/);
    await page.fill('#trial-index', '-3');
    await page.click('#replay');
    await page.waitForFunction(() => /"-3" is not a trial number/.test(document.getElementById('storage-status').textContent));
    await page.fill('#trial-index', '999999');
    await page.click('#replay');
    await page.waitForFunction(() => /no stored trial 999999/.test(document.getElementById('storage-status').textContent));

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const file = `${SHOTS}export.onelab`;
    await download.saveAs(file);
    const good = readFileSync(file);
    assert.equal(good.subarray(0, 8).toString(), 'ONELABX2');

    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#clear');
    await page.waitForFunction(() => document.body.dataset.trials === '0');
    assert.deepEqual(await rows(page), { 'north east': 0, 'north west': 0, 'south east': 0, 'south west': 0 });

    assert.match(await importFile(page, 'export.onelab', good), new RegExp(`Imported ${stored} trials`));
    await page.waitForFunction((n) => Number(document.body.dataset.trials) === n, stored);
    assert.deepEqual(await rows(page), { 'north east': stored, 'north west': 0, 'south east': 0, 'south west': 0 });

    const flipped = Buffer.from(good);
    flipped[100] ^= 1;
    for (const [name, bytes, why] of [
      ['flipped.onelab', flipped, /checksum/],
      ['short.onelab', good.subarray(0, good.length - 5), /truncated/],
      ['notes.onelab', Buffer.from('just some notes'), /not a ONE Lab export file/],
    ]) {
      assert.match(await importFile(page, name, bytes), why);
      assert.equal(await trials(page), stored, `${name} must change nothing`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
