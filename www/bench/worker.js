// The benchmark's worker: it loads the simulator (wasm), opens WebGPU when the browser has it,
// and times each case it is sent on the GPU and on the CPU path, one after the other, so the
// page never waits on them. The same Rust code runs `onelab bench forward` and `bench bptt`.
//
// Messages from the page:   {type: 'run', cases: [BenchCase], minSeconds}
// Messages to the page:     {type: 'ready', backend, adapter, cpuCores, fallbackReason}
//                           {type: 'row', index, row: BenchRow}
//                           {type: 'failed', index, message}   (that case only; the rest go on)
//                           {type: 'done'}
//                           {type: 'error', message}           (the simulator could not start)
import init, { startLab } from '../pkg/onelab.js';
import { adapterLabel } from '../adapter.js';
import { startHelpers } from '../helpers.js';

const text = (e) => (e && e.message) || String(e);
let lab = null;

onmessage = async ({ data }) => {
  if (data.type !== 'run' || !lab) return;
  for (const [index, c] of data.cases.entries()) {
    try {
      postMessage({ type: 'row', index, row: await lab.bench(c, data.minSeconds) });
    } catch (e) {
      postMessage({ type: 'failed', index, message: text(e) });
    }
  }
  postMessage({ type: 'done' });
};

async function main() {
  await init();
  lab = await startLab('gpu' in navigator);
  const adapter = lab.backend === 'gpu' ? (await adapterLabel()) || lab.adapter : '';
  // The CPU path's rollouts and BPTT use every core, through helper workers, as in the lab.
  const cpuCores = 1 + await startHelpers();
  postMessage({ type: 'ready', backend: lab.backend, adapter, cpuCores, fallbackReason: lab.fallbackReason });
}

main().catch((e) => postMessage({ type: 'error', message: `The simulator failed to start: ${text(e)}` }));
