// The Phase A panel: settings, start and pause, progress with ETA, the live fitness plot (uPlot),
// and the best member's episode replayed in the maze after each generation.
import { fitnessPlot } from './plots.js';
import { exportButtons, plotTable } from './exports.js';
import { clock } from './clock.js';
import { traceCounts } from './store.js';
import { GOALS } from './goals.js';

const $ = (id) => document.getElementById(id);

const COMMANDS = Object.fromEntries(GOALS.map((g) => [g.code, g.command]));
/** Rows the storage table always shows: the default experiment's commands, the corners. */
const CORNERS = ['ne', 'nw', 'se', 'sw'];

/** The storage table: trials and successes per command, the browser's storage estimate, and
 * how long the last generation's transaction took (`stored`: {trials, seconds}). Refreshed
 * after every generation, experiment step that stores, import and clear. */
let lastStored = null;
export async function showStorage(stored = lastStored) {
  lastStored = stored;
  const { total, counts } = await traceCounts();
  const goals = [...new Set([...CORNERS, ...Object.keys(counts)])];
  $('storage-rows').replaceChildren(...goals.map((goal) => {
    const row = document.createElement('tr');
    for (const v of [COMMANDS[goal] ?? goal, counts[goal]?.trials ?? 0, counts[goal]?.successes ?? 0]) {
      const cell = document.createElement('td');
      cell.textContent = String(v);
      row.append(cell);
    }
    return row;
  }));
  const estimate = await navigator.storage?.estimate?.();
  const mb = (b) => (b / 1e6).toFixed(1);
  $('storage-text').textContent = `${total} trials stored` +
    (estimate ? ` · this site uses ${mb(estimate.usage)} MB of a ${mb(estimate.quota)} MB quota` : '') +
    (stored ? ` · last generation's ${stored.trials} trials stored in ${(1000 * stored.seconds).toFixed(0)} ms` : '');
  document.body.dataset.trials = String(total);
  document.body.dataset.storageRows = JSON.stringify(Object.fromEntries(goals.map((g) => [g, counts[g]?.trials ?? 0])));
}

/** `requests()` gives the worker's request channel (ask.js), set up after this panel. */
export function evolvePanel(worker, requests, { onScene, onPath, onReplay }) {
  showStorage();
  const storageStatus = (text, bad = false) => {
    $('storage-status').textContent = text;
    $('storage-status').className = bad ? 'error-line' : 'status-line';
  };
  $('export-now').addEventListener('click', () => $('export').click());
  $('export').addEventListener('click', async () => {
    try {
      const bytes = await requests().ask({ type: 'export' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      link.download = 'onelab-export.onelab';
      link.click();
      URL.revokeObjectURL(link.href);
      storageStatus(`Exported ${(bytes.length / 1e6).toFixed(2)} MB.`);
    } catch (e) {
      storageStatus(`Export failed: ${e.message}`, true);
    }
  });
  $('import').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const done = await requests().ask({ type: 'import', bytes }, [bytes.buffer]);
      storageStatus(`Imported ${done.trials} trials and ${done.recordings} recordings from ${file.name}.`);
    } catch (e) {
      storageStatus(`${file.name} was refused: ${e.message}. Nothing stored before was changed.`, true);
    }
    event.target.value = '';
    showStorage();
  });
  $('replay').addEventListener('click', async () => {
    const text = $('trial-index').value.trim();
    const index = Number(text);
    const stored = Number(document.body.dataset.trials || 0);
    if (text === '' || !Number.isInteger(index) || index < 0) {
      return storageStatus(`"${text}" is not a trial number: trials are numbered 0 to ${Math.max(0, stored - 1)}.`, true);
    }
    try {
      const view = await requests().ask({ type: 'replay', index });
      onReplay(view, index);
      storageStatus(`Trial ${index}: ${view.summary}.`);
    } catch (e) {
      storageStatus(e.message, true);
    }
  });
  $('clear').addEventListener('click', async () => {
    if (!confirm('Delete every stored trial and recording from this browser? Export first to keep them.')) return;
    try {
      await requests().ask({ type: 'clear' });
      storageStatus('Cleared.');
    } catch (e) {
      storageStatus(`Nothing was cleared: ${e.message}.`, true);
    }
    showStorage();
  });
  let defaults = null;
  let total = 0;
  let seconds = [];
  let state = 'idle'; // idle | running | paused | done
  const fitness = fitnessPlot($('plot'));
  exportButtons($('plot-exports'), 'copy-fitness', () => plotTable(fitness.plot), () => fitness.plot.ctx.canvas);

  const setState = (next) => {
    state = next;
    $('start').disabled = next === 'running' || next === 'paused';
    $('pause').disabled = !(next === 'running' || next === 'paused');
    $('pause').textContent = next === 'paused' ? 'Resume' : 'Pause';
    document.body.dataset.evolve = next;
  };
  setState('idle');

  $('evolve-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!defaults) return;
    const config = structuredClone(defaults);
    config.task = $('task').value;
    config.maze_size = Number($('maze-size').value);
    config.strategy.kind = $('strategy').value;
    config.strategy.population = Number($('population').value);
    const generations = Number($('generations').value);
    if (!Number.isInteger(config.strategy.population) || !Number.isInteger(generations) || generations < 1) {
      $('evolve-error').textContent = 'population and generations must be whole numbers, generations at least 1';
      return;
    }
    $('evolve-error').textContent = '';
    total = generations;
    seconds = [];
    fitness.clear();
    worker.postMessage({ type: 'evolve', config, generations });
  });
  $('pause').addEventListener('click', () => {
    worker.postMessage({ type: state === 'paused' ? 'resume' : 'pause' });
    $('export-now').hidden = true;
    setState(state === 'paused' ? 'running' : 'paused');
  });

  return {
    setDefaults(config) {
      defaults = config;
    },
    evolving(scene) {
      setState('running');
      $('progress-text').textContent = `generation 0 / ${total}`;
      onScene(scene);
    },
    generation({ view, stored, seconds: s }) {
      const { report, evaluation, path } = view;
      seconds.push(s);
      const done = report.generation + 1;
      fitness.add(done, report.best, report.mean, report.success);
      const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
      const eta = Math.round(mean * (total - done));
      $('progress-bar').style.width = `${(100 * done) / total}%`;
      $('progress-bar').setAttribute('aria-valuenow', String(Math.round((100 * done) / total)));
      $('progress-text').textContent = `generation ${done} / ${total} · ${s.toFixed(2)} s per generation · ETA ${clock(eta)}` +
        ` · best ${report.best.toFixed(3)} · population success ${(100 * report.success).toFixed(1)}% · mean policy from every start ${(100 * evaluation).toFixed(0)}%`;
      document.body.dataset.generations = String(done);
      onPath(path);
      showStorage(stored);
    },
    done({ demonstration }) {
      setState('done');
      $('progress-text').textContent += ` · finished; the copy's demonstration from every start: ${(100 * demonstration).toFixed(0)}% success`;
      showStorage();
    },
    /** Storing failed: evolution waits, paused, with the generation's trials kept in the worker. */
    paused({ message, full }) {
      $('evolve-error').textContent = message;
      $('export-now').hidden = !full;
      setState('paused');
    },
    error(message) {
      $('evolve-error').textContent = message;
      if (state === 'running' || state === 'paused') setState('done');
    },
  };
}
