// The experiment of paper 3.8 on the page: a copy per corner command evolves while hearing it,
// every trial is stored, ONE consolidates on the stored traces alone, and is judged on the
// validation speakers (the success table). Then "talk to ONE": the utterance last played,
// recorded or imported in the command panel is what ONE hears, and it walks the maze.

const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const clock = (s) => `${Math.floor(s / 60)}:${String(Math.round(s) % 60).padStart(2, '0')}`;

/** `lastHeard()` gives the command panel's last utterance: {audio, command} or null. */
export function experimentPanel(worker, lastHeard) {
  let defaults = null;
  let tasks = [];
  let commands = [];
  let total = 1; // work units: one per copy, one for consolidation
  let started = 0;

  const status = (text, bad = false) => {
    $('experiment-status').textContent = text;
    $('experiment-status').className = bad ? 'error-line' : 'status-line';
  };
  const progress = (done, text) => {
    const share = Math.min(1, done / total);
    const elapsed = (performance.now() - started) / 1000;
    const eta = share > 0 ? elapsed * (1 - share) / share : 0;
    $('experiment-bar').style.width = `${100 * share}%`;
    $('experiment-bar').setAttribute('aria-valuenow', String(Math.round(100 * share)));
    $('experiment-text').textContent = `${text} · ${clock(elapsed)} elapsed${share > 0 && share < 1 ? ` · ETA ${clock(eta)}` : ''}`;
  };

  $('experiment-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = [...document.querySelectorAll('#experiment-form input[name="corner"]:checked')].map((c) => c.value);
    const generations = Number($('experiment-generations').value);
    const updates = Number($('experiment-updates').value);
    if (chosen.length < 2) return status('Pick at least two commands: ONE must hear which one is meant.', true);
    if (!Number.isInteger(generations) || generations < 1) return status('Generations per copy must be a whole number of at least 1.', true);
    if (!Number.isInteger(updates) || updates < 1) return status('Consolidation updates must be a whole number of at least 1.', true);
    const config = structuredClone(defaults);
    config.tasks = chosen;
    config.generations = generations;
    config.consolidation.updates = updates;
    tasks = chosen;
    total = chosen.length + 1;
    started = performance.now();
    $('experiment-rows').replaceChildren();
    $('experiment-verdict').textContent = '';
    $('experiment-start').disabled = true;
    $('talk').disabled = true;
    document.body.dataset.experiment = 'running';
    status('Starting…');
    worker.postMessage({ type: 'experiment', config });
  });

  $('talk').addEventListener('click', () => {
    const heard = lastHeard();
    if (!heard) return status('Play, record or import a command in the command panel first: that is what ONE will hear.', true);
    const k = commands.indexOf(heard.command);
    if (k < 0) return status(`"${heard.command}" is not one of this experiment's commands (${commands.join(', ')}).`, true);
    worker.postMessage({ type: 'talk', k, audio: Float32Array.from(heard.audio) });
  });

  const row = (cells) => {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  };

  return {
    setDefaults(config) {
      defaults = config;
      $('experiment-generations').value = String(config.generations);
      $('experiment-updates').value = String(config.consolidation.updates);
    },
    copy({ k, task }) {
      progress(k, `copy ${k + 1} of ${tasks.length} (${task}) evolving`);
    },
    generation({ k, view }) {
      const g = view.report.generation;
      progress(k + Math.min(0.95, (g + 1) / defaults.generations), `copy ${k + 1} of ${tasks.length}, generation ${g + 1}: ` +
        `population ${pct(view.report.success)}, mean policy ${pct(view.evaluation)} on validation speakers`);
      document.body.dataset.experimentGenerations = String(Number(document.body.dataset.experimentGenerations || 0) + 1);
    },
    demonstrated({ k, shown }) {
      status(`Copy ${k + 1} (${tasks[k]}) demonstrated its corner to the training speakers: ${pct(shown)} success.`);
    },
    consolidating({ imitated, predicted, heldOut, updates }) {
      status(`ONE consolidates on ${imitated} demonstrations to imitate and ${predicted} traces to predict ` +
        `(${heldOut} failed ones held out), ${updates} updates, without a step in the maze.`);
    },
    update({ report, updates }) {
      const done = report.update + 1;
      progress(tasks.length + done / updates, `consolidation update ${done} / ${updates} · imitation ` +
        `${report.imitation.toFixed(3)} · prediction ${report.prediction.toFixed(4)}`);
    },
    done({ judgement, heldOutBefore, heldOutAfter, consolidationSteps, seconds }) {
      commands = judgement.rows.map((r) => r.command);
      total = 1;
      progress(1, `done in ${clock(seconds.total)} (${clock(seconds.evolving)} evolving, ${clock(seconds.consolidating)} consolidating and judging)`);
      $('experiment-rows').replaceChildren(...judgement.rows.map((r) =>
        row([r.command, String(r.copy_generations), pct(r.copy), pct(r.copy_shuffled), pct(r.one), pct(r.one_shuffled), pct(r.chance), r.one_recordings == null ? '–' : pct(r.one_recordings)])));
      $('experiment-verdict').textContent = `${judgement.verdict}. Environment steps during consolidation: ${consolidationSteps}. ` +
        `Prediction error on held-out failed traces: ${heldOutBefore.toFixed(4)} before, ${heldOutAfter.toFixed(4)} after.`;
      $('experiment-verdict').className = judgement.accepted ? 'verdict ok' : 'verdict bad';
      status(`Talk to ONE: play, record or import one of the commands above, then press "Talk to ONE". ` +
        (judgement.accepted ? '' : 'ONE was not accepted, so you talk to the rejected candidate.'));
      $('experiment-start').disabled = false;
      $('talk').disabled = false;
      document.body.dataset.experiment = 'done';
      document.body.dataset.experimentSeconds = String(seconds.total);
      document.body.dataset.consolidationSteps = String(consolidationSteps);
    },
    talking({ command }) {
      status(`ONE hears "${command}" at the start of each episode (held in place while it listens), then walks: see the maze.`);
      document.body.dataset.talking = command;
    },
    error(message) {
      status(message, true);
      $('experiment-start').disabled = false;
      document.body.dataset.experiment = 'error';
    },
  };
}
