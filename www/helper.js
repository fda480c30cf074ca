// A helper worker (helpers.js): plays blocks of a generation's members, and computes blocks of
// a consolidation batch's gradient, on the CPU path.
import init, { rolloutBlock, gradientBlock } from './pkg/onelab.js';

const work = { rollout: rolloutBlock, gradient: gradientBlock };

init().then(
  () => postMessage({ ready: true }),
  (e) => postMessage({ error: `the simulator (WebAssembly) failed to load: ${e}` }),
);

onmessage = ({ data }) => {
  try {
    const bytes = work[data.kind](data.head, data.floats);
    postMessage({ id: data.id, bytes }, [bytes.buffer]);
  } catch (e) {
    postMessage({ id: data.id, error: String(e?.message ?? e) });
  }
};
