// The worker owns the wasm module and the GPU device, so that the page never waits on them.
// Messages to the page: ready {backend, adapter, fallbackReason, scene}, parity {report},
// frame {frame}, error {message}.
import init, { startLab } from './pkg/onelab.js';

const STEP_MS = 90;
const post = (type, data = {}) => postMessage({ type, ...data });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (e) => (e && e.message) || String(e);

// wgpu cannot see the browser's adapter description yet, so the label comes from JS.
async function adapterLabel() {
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return '';
  const info = adapter.info || {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return `${name || 'an unnamed adapter'}${info.isFallbackAdapter ? ' (a software fallback adapter)' : ''}`;
}

async function main() {
  try {
    await init();
  } catch (e) {
    post('error', { message: `The simulator (WebAssembly) failed to load: ${text(e)}` });
    return;
  }
  const lab = await startLab('gpu' in navigator);
  const adapter = lab.backend === 'gpu' ? (await adapterLabel()) || lab.adapter : '';
  post('ready', { backend: lab.backend, adapter, fallbackReason: lab.fallbackReason, scene: lab.scene() });
  if (lab.backend === 'gpu') {
    try {
      post('parity', { report: await lab.parity(7, 64, 20) });
    } catch (e) {
      post('parity', { error: text(e) });
    }
  }
  for (;;) {
    post('frame', { frame: await lab.step() });
    await sleep(STEP_MS);
  }
}

main().catch((e) => post('error', { message: `The simulator stopped: ${text(e)}` }));
