// The CPU path's helper workers: the worker plays a generation's first block of members (or
// computes a consolidation batch's first block of chunks) and each helper (helper.js, its own
// copy of the wasm module) one other block, so a page without WebGPU computes on every core
// without shared memory (crate/src/device/helpers.rs).
// Messages: to a helper {id, kind ('rollout' or 'gradient'), head, floats}; back {id, bytes} or
// {id, error}; and once, when its module has loaded, {ready: true}.
import { useHelpers } from './pkg/onelab.js';

const MAX_HELPERS = 7;
const LOAD_MS = 20000;

let started = null;

/** Starts one helper per core but the worker's own (at most 7) and lends them to the CPU path;
 * resolves to how many loaded. Helpers that fail to load are left out; once started, later
 * calls return the same count. */
export function startHelpers() {
  started ??= start();
  return started;
}

async function start() {
  const wanted = Math.min(MAX_HELPERS, (navigator.hardwareConcurrency || 1) - 1);
  const loading = Array.from({ length: Math.max(0, wanted) }, () => load());
  const helpers = (await Promise.all(loading)).filter(Boolean);
  const pending = new Map();
  let next = 0;
  for (const w of helpers) {
    w.onmessage = ({ data }) => {
      const p = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) p?.reject(new Error(data.error));
      else p?.resolve(data.bytes);
    };
    // A helper that dies fails what it was given (the worker does that block itself).
    w.onerror = (e) => {
      for (const [id, p] of pending) if (p.helper === w) { pending.delete(id); p.reject(new Error(e.message || 'the helper stopped')); }
    };
  }
  const run = (i, kind, head, floats) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject, helper: helpers[i] });
    helpers[i].postMessage({ id, kind, head, floats }, [floats.buffer]);
  });
  useHelpers(run, helpers.length);
  return helpers.length;
}

/** A helper whose module has loaded, or null (said on the console) if it did not in time. */
function load() {
  return new Promise((resolve) => {
    const w = new Worker(new URL('./helper.js', import.meta.url), { type: 'module' });
    const fail = (why) => { console.warn(`a helper worker did not start (${why}); the CPU path uses fewer cores`); w.terminate(); resolve(null); };
    const timer = setTimeout(() => fail('it took too long'), LOAD_MS);
    w.onerror = (e) => { clearTimeout(timer); fail(e.message || 'an error'); };
    w.onmessage = ({ data }) => {
      clearTimeout(timer);
      if (data.ready) resolve(w);
      else fail(data.error);
    };
  });
}
