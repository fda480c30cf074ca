// The Phase B panel: ONE itself (not a copy) trained by BPTT in the worker on every stored trace,
// imitating the copies' demonstrations and predicting its next observation and reward on all
// traces, failures included (paper 3.2). Live loss curves (uPlot) and the held-out check.
import { lossPlot } from './plots.js';
import { exportButtons, plotTable } from './exports.js';
import { clock } from './clock.js';

const $ = (id) => document.getElementById(id);

export function consolidatePanel(worker) {
  let defaults = null;
  let total = 0;
  const plot = lossPlot($('loss-plot'));
  exportButtons($('loss-plot-exports'), 'consolidation-losses', () => plotTable(plot.plot), () => plot.plot.ctx.canvas);

  const status = (text, bad = false) => {
    $('consolidate-status').textContent = text;
    $('consolidate-status').className = bad ? 'error-line' : 'status-line';
  };
  $('consolidate-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const updates = Number($('updates').value);
    const learningRate = Number($('consolidate-lr').value);
    if (!Number.isInteger(updates) || updates < 1 || !(learningRate > 0)) {
      status('updates must be a whole number of at least 1, and the learning rate positive', true);
      return;
    }
    begin(updates);
    status('Reading the stored traces…');
    document.body.dataset.consolidate = 'running';
    $('consolidate').disabled = true;
    worker.postMessage({ type: 'consolidate', config: { ...defaults, updates, learning_rate: learningRate } });
  });

  // Clears the curves for a consolidation of `updates` steps.
  function begin(updates) {
    total = updates;
    plot.clear();
  }

  const finish = () => {
    $('consolidate').disabled = false;
  };
  return {
    setDefaults(config) {
      defaults = config;
      $('consolidate-lr').value = String(Number(config.learning_rate.toPrecision(6)));
    },
    started({ imitated, predicted, heldOut, heldOutBefore }) {
      status(`Consolidating ONE on ${imitated} demonstrations to imitate and ${predicted} traces to predict; ` +
        `${heldOut} failed traces held out (prediction error ${heldOutBefore.toFixed(4)}). No environment step is taken.`);
    },
    update({ report, seconds }) {
      plot.add(report.update + 1, report.imitation, report.prediction);
      const done = report.update + 1;
      const eta = Math.round((seconds / done) * (total - done));
      $('consolidate-bar').style.width = `${(100 * done) / total}%`;
      $('consolidate-bar').setAttribute('aria-valuenow', String(Math.round((100 * done) / total)));
      $('consolidate-text').textContent = `update ${done} / ${total} · imitation ${report.imitation.toFixed(3)} · ` +
        `prediction ${report.prediction.toFixed(4)} · ETA ${clock(eta)}`;
      document.body.dataset.updates = String(done);
      if (done === 1) document.body.dataset.firstLoss = String(report.imitation + report.prediction);
      document.body.dataset.lastLoss = String(report.imitation + report.prediction);
    },
    done({ heldOutBefore, heldOutAfter }) {
      status(`Done. Prediction error on the held-out failed traces: ${heldOutBefore.toFixed(4)} before, ${heldOutAfter.toFixed(4)} after.`);
      document.body.dataset.consolidate = 'done';
      finish();
    },
    error(message) {
      status(message, true);
      document.body.dataset.consolidate = 'error';
      finish();
    },
  };
}
