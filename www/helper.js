// A helper worker (helpers.js): plays blocks of a generation's members on the CPU path.
import init, { rolloutBlock } from './pkg/onelab.js';

init().then(
  () => postMessage({ ready: true }),
  (e) => postMessage({ error: `the simulator (WebAssembly) failed to load: ${e}` }),
);

onmessage = ({ data }) => {
  try {
    const rows = rolloutBlock(data.head, data.floats, data.from, data.to);
    postMessage({ id: data.id, rows }, [rows.buffer]);
  } catch (e) {
    postMessage({ id: data.id, error: String(e?.message ?? e) });
  }
};
