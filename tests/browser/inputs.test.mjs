// Inputs from outside, in the wasm32 build (run in Node, no browser): every seed input of
// crate/tests/data/inputs gets the verdict the native build records in verdicts.json, so 32-bit
// and 64-bit targets agree on what they accept (lengths that wrap a 32-bit usize included); and
// the share-link decoder (www/link.js), fed mutated links, always answers with settings or a
// named error, never throws, and refuses a link that inflates past its bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { initSync, Speech, takeInput } from '../../www/pkg/onelab.js';
import { linkHash, readLink, MAX_SETTINGS_BYTES } from '../../www/link.js';

const root = new URL('../../', import.meta.url).pathname;
const data = `${root}crate/tests/data/inputs/`;
initSync({ module: readFileSync(`${root}www/pkg/onelab_bg.wasm`) });
const speech = new Speech(readFileSync(`${root}www/corpus/manifest.json`, 'utf8'), readFileSync(`${root}www/corpus/corpus.bin`));

test('the wasm32 build gives every seed input its native verdict', () => {
  const want = JSON.parse(readFileSync(`${data}verdicts.json`, 'utf8'));
  const kinds = readdirSync(data, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.equal(kinds.length, 7);
  let checked = 0;
  for (const kind of kinds) {
    for (const file of readdirSync(`${data}${kind}`)) {
      const name = `${kind}/${file}`;
      assert.equal(takeInput(speech, kind, readFileSync(`${data}${name}`)), want[name], name);
      checked++;
    }
  }
  assert.equal(checked, Object.keys(want).length);
});

/** A small deterministic generator (mulberry32), so a failure can be rerun. */
function generator(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('mutated share links are answered with settings or a named error, never a throw', async () => {
  const settings = JSON.parse(readFileSync(`${data}settings/small.json`, 'utf8'));
  const good = await linkHash(settings);
  assert.deepEqual((await readLink(good)).config, settings);
  const random = generator(19);
  const below = (n) => Math.floor(random() * n);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.#x%=+/ ';
  const counts = { config: 0, error: 0 };
  for (let n = 0; n < 3000; n++) {
    let hash = good;
    for (let k = 0; k < 1 + below(3); k++) {
      const at = below(hash.length);
      const what = below(4);
      if (what === 0) hash = hash.slice(0, at) + alphabet[below(alphabet.length)] + hash.slice(at + 1);
      else if (what === 1) hash = hash.slice(0, at) + hash.slice(at + 1 + below(8));
      else if (what === 2) hash = hash.slice(0, at);
      else hash = hash.slice(0, at) + alphabet[below(alphabet.length)] + hash.slice(at);
    }
    const read = await readLink(hash);
    if (read === null) continue;
    assert.ok(read.config !== undefined || typeof read.error === 'string', hash);
    if (read.config !== undefined) {
      counts.config++;
      // Whatever JSON a link carries, the settings reader answers in words.
      const verdict = takeInput(speech, 'settings', new TextEncoder().encode(JSON.stringify(read.config)));
      assert.match(verdict, /^(accepted|refused): /);
    } else counts.error++;
  }
  console.log(`3000 mutated links: ${counts.config} decoded to settings, ${counts.error} refused with a message`);
  assert.ok(counts.config > 0 && counts.error > 0);
  // A link of zeros that inflates to 64 MB is refused while it inflates.
  const bomb = deflateRawSync(Buffer.alloc(64 << 20));
  const hash = `#x1.${bomb.toString('base64url')}`;
  const read = await readLink(hash);
  assert.match(read.error, new RegExp(`inflate past ${MAX_SETTINGS_BYTES >> 20} MB`));
});
