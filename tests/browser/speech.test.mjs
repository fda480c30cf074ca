// Speech features in the browser: the wasm build of crate/src/speech gives the native values on
// the same WAV file (log-mel frames, and ONE's normalised goal input), refuses a file that is not
// audio, and its speed is measured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { openPage, startServer, SHOTS } from './browser.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

/** A 16-bit stereo WAV at 22.05 kHz: 0.3 s silence, a 1.2 s chirp with a tremolo, 0.3 s silence. */
function chirpWav() {
  const rate = 22050;
  const n = Math.round(1.8 * rate);
  const data = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    const t = i / rate - 0.3;
    const on = t >= 0 && t < 1.2;
    const v = on ? 0.4 * Math.sin(2 * Math.PI * (200 * t + 750 * t * t)) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) : 0;
    const s = Math.round(v * 32767);
    data.writeInt16LE(s, i * 4);
    data.writeInt16LE(s, i * 4 + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

test('wasm and native log-mel features agree on the same WAV; bad files are refused', async () => {
  const native = new URL('../../target/debug/onelab', import.meta.url).pathname;
  assert.ok(existsSync(native), 'cargo test builds target/debug/onelab first (make test does)');
  const wav = chirpWav();
  const path = `${SHOTS}chirp.wav`;
  writeFileSync(path, wav);
  const lines = (args) => execFileSync(native, ['speech', 'features', path, ...args], { encoding: 'utf8' })
    .trim().split('\n').slice(1).map((line) => line.split(' ').map(Number));
  const nativeFrames = lines([]);
  const nativeGoal = lines(['--listen', '12']);

  const { page, close } = await openPage(server.url, ['--disable-features=WebGPU']);
  try {
    const result = await page.evaluate(async (bytes) => {
      const wasm = await import('./pkg/onelab.js');
      await wasm.default();
      const input = new Uint8Array(bytes);
      const features = wasm.wavFeatures(input, 12);
      const frames = Array.from(features.frames);
      const goal = Array.from(features.goal);
      const started = performance.now();
      const runs = 20;
      for (let i = 0; i < runs; i++) wasm.wavFeatures(input, 12);
      const msPerRun = (performance.now() - started) / runs;
      let refusal = '';
      try {
        wasm.wavFeatures(new TextEncoder().encode('this is not a wav file'), 12);
      } catch (e) {
        refusal = e.message;
      }
      return { frames, goal, msPerRun, refusal };
    }, Array.from(wav));
    const bands = 16;
    assert.equal(result.frames.length, nativeFrames.length * bands, 'same number of frames');
    let worst = 0;
    nativeFrames.forEach((frame, f) => frame.forEach((v, b) => {
      worst = Math.max(worst, Math.abs(v - result.frames[f * bands + b]));
    }));
    assert.ok(worst < 1e-5, `wasm and native differ by ${worst}`);
    // The normalised goal input: the same steps, centred the same way.
    assert.equal(result.goal.length, 12 * bands);
    assert.equal(nativeGoal.length, 12);
    let worstGoal = 0;
    nativeGoal.forEach((step, t) => step.forEach((v, b) => {
      worstGoal = Math.max(worstGoal, Math.abs(v - result.goal[t * bands + b]));
    }));
    assert.ok(worstGoal < 1e-5, `wasm and native goal inputs differ by ${worstGoal}`);
    assert.ok(result.goal.some((v) => v < 0) && result.goal.some((v) => v > 0), 'the goal input is centred');
    assert.match(result.refusal, /not a WAV file/);
    const spoken = nativeFrames.length * 0.01 + 0.015;
    console.log(`# wasm log-mel: ${(result.msPerRun / 1.8).toFixed(2)} ms per second of input audio (resampling and trimming included), worst difference from native ${worst.toExponential(1)} over ${nativeFrames.length} frames (${spoken.toFixed(2)} s spoken)`);
  } finally {
    await close();
  }
});
