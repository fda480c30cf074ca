// The benchmark page: sends the cases to its worker one run at a time, fills the table as rows
// come back, and keeps the whole result as JSON for "Copy results". `?quick` runs tiny sizes (the
// browser test).
const quick = new URLSearchParams(location.search).has('quick');
const cases = quick
  ? [
      { workload: 'forward', size: 16, hidden: 32, steps: 8 },
      { workload: 'rollout', size: 16, hidden: 32, steps: 16 },
      { workload: 'bptt', size: 8, hidden: 32, steps: 8 },
    ]
  : [
      { workload: 'forward', size: 64, hidden: 64, steps: 64 },
      { workload: 'forward', size: 1024, hidden: 64, steps: 64 },
      { workload: 'rollout', size: 256, hidden: 64, steps: 64 },
      { workload: 'rollout', size: 1024, hidden: 64, steps: 64 },
      { workload: 'bptt', size: 64, hidden: 64, steps: 64 },
      { workload: 'bptt', size: 256, hidden: 64, steps: 64 },
    ];
const minSeconds = quick ? 0.05 : 1.0;
const names = { forward: 'forward pass', rollout: 'rollout', bptt: 'BPTT + Adam' };

const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const result = { page: 'ONE Lab benchmark', quick, date: null, userAgent: navigator.userAgent,
  cores: navigator.hardwareConcurrency || null, cpuCores: null, backend: null, adapter: null, fallbackReason: null, rows: [] };

const rate = (v) => (v == null ? '–' : Math.round(v).toLocaleString('en-US'));
const ratio = (v) => (v == null ? '–' : v >= 0.01 ? v.toFixed(3) : v.toExponential(2));

function showJson() {
  $('bench-json').textContent = JSON.stringify(result, null, 2);
}

function addRow(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.append(td);
  }
  $('results').tBodies[0].append(tr);
}

const handlers = {
  ready({ backend, adapter, cpuCores, fallbackReason }) {
    Object.assign(result, { backend, adapter, cpuCores, fallbackReason });
    const cores = `its rollouts and BPTT on ${cpuCores} ${cpuCores === 1 ? 'core' : 'cores'}, the forward pass on one`;
    $('device').textContent = backend === 'gpu'
      ? `GPU: ${adapter}. The CPU path runs beside it in WebAssembly, ${cores}.`
      : `No GPU here (${fallbackReason}): only the CPU path in WebAssembly is measured, ${cores}.`;
    $('run').disabled = false;
    document.body.dataset.bench = 'ready';
    showJson();
  },
  row({ index, row }) {
    result.rows.push({ ...row, error: null });
    const c = row.case;
    addRow([names[c.workload], c.size, c.hidden, c.steps, row.unit, rate(row.gpu), rate(row.cpu), ratio(row.ratio)]);
    $('progress').textContent = `${index + 1} of ${cases.length} done`;
    showJson();
  },
  failed({ index, message }) {
    const c = cases[index];
    result.rows.push({ case: c, unit: null, gpu: null, cpu: null, ratio: null, error: message });
    addRow([names[c.workload], c.size, c.hidden, c.steps, 'failed', message, '', '']);
    showJson();
  },
  done() {
    $('progress').textContent = `done: ${result.rows.length} cases`;
    $('run').disabled = false;
    $('copy').disabled = false;
    document.body.dataset.bench = 'done';
  },
  error({ message }) {
    $('error').textContent = message;
    $('error').hidden = false;
    $('device').textContent = 'The benchmark cannot run in this browser.';
    document.body.dataset.bench = 'error';
  },
};

worker.onmessage = ({ data }) => handlers[data.type](data);

$('run').addEventListener('click', () => {
  $('run').disabled = true;
  $('copy').disabled = true;
  $('results').tBodies[0].replaceChildren();
  result.rows = [];
  result.date = new Date().toISOString();
  $('progress').textContent = `timing ${cases.length} cases…`;
  document.body.dataset.bench = 'running';
  worker.postMessage({ type: 'run', cases, minSeconds });
});

$('copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('bench-json').textContent);
    $('copied').textContent = 'copied';
  } catch {
    // No clipboard permission (an insecure origin, say): select the JSON for a manual copy.
    $('bench-json').parentElement.open = true;
    getSelection().selectAllChildren($('bench-json'));
    $('copied').textContent = 'selected below: copy it with Ctrl+C';
  }
});
