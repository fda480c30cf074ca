// The experiment of paper 3.8 on the page: a copy per corner command evolves while hearing it,
// every trial is stored, ONE consolidates on the stored traces alone, and is judged on the
// validation speakers (the success table). Then "talk to ONE": the utterance last played,
// recorded or imported in the command panel is what ONE hears, and it walks the maze. "Copy link"
// puts the settings in the URL (link.js); opening such a link runs that experiment.

import { linkHash, readLink } from './link.js';
import { clock } from './clock.js';
import { settingsFields, showSettings, readSettings, settingName } from './settings.js';
import { drawHeatmap } from './heatmap.js';
import { timeline } from './timeline.js';
import { copiesPlot, lossPlot } from './plots.js';

const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;

/** `lastHeard()` gives the command panel's last utterance: {audio, command} or null; `ask`
 * sends a request to the worker (ask.js). */
export function experimentPanel(worker, ask, lastHeard) {
  let limit = 1;
  let tasks = [];
  let commands = [];
  let total = 1; // work units: one per copy, one per consolidation
  let units = 0; // units finished
  let started = 0;
  const life = timeline($('experiment-timeline'));
  const copiesCurve = copiesPlot($('copies-plot'));
  const losses = lossPlot($('experiment-loss-plot'), 200);
  const SHOWN = ['tasks', 'generations', 'consolidation.updates', 'consolidate_each']; // the form's first row

  const status = (text, bad = false) => {
    $('experiment-status').textContent = text;
    $('experiment-status').className = bad ? 'error-line' : 'status-line';
  };
  let at = 0; // the work units the bar shows
  const progress = (done, text) => {
    at = done;
    const share = Math.min(1, done / total);
    const elapsed = (performance.now() - started) / 1000;
    const eta = share > 0 ? elapsed * (1 - share) / share : 0;
    $('experiment-bar').style.width = `${100 * share}%`;
    $('experiment-bar').setAttribute('aria-valuenow', String(Math.round(100 * share)));
    $('experiment-text').textContent = `${text} · ${clock(elapsed)} elapsed${share > 0 && share < 1 ? ` · ETA ${clock(eta)}` : ''}`;
  };

  // The settings the form shows (the first row, and every other setting under "All settings"),
  // over `base` (the defaults, or a share link's settings); null, with the reason shown, when a
  // field cannot be read.
  let base = null;
  function formConfig() {
    const chosen = [...document.querySelectorAll('#experiment-form input[name="corner"]:checked')].map((c) => c.value);
    const generations = Number($('experiment-generations').value);
    const updates = Number($('experiment-updates').value);
    if (chosen.length < 2) return invalid('Pick at least two commands: ONE must hear which one is meant.');
    if (!Number.isInteger(generations) || generations < 1) return invalid('Generations per copy must be a whole number of at least 1.');
    if (!Number.isInteger(updates) || updates < 1) return invalid('Consolidation updates must be a whole number of at least 1.');
    const config = structuredClone(base);
    const unread = readSettings($('experiment-settings'), config);
    if (unread) return invalid(unread);
    config.tasks = chosen;
    config.generations = generations;
    config.consolidation.updates = updates;
    config.consolidate_each = $('experiment-each').checked;
    return config;
  }
  function invalid(message) {
    status(message, true);
    $('experiment-start').disabled = true;
    document.body.dataset.settings = 'invalid';
    return null;
  }
  function showConfig(config) {
    base = structuredClone(config);
    for (const box of document.querySelectorAll('#experiment-form input[name="corner"]')) box.checked = config.tasks.includes(box.value);
    $('experiment-generations').value = String(config.generations);
    $('experiment-updates').value = String(config.consolidation.updates);
    $('experiment-each').checked = config.consolidate_each;
    showSettings($('experiment-settings'), config);
  }
  // Settings are checked as they are typed, by the same Rust code that runs the experiment; the
  // answer to an older keystroke is ignored.
  let checking = 0;
  let running = false;
  $('experiment-form').addEventListener('input', async (event) => {
    const seq = ++checking;
    const mark = (bad) => event.target.setAttribute?.('aria-invalid', String(bad));
    for (const field of document.querySelectorAll('#experiment-form [aria-invalid]')) field.removeAttribute('aria-invalid');
    const config = formConfig();
    if (!config) return mark(true);
    try {
      await ask({ type: 'check-experiment', config });
      if (seq !== checking) return;
      status('');
      $('experiment-start').disabled = running;
      document.body.dataset.settings = 'valid';
    } catch (e) {
      if (seq !== checking) return;
      const field = event.target.dataset?.path ? `${settingName(event.target)}: ` : '';
      invalid(field + e.message);
      mark(true);
    }
  });
  /** Shows an experiment under `config` as running, `elapsed` seconds in. */
  function prepare(config, elapsed) {
    tasks = config.tasks;
    limit = config.generations;
    total = tasks.length + (config.consolidate_each ? tasks.length : 1);
    units = 0;
    started = performance.now() - 1000 * elapsed;
    $('resume-offer').hidden = true;
    life.clear();
    copiesCurve.reset(tasks);
    losses.clear();
    $('experiment-rows').replaceChildren();
    $('retention-head').replaceChildren(row(['after learning', ...tasks, ''], 'th'));
    $('retention-rows').replaceChildren();
    $('experiment-verdict').textContent = '';
    setRunning(true);
    $('talk').disabled = true;
    document.body.dataset.experiment = 'running';
    delete document.body.dataset.consolidationSteps;
  }
  function start(config, fromLink) {
    prepare(config, 0);
    status(fromLink ? 'Running the experiment this link describes…' : 'Starting…');
    worker.postMessage({ type: 'experiment', config });
  }

  $('resume-run').addEventListener('click', () => {
    $('resume-offer').hidden = true;
    worker.postMessage({ type: 'resume-checkpoint' });
  });
  $('resume-discard').addEventListener('click', () => {
    $('resume-offer').hidden = true;
    worker.postMessage({ type: 'discard-checkpoint' });
    status('The interrupted experiment was discarded; its trials are still stored.');
  });

  $('experiment-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const config = formConfig();
    if (config) start(config, false);
  });

  let paused = false;
  $('experiment-pause').addEventListener('click', () => {
    worker.postMessage({ type: paused ? 'experiment-resume' : 'experiment-pause' });
    if (paused) setPaused(false);
  });
  $('experiment-step').addEventListener('click', () => worker.postMessage({ type: 'experiment-step' }));
  function setPaused(value) {
    paused = value;
    $('experiment-pause').textContent = paused ? 'Resume' : 'Pause';
    $('experiment-step').disabled = !paused;
    document.body.dataset.experimentPaused = String(paused);
  }
  function setRunning(value) {
    running = value;
    $('experiment-start').disabled = running;
    $('experiment-pause').disabled = !running;
    if (!running) {
      setPaused(false);
      $('experiment-step').disabled = true;
    }
  }

  $('copy-link').addEventListener('click', async () => {
    const config = formConfig();
    if (!config) return;
    const hash = await linkHash(config);
    history.replaceState(null, '', hash);
    $('share-link').value = location.href;
    $('share-link').hidden = false;
    try {
      await navigator.clipboard.writeText(location.href);
      status('The link is on the clipboard: opening it runs this experiment with these settings.');
    } catch {
      status('The link is below (this browser did not allow the clipboard): opening it runs this experiment.');
    }
  });

  $('talk').addEventListener('click', () => {
    const heard = lastHeard();
    if (!heard) return status('Play, record or import a command in the command panel first: that is what ONE will hear.', true);
    const k = commands.indexOf(heard.command);
    if (k < 0) return status(`"${heard.command}" is not one of this experiment's commands (${commands.join(', ')}).`, true);
    worker.postMessage({ type: 'talk', k, audio: Float32Array.from(heard.audio) });
  });

  const row = (cells, tag = 'td') => {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement(tag);
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  };
  /** A row of the retention matrix, each success shaded from red (0) to green (1). */
  const retentionRow = (r) => {
    const tr = row([r.learned.join(', '), ...r.success.map(pct), r.accepted ? 'accepted' : 'rejected']);
    r.success.forEach((v, j) => {
      tr.children[j + 1].style.background = `hsl(${Math.round(120 * v)} 60% 85%)`;
    });
    return tr;
  };

  return {
    setDefaults(config) {
      settingsFields($('experiment-settings'), config, SHOWN);
      showConfig(config);
    },
    /** Runs the experiment a share link carries; a bad link is named and the defaults shown. */
    async openLink(hash) {
      const link = await readLink(hash);
      if (!link) return;
      if (link.error) {
        status(link.error + ' The default settings are shown instead.', true);
        document.body.dataset.link = 'refused';
        return;
      }
      let config;
      try {
        config = await ask({ type: 'check-experiment', config: link.config });
      } catch (e) {
        status(`The link's settings were refused: ${e.message}. The default settings are shown instead.`, true);
        document.body.dataset.link = 'refused';
        return;
      }
      showConfig(config);
      document.body.dataset.link = 'opened';
      start(config, true);
    },
    /** A checkpoint of an interrupted experiment was found: offer to resume it. */
    offer({ phase, k, tasks: saved, trials, generation, update, at, size }) {
      const where = phase === 'copy' ? `copy ${k + 1} of ${saved.length} (${saved[k]}) after generation ${generation}`
        : phase === 'read' ? `before ONE's consolidation on ${saved.slice(0, k + 1).join(', ')}`
        : phase === 'consolidate' ? `in ONE's consolidation on ${saved.slice(0, k + 1).join(', ')} after update ${update}`
        : `after copy ${k + 1} of ${saved.length} (${saved[k]})`;
      const minutes = Math.round((Date.now() - at) / 60000);
      $('resume-text').textContent = `An experiment was interrupted ${minutes < 1 ? 'less than a minute' : `${minutes} min`} ago, ` +
        `${where}, with ${trials} trials stored. Resume goes on from there (the step in flight is run again); ` +
        'Discard forgets the run and keeps its trials.';
      $('resume-offer').hidden = false;
      document.body.dataset.checkpointBytes = String(size);
      document.body.dataset.checkpointTrials = String(trials);
      document.body.dataset.checkpointGeneration = String(generation);
      document.body.dataset.checkpointUpdate = String(update);
    },
    /** The worker resumed the checkpoint: the page shows the run where it was. */
    resumed({ config, phase, k, trials, generation, update, retention, elapsed }) {
      showConfig(config);
      prepare(config, elapsed);
      units = (phase === 'copy' ? k : k + 1) + retention.length;
      $('retention-rows').replaceChildren(...retention.map(retentionRow));
      if (phase === 'copy') life.begin('copy', `copy ${k + 1}: ${tasks[k]}, resumed`);
      progress(units, `resumed with ${trials} trials stored`);
      status(`Resumed ${phase === 'copy' ? `copy ${k + 1} (${tasks[k]}) at generation ${generation + 1}`
        : phase === 'consolidate' ? `ONE's consolidation at update ${update + 1}` : 'where the run stopped'}.`);
      document.body.dataset.resumed = phase;
    },
    copy({ k, task }) {
      life.begin('copy', `copy ${k + 1}: ${task}`);
      progress(units, `copy ${k + 1} of ${tasks.length} (${task}) evolving`);
    },
    generation({ k, view }) {
      const g = view.report.generation;
      life.tick();
      copiesCurve.add(k, g, view.evaluation);
      progress(units + Math.min(0.95, (g + 1) / limit), `copy ${k + 1} of ${tasks.length}, generation ${g + 1}: ` +
        `population ${pct(view.report.success)}, mean policy ${pct(view.evaluation)} on validation speakers`);
      if (document.body.dataset.resumed && !document.body.dataset.firstAfterResume) document.body.dataset.firstAfterResume = `${k}:${g}`;
      const count = Number(document.body.dataset.experimentGenerations || 0) + 1;
      document.body.dataset.experimentGenerations = String(count);
      if (count === 1) {
        document.body.dataset.firstFitness = `${view.report.best} ${view.report.mean}`;
        // Milliseconds from opening the page (or link) to the first generation's report.
        document.body.dataset.firstGenerationMs = String(Math.round(performance.now()));
      }
    },
    demonstrated({ k, shown, spread }) {
      units += 1;
      status(`Copy ${k + 1} (${tasks[k]}) demonstrated its corner to the training speakers: ${pct(shown)} success.`);
      $('weights').hidden = false;
      const { lo, hi } = drawHeatmap($('weights'), spread);
      $('weights-caption').textContent = `Spread of each weight over the trials of ${k + 1} cop${k ? 'ies' : 'y'}: ` +
        `standard deviation from ${(10 ** lo).toExponential(1)} (dark blue) to ${(10 ** hi).toExponential(1)} (yellow), log scale; black: never varied. ` +
        `Columns: what each unit reads (${spread.col_blocks.map((b) => b[0]).join(', ')}); rows: ${spread.row_blocks.map((b) => b[0]).join(', ')}.`;
      document.body.dataset.weights = String(k + 1);
    },
    consolidating({ imitated, predicted, heldOut, updates, learned }) {
      life.begin('consolidate', `ONE consolidates ${learned.join(', ')}`);
      losses.clear();
      status(`ONE consolidates on ${imitated} demonstrations to imitate and ${predicted} traces to predict ` +
        `(${heldOut} failed ones held out), ${updates} updates, without a step in the maze.`);
    },
    /** A step with no progress of its own (reading the store, judging): named, the bar held. */
    phase({ text }) {
      progress(at, `${text}…`);
    },
    update({ report, updates }) {
      const done = report.update + 1;
      if (document.body.dataset.resumed && !document.body.dataset.firstUpdateAfterResume) document.body.dataset.firstUpdateAfterResume = String(report.update);
      life.tick();
      losses.add(done, report.imitation, report.prediction);
      progress(units + done / updates, `consolidation update ${done} / ${updates} · imitation ` +
        `${report.imitation.toFixed(3)} · prediction ${report.prediction.toFixed(4)}`);
    },
    judged({ judgement, heldOutBefore, heldOutAfter, consolidationSteps, seconds, last, trials }) {
      units += 1;
      document.body.dataset.experimentTrials = String(trials);
      life.mark(judgement.accepted, `${judgement.retention.learned.join(', ')}: ${judgement.verdict}`);
      $('retention-rows').append(retentionRow(judgement.retention));
      document.body.dataset.retentionRows = String($('retention-rows').children.length);
      commands = judgement.rows.map((r) => r.command);
      $('experiment-rows').replaceChildren(...judgement.rows.map((r) =>
        row([r.command, String(r.copy_generations), pct(r.copy), pct(r.copy_shuffled), pct(r.one), pct(r.one_shuffled), pct(r.chance), pct(r.one_cross),
          r.one_recordings == null ? '–' : `${pct(r.one_recordings)} (${r.recordings})`])));
      $('experiment-verdict').textContent = `${judgement.verdict}. Environment steps during consolidation: ${consolidationSteps}. ` +
        `Prediction error on held-out failed traces: ${heldOutBefore.toFixed(4)} before, ${heldOutAfter.toFixed(4)} after.`;
      $('experiment-verdict').className = judgement.accepted ? 'verdict ok' : 'verdict bad';
      document.body.dataset.consolidationSteps = String(Number(document.body.dataset.consolidationSteps || 0) + consolidationSteps);
      if (!last) return;
      progress(total, `done in ${clock(seconds.total)} (${clock(seconds.evolving)} evolving, ${clock(seconds.consolidating)} consolidating and judging)`);
      status(`Talk to ONE: play, record or import one of the commands above, then press "Talk to ONE". ` +
        (judgement.accepted ? '' : 'ONE was not accepted, so you talk to the rejected candidate.'));
      setRunning(false);
      $('talk').disabled = false;
      document.body.dataset.experiment = 'done';
      document.body.dataset.experimentSeconds = String(seconds.total);
    },
    talking({ command }) {
      status(`ONE hears "${command}" at the start of each episode (held in place while it listens), then walks: see the maze.`);
      document.body.dataset.talking = command;
    },
    paused() {
      setPaused(true);
      status('Paused after the running step. Step runs one generation (or one consolidation update); Resume goes on.');
    },
    error({ message }) {
      status(message, true);
      setRunning(false);
      document.body.dataset.experiment = 'error';
    },
  };
}
