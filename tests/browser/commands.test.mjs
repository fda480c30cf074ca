// The command panel: a corpus utterance is played and drawn; a fake microphone (a WAV file fed
// to Chromium) records an utterance that is checked in wasm and stored in IndexedDB, surviving a
// reload; a silent recording and a file that is not audio are refused, earlier recordings intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPage, startServer, SHOTS } from './browser.mjs';
import { corpusUtterance, fakeMic, record, wav } from './audio.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('play, record with a fake microphone, store, reload, refuse silence and non-audio', async () => {
  const voice = `${SHOTS}fake-mic-voice.wav`;
  writeFileSync(voice, wav(corpusUtterance('en-us+m4', 'north east'), 0.4));
  const silent = `${SHOTS}fake-mic-silence.wav`;
  writeFileSync(silent, wav(new Array(16000).fill(0), 0.5));
  const profile = mkdtempSync(join(tmpdir(), 'onelab-mic-'));
  try {
    let { page, errors, close } = await openPage(server.url, fakeMic(voice), async () => {}, profile);
    await page.waitForFunction(() => !document.getElementById('play').disabled, null, { timeout: 60_000 });
    await page.selectOption('#command', 'south west');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.body.dataset.spectrogramFrames) > 10);
    assert.match(await page.textContent('#speech-status'), /"south west" by .*: \d\.\d\d s\./);

    await record(page);
    await page.waitForFunction(() => document.body.dataset.recordings === '1', null, { timeout: 30_000 });
    assert.match(await page.textContent('#speech-status'), /Stored your "north east"/);
    await page.locator('.commands').screenshot({ path: `${SHOTS}commands.png` });
    assert.deepEqual(errors, []);
    await close();

    // Same profile, silent microphone: refused, and the first recording is still there.
    ({ page, close } = await openPage(server.url, fakeMic(silent), async () => {}, profile));
    await page.waitForFunction(() => document.body.dataset.recordings === '1', null, { timeout: 60_000 });
    await record(page);
    await page.waitForFunction(() => /silent/.test(document.getElementById('speech-status').textContent), null, { timeout: 30_000 });
    await page.setInputFiles('#import-wav', { name: 'notes.wav', mimeType: 'audio/wav', buffer: Buffer.from('these are not samples') });
    await page.waitForFunction(() => /notes\.wav: not a WAV file/.test(document.getElementById('speech-status').textContent));
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.recordings, null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('body', 'data-recordings'), '1', 'failed recordings store nothing and lose nothing');
    await close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});

test('without a microphone, or without permission, Record says so and stores nothing', async () => {
  for (const flags of [[], ['--use-fake-device-for-media-stream', '--deny-permission-prompts']]) {
    const { page, close } = await openPage(server.url, flags);
    try {
      await page.waitForFunction(() => !document.getElementById('record').disabled, null, { timeout: 60_000 });
      await page.click('#record');
      await page.waitForFunction(() => document.getElementById('speech-status').className === 'error-line', null, { timeout: 30_000 });
      assert.match(await page.textContent('#speech-status'), /No microphone was found|Microphone permission was denied/);
      assert.equal(await page.getAttribute('body', 'data-recordings'), '0');
    } finally {
      await close();
    }
  }
});
