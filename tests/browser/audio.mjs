// Shared by the browser tests that speak: corpus utterances as WAV files for Chromium's fake
// microphone, and a recording made with it in the command panel.
import { readFileSync } from 'node:fs';

function muLaw(byte) {
  const u = ~byte & 0xff;
  const magnitude = ((((u & 15) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
  return (u & 0x80 ? -magnitude : magnitude) / 32768;
}

/** A 16 kHz 16-bit WAV of `samples`, with `pad` seconds of silence either side. */
export function wav(samples, pad) {
  const rate = 16000;
  const silence = new Array(Math.round(pad * rate)).fill(0);
  const all = [...silence, ...samples, ...silence];
  const data = Buffer.alloc(all.length * 2);
  all.forEach((v, i) => data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32767), i * 2));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVEfmt ', 8); h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The committed corpus's utterance of `text` by `speaker`, as samples in [-1, 1]. */
export function corpusUtterance(speaker, text) {
  const root = new URL('../../www/corpus/', import.meta.url).pathname;
  const manifest = JSON.parse(readFileSync(`${root}manifest.json`, 'utf8'));
  const u = manifest.utterances.find((x) => x.speaker === speaker && x.text === text);
  const blob = readFileSync(`${root}corpus.bin`).subarray(u.offset, u.offset + u.samples);
  return Array.from(blob, muLaw);
}

/** Chromium flags for a microphone that plays `file` in a loop, permission granted. */
export const fakeMic = (file) => ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${file}`];

/** Records about two seconds of `command` with the command panel's Record button. */
export async function record(page, command = 'north east') {
  await page.waitForFunction(() => !document.getElementById('record').disabled, null, { timeout: 60_000 });
  await page.selectOption('#command', command);
  await page.click('#record');
  await page.waitForTimeout(2000);
  await page.click('#record');
}
