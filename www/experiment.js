// The experiment of paper 3.8 on the page: a copy per command evolves while hearing it,
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
import { exportButtons, plotTable, save } from './exports.js';
import { duration, remaining, roughly } from './estimate.js';
import { OTHER_TAB } from './tablock.js';
import { goalCode } from './goals.js';

const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;

/** `lastHeard()` gives the command panel's last utterance: {audio, command} or null; `ask`
 * sends a request to the worker (ask.js); `lock` is the tab's (tablock.js). */
export function experimentPanel(worker, ask, lastHeard, lock) {
  const hold = lock.holder();
  let limit = 1;
  let tasks = [];
  let acceptance = 0.9; // the running experiment's acceptance threshold
  let commands = [];
  let total = 1; // work units: one per copy, one per consolidation
  let units = 0; // units finished
  let started = 0;
  const life = timeline($('experiment-timeline'));
  const copiesCurve = copiesPlot($('copies-plot'));
  const losses = lossPlot($('experiment-loss-plot'), 200);
  // The last judgement's table and every retention row, as computed, for the exports.
  let judged = [];
  let retained = [];
  const ROW = ['command', 'task', 'copy_generations', 'copy', 'copy_shuffled', 'one', 'one_shuffled', 'chance', 'one_cross', 'one_recordings', 'recordings'];
  exportButtons($('experiment-rows-exports'), 'experiment-results', () => ({ columns: ROW, rows: judged.map((r) => ROW.map((c) => r[c])) }));
  exportButtons($('retention-exports'), 'retention-matrix', () => ({
    columns: ['learned', ...tasks, 'accepted'],
    rows: retained.map((r) => [r.learned.join(' '), ...r.success, r.accepted]),
  }));
  exportButtons($('copies-plot-exports'), 'copies-success', () => plotTable(copiesCurve.plot()), () => copiesCurve.plot().ctx.canvas);
  exportButtons($('experiment-loss-exports'), 'experiment-losses', () => plotTable(losses.plot), () => losses.plot.ctx.canvas);
  // Shown in the form's first row; the copies' task is set per command by the experiment.
  const SHOWN = ['tasks', 'generations', 'consolidation.updates', 'consolidate_each', 'copy.task'];

  const status = (text, bad = false) => {
    $('experiment-status').textContent = text;
    $('experiment-status').className = bad ? 'error-line' : 'status-line';
  };
  // Duration estimates (estimate.js): the rates this device gave the worker's calibration, the
  // running experiment's cost, and where the run stands with what it measured so far.
  let rates = null;
  let cost = null;
  let run = null;
  const newRun = (config) => {
    const judgements = config.consolidate_each ? config.tasks.length : 1;
    return { limit: config.generations, finished: [], current: null, copiesLeft: config.tasks.length,
      updatesLeft: judgements * config.consolidation.updates, judgementsLeft: judgements, judgements,
      generationSeconds: 0, generations: 0, updateSeconds: 0, updates: 0 };
  };
  const eta = () => {
    if (!rates || !cost || !run) return '';
    const r = remaining(cost, rates, {
      ...run,
      secondsPerGeneration: run.generations ? run.generationSeconds / run.generations : null,
      secondsPerUpdate: run.updates ? run.updateSeconds / run.updates : null,
    });
    document.body.dataset.eta = String(Math.round(r.about));
    return r.atMost > 1.5 * r.about ? ` · ETA about ${clock(r.about)} (at most ${clock(r.atMost)})` : ` · ETA ${clock(r.about)}`;
  };
  let at = 0; // the work units the bar shows
  const progress = (done, text) => {
    at = done;
    const share = Math.min(1, done / total);
    const elapsed = (performance.now() - started) / 1000;
    $('experiment-bar').style.width = `${100 * share}%`;
    $('experiment-bar').setAttribute('aria-valuenow', String(Math.round(100 * share)));
    $('experiment-text').textContent = `${text} · ${clock(elapsed)} elapsed${share < 1 ? eta() : ''}`;
  };
  /** The duration `config` would take on this device, {about, atMost, where, cost}, or null before
   * the worker's calibration. */
  async function estimate(config) {
    if (!rates) return null;
    const cost = await ask({ type: 'experiment-cost', config });
    const where = document.body.dataset.backend === 'gpu' ? 'with WebGPU' : "on this browser's CPU path";
    return { ...duration(cost, rates), where, cost };
  }
  const spoken = (d) => (d.atMost > 1.5 * d.about ? `about ${roughly(d.about)} (at most ${roughly(d.atMost)})` : `about ${roughly(d.about)}`);
  /** Shows the estimate beside Run, with a warning when the settings could take hours or more
   * memory or storage than a browser tab has (a generation's trials over 1 GB in memory, the
   * stored trials over 2 GB at the 380 bytes each IndexedDB was measured to take). */
  async function showEstimate(config) {
    const d = await estimate(config);
    const box = $('experiment-estimate');
    if (!d) return (box.textContent = '');
    const gb = (bytes) => `${(bytes / 1e9).toFixed(bytes < 1e10 ? 1 : 0)} GB`;
    const warnings = [];
    if (d.atMost > 3600) warnings.push(`could take up to ${roughly(d.atMost)} ${d.where}`);
    if (d.cost.generation_bytes > 1e9) warnings.push(`need ${gb(d.cost.generation_bytes)} of memory for each generation's trials`);
    if (380 * d.cost.trials > 2e9) warnings.push(`store up to ${gb(380 * d.cost.trials)} of trials in this browser`);
    box.textContent = warnings.length ? `Warning: these settings ${warnings.join(', and ')}; fewer generations, ` +
      'consolidation updates or members make them smaller.' : `${spoken(d)} ${d.where}`;
    box.className = warnings.length ? 'estimate warn' : 'estimate';
    document.body.dataset.estimate = String(Math.round(d.about));
    document.body.dataset.estimateAtMost = String(Math.round(d.atMost));
  }

  // The settings the form shows (the first row, and every other setting under "All settings"),
  // over `base` (the defaults, or a share link's settings); null, with the reason shown, when a
  // field cannot be read.
  let base = null;
  let defaults = null; // the lab's default experiment, as the worker gave it
  // Each new experiment gets a fresh seed (ONE's, the copies' and the batches'), drawn by the
  // browser, unless the seed was typed or came with a share link (which so reproduces its run);
  // Start here keeps the lab's seed, with which it is known to succeed.
  let seedChosen = false;
  const freshSeed = (config) => {
    const seed = 1 + (crypto.getRandomValues(new Uint32Array(1))[0] % 0x7fffffff);
    config.copy.seed = seed;
    config.consolidation.seed = seed;
    return config;
  };
  /** After a run, the form's next experiment gets a new fresh seed, if the seed was not chosen. */
  const nextSeed = () => {
    const config = formConfig();
    if (!seedChosen && config) showConfig(freshSeed(config));
  };
  function formConfig() {
    const chosen = [...document.querySelectorAll('#experiment-form input[name="goal"]:checked')].map((c) => c.value);
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
    $('experiment-estimate').textContent = '';
    $('experiment-start').disabled = true;
    document.body.dataset.settings = 'invalid';
    return null;
  }
  function showConfig(config) {
    base = structuredClone(config);
    for (const box of document.querySelectorAll('#experiment-form input[name="goal"]')) box.checked = config.tasks.includes(box.value);
    $('experiment-generations').value = String(config.generations);
    $('experiment-updates').value = String(config.consolidation.updates);
    $('experiment-each').checked = config.consolidate_each;
    showSettings($('experiment-settings'), config);
    // A form filled by code fires no input event: its estimate is redone here (a share link's
    // settings can arrive after the device's rates, whose estimate was of the defaults).
    const shown = rates ? formConfig() : null;
    if (shown) showEstimate(shown).catch(() => {});
  }
  // Settings are checked as they are typed, by the same Rust code that runs the experiment; the
  // answer to an older keystroke is ignored.
  let checking = 0;
  let running = false;
  $('experiment-form').addEventListener('input', async (event) => {
    if (['setting-copy-seed', 'setting-consolidation-seed'].includes(event.target.id)) seedChosen = true;
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
      await showEstimate(config).catch(() => {});
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
    acceptance = config.accept;
    limit = config.generations;
    total = tasks.length + (config.consolidate_each ? tasks.length : 1);
    units = 0;
    started = performance.now() - 1000 * elapsed;
    $('resume-offer').hidden = true;
    $('link-offer').hidden = true;
    run = newRun(config);
    cost = null;
    ask({ type: 'experiment-cost', config }).then((c) => { cost = c; }, () => {});
    life.clear();
    copiesCurve.reset(tasks);
    losses.clear();
    $('experiment-rows').replaceChildren();
    $('retention-head').replaceChildren(row(['after learning', ...tasks, ''], 'th'));
    $('retention-rows').replaceChildren();
    judged = [];
    retained = [];
    $('experiment-verdict').textContent = '';
    setRunning(true);
    $('talk').disabled = true;
    document.body.dataset.experiment = 'running';
    delete document.body.dataset.consolidationSteps;
    delete document.body.dataset.pools;
  }
  const refuse = () => status(OTHER_TAB, true);
  async function start(config, fromLink) {
    if (!await hold.claim()) return refuse();
    prepare(config, 0);
    status(fromLink ? 'Running the experiment this link describes…' : 'Starting…');
    worker.postMessage({ type: 'experiment', config });
  }

  // The settings a share link carries, once read and checked (null without a usable link).
  let linked = Promise.resolve(null);
  /** One sentence of what an experiment does, for the offers. */
  /** Whether two experiments' settings are the same, each read as the lab reads it (so that a
   * number the form holds as 0.1 and a checked setting holds as f32 compare equal). */
  const sameSettings = async (a, b) => {
    const sorted = (v) => (v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((key) => [key, sorted(v[key])])) : v);
    const read = async (config) => JSON.stringify(sorted(await ask({ type: 'check-experiment', config })));
    try {
      return await read(a) === await read(b);
    } catch {
      return false;
    }
  };
  const describe = (config) => `${config.tasks.length} commands (${config.tasks.join(', ')}), up to ` +
    `${config.generations} generations per copy, ${config.consolidation.updates} consolidation updates, ONE of ` +
    `${config.copy.hidden} hidden units in a ${config.copy.maze_size}x${config.copy.maze_size} maze` +
    `${config.consolidate_each ? ', one command at a time' : ''}.`;
  // The "Start here" run: the reduced experiment CI checks (north east and south west, ONE of 16
  // hidden units, 1200 updates at learning rate 0.02): accepted on the CPU path in minutes.
  const startHere = () => {
    const config = structuredClone(defaults);
    config.tasks = ['ne', 'sw'];
    config.copy.hidden = 16;
    config.consolidation.updates = 1200;
    config.consolidation.learning_rate = 0.02;
    return config;
  };
  $('start-here-run').addEventListener('click', () => {
    const config = startHere();
    showConfig(config);
    start(config, false);
  });
  $('link-run').addEventListener('click', async () => {
    $('link-offer').hidden = true;
    start(await linked, true);
  });
  $('link-later').addEventListener('click', () => {
    $('link-offer').hidden = true;
    status("The link's settings are in the form below; Run the experiment starts them.");
  });
  $('resume-link').addEventListener('click', async () => {
    $('resume-offer').hidden = true;
    worker.postMessage({ type: 'discard-checkpoint' });
    start(await linked, true);
  });
  $('resume-run').addEventListener('click', async () => {
    $('resume-offer').hidden = true;
    if (!await hold.claim()) return refuse();
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
    worker.postMessage({ type: paused ? 'resume' : 'pause' });
    if (paused) setPaused(false);
  });
  $('experiment-step').addEventListener('click', () => worker.postMessage({ type: 'step' }));
  function setPaused(value) {
    paused = value;
    $('experiment-pause').textContent = paused ? 'Resume' : 'Pause';
    $('experiment-step').disabled = !paused;
    document.body.dataset.experimentPaused = String(paused);
  }
  function setRunning(value) {
    running = value;
    if (!running) hold.release();
    $('experiment-start').disabled = running;
    $('experiment-pause').disabled = !running;
    if (!running) {
      setPaused(false);
      $('experiment-step').disabled = true;
    }
  }

  // The form's settings as the JSON a share link carries: `onelab run --config FILE` runs them
  // headless, to the same results on the CPU path.
  $('settings-json').addEventListener('click', () => {
    const config = formConfig();
    if (config) save('experiment-settings.json', new Blob([JSON.stringify(config, null, 1)], { type: 'application/json' }));
  });
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
    worker.postMessage({ type: 'talk', k, audio: Float32Array.from(heard.audio), one: 'experiment' });
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
  /** What to change after a rejection: for each command ONE failed, whether its copy never
   * learned the corner (so ONE had incomplete demonstrations to imitate) or ONE did not absorb a
   * copy that did. */
  const advice = (judgement) => {
    if (judgement.accepted) return '';
    const need = acceptance;
    return judgement.rows.filter((r) => r.one < need).map((r) => (r.copy < need
      ? `The ${r.command} copy reached ${pct(r.copy)} in ${r.copy_generations} generations, so ONE had too few good demonstrations: give copies more generations (or more members). `
      : `ONE reached ${pct(r.one)} on ${r.command} though its copy reached ${pct(r.copy)}: give consolidation more updates. `)).join('');
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
    /** The form's settings, checked as the experiment's (null, the complaint shown, if not). */
    settings: () => formConfig(),
    setDefaults(config, choices) {
      defaults = structuredClone(config);
      settingsFields($('experiment-settings'), config, SHOWN, choices);
      showConfig(freshSeed(structuredClone(config)));
    },
    /** The worker measured this device: estimates can be shown. */
    rates(measured) {
      rates = measured;
      document.body.dataset.rates = `${measured.rollout.toExponential(2)} ${measured.bptt.toExponential(2)}`;
      const config = document.body.dataset.settings === 'invalid' ? null : formConfig();
      // Settings that do not check have their complaint shown already: no estimate for them.
      if (config) showEstimate(config).catch(() => {});
      estimate(startHere()).then((d) => {
        $('start-here-run').textContent = `Start here (about ${roughly(d.about)} ${d.where})`;
      });
    },
    /** Reads the experiment a share link carries and shows its settings; a bad link is named
     * and the defaults shown. Nothing runs until the user says so (`offer` or `offerLink`). A
     * life's link shows its settings here, the ones its life runs with, and goes to `life`. */
    readLink(hash, life) {
      linked = (async () => {
        const link = await readLink(hash);
        if (!link) return null;
        if (link.error) {
          status(link.error + ' The default settings are shown instead.', true);
          document.body.dataset.link = 'refused';
          return null;
        }
        const lived = link.kind === 'life';
        try {
          const config = await ask({ type: 'check-experiment', config: lived ? link.config?.experiment : link.config });
          // A task with a start region or a maze of its own ("ne@near", "ne/7x7") checks, but
          // the form has no box for it; a life's task space (its own field) holds it.
          const boxed = new Set([...document.querySelectorAll('#experiment-form input[name="goal"]')].map((b) => b.value));
          const unboxed = config.tasks.filter((t) => !boxed.has(t));
          if (unboxed.length && !lived) throw new Error(`task ${unboxed.join(', ')} has a start region, a maze, moves or listening steps of its own, which the experiment form cannot show (ONE's life below takes it in its task space; onelab run takes it)`);
          if (lived) {
            seedChosen = true;
            // The form shows the commands of the life's tasks (at least two, else its own).
            const goals = [...new Set(config.tasks.map(goalCode))];
            showConfig(goals.length >= 2 ? { ...config, tasks: goals } : { ...config, tasks: formConfig()?.tasks ?? config.tasks });
            document.body.dataset.link = 'life';
            life({ ...link.config, experiment: config });
            return null;
          }
          seedChosen = true;
          showConfig(config);
          document.body.dataset.link = 'read';
          return config;
        } catch (e) {
          status(`The link's settings were refused: ${e.message}. The default settings are shown instead.`, true);
          document.body.dataset.link = 'refused';
          return null;
        }
      })();
    },
    /** No interrupted experiment is stored: a share link asks before it computes anything. */
    async offerLink() {
      const config = await linked;
      if (!config) return;
      const d = await estimate(config);
      $('link-text').textContent = `Run this shared experiment? ${describe(config)}` +
        (d ? ` It takes ${spoken(d)} ${d.where}.` : '');
      $('link-offer').hidden = false;
      document.body.dataset.link = 'offered';
    },
    /** A checkpoint of an interrupted experiment was found: offer to resume it. A stored run wins
     * over a share link: the link's experiment is offered beside Resume, not run. */
    async offer({ phase, k, tasks: saved, trials, generation, update, at, size, config: interrupted }) {
      const where = phase === 'copy' ? `copy ${k + 1} of ${saved.length} (${saved[k]}) after generation ${generation}`
        : phase === 'read' ? `before ONE's consolidation on ${saved.slice(0, k + 1).join(', ')}`
        : phase === 'consolidate' ? `in ONE's consolidation on ${saved.slice(0, k + 1).join(', ')} after update ${update}`
        : `after copy ${k + 1} of ${saved.length} (${saved[k]})`;
      // The saved experiment of a run going on in another tab is not interrupted.
      if (await lock.otherTabRuns()) return refuse();
      const minutes = Math.round((Date.now() - at) / 60000);
      const config = await linked;
      // A link to the interrupted run's own settings (its Copy link) is no other experiment.
      const own = config && await sameSettings(config, interrupted);
      $('resume-text').textContent = `An experiment was interrupted ${minutes < 1 ? 'less than a minute' : `${minutes} min`} ago, ` +
        `${where}, with ${trials} trials stored. Resume goes on from there (the step in flight is run again); ` +
        'Discard forgets the run and keeps its trials.' +
        (own ? ' The link this page was opened with is this experiment\'s own.'
          : config ? ` This page was also opened with a link to another experiment: ${describe(config)}` : '');
      $('resume-link').hidden = !config || own;
      $('resume-offer').hidden = false;
      document.body.dataset.checkpointBytes = String(size);
      document.body.dataset.checkpointTrials = String(trials);
      document.body.dataset.checkpointGeneration = String(generation);
      document.body.dataset.checkpointUpdate = String(update);
    },
    /** The worker resumed the checkpoint: the page shows the run where it was. */
    resumed({ config, phase, k, trials, generation, update, retention, elapsed, curve }) {
      showConfig(config);
      prepare(config, elapsed);
      for (const [copy, g, success] of curve) copiesCurve.add(copy, g, success);
      units = (phase === 'copy' ? k : k + 1) + retention.length;
      run.copiesLeft = tasks.length - (k + 1);
      run.current = phase === 'copy' ? generation : null;
      run.judgementsLeft -= retention.length;
      run.updatesLeft -= retention.length * config.consolidation.updates + (phase === 'consolidate' ? update : 0);
      $('retention-rows').replaceChildren(...retention.map(retentionRow));
      retained = [...retention];
      if (phase === 'copy') life.begin('copy', `copy ${k + 1}: ${tasks[k]}, resumed`);
      progress(units, `resumed with ${trials} trials stored`);
      const lost = document.body.dataset.deviceLost;
      status(`${lost ? `The GPU device was lost (${lost}); on the CPU path now. ` : ''}` +
        `Resumed ${phase === 'copy' ? `copy ${k + 1} (${tasks[k]}) at generation ${generation + 1}`
        : phase === 'consolidate' ? `ONE's consolidation at update ${update + 1}` : 'where the run stopped'}.`);
      document.body.dataset.resumed = phase;
    },
    copy({ k, task }) {
      run.current = 0;
      run.copiesLeft -= 1;
      life.begin('copy', `copy ${k + 1}: ${task}`);
      progress(units, `copy ${k + 1} of ${tasks.length} (${task}) evolving`);
    },
    generation({ k, view, took }) {
      const g = view.report.generation;
      run.current = g + 1;
      run.generationSeconds += took;
      run.generations += 1;
      life.tick();
      copiesCurve.add(k, g, view.evaluation);
      progress(units + Math.min(0.95, (g + 1) / limit), `copy ${k + 1} of ${tasks.length}, generation ${g + 1}: ` +
        `population ${pct(view.report.success)}, mean policy ${pct(view.evaluation)} on validation speakers`);
      if (document.body.dataset.resumed && !document.body.dataset.firstAfterResume) document.body.dataset.firstAfterResume = `${k}:${g}`;
      const count = Number(document.body.dataset.experimentGenerations || 0) + 1;
      document.body.dataset.experimentGenerations = String(count);
      document.body.dataset.lastFitness = `${k} ${g} ${view.report.best} ${view.report.mean}`;
      if (count === 1) {
        document.body.dataset.firstFitness = `${view.report.best} ${view.report.mean}`;
        // Milliseconds from opening the page (or link) to the first generation's report.
        document.body.dataset.firstGenerationMs = String(Math.round(performance.now()));
      }
    },
    demonstrated({ k, shown, spread }) {
      units += 1;
      run.finished.push(run.current);
      run.current = null;
      status(`Copy ${k + 1} (${tasks[k]}) demonstrated its goal to the training speakers: ${pct(shown)} success.`);
      $('weights').hidden = false;
      const { lo, hi } = drawHeatmap($('weights'), spread);
      $('weights-caption').textContent = 'What to look for: dark cells are weights the copies never moved (shared by all ' +
        'of them; variance rates keep them still), bright rows are units the copies changed most. ' +
        `Spread of each weight over the trials of ${k + 1} cop${k ? 'ies' : 'y'}: ` +
        `standard deviation from ${(10 ** lo).toExponential(1)} (dark blue) to ${(10 ** hi).toExponential(1)} (yellow), log scale; black: never varied. ` +
        `Columns: what each unit reads (${spread.col_blocks.map((b) => b[0]).join(', ')}); rows: ${spread.row_blocks.map((b) => b[0]).join(', ')}.`;
      document.body.dataset.weights = String(k + 1);
    },
    consolidating({ imitated, predicted, heldOut, updates, learned }) {
      // Each consolidation's pools, for the tests: an experiment reads its own trials alone.
      document.body.dataset.pools = `${document.body.dataset.pools ?? ''}${imitated}/${predicted} `;
      life.begin('consolidate', `ONE consolidates ${learned.join(', ')}`);
      losses.clear();
      status(`ONE consolidates on ${imitated} demonstrations to imitate and ${predicted} traces to predict ` +
        `(${heldOut} failed ones held out), ${updates} updates, without a step in the maze.`);
    },
    /** A step with no progress of its own (reading the store, judging): named, the bar held. */
    phase({ text }) {
      progress(at, `${text}…`);
    },
    update({ report, updates, took }) {
      const done = report.update + 1;
      run.updatesLeft -= 1;
      run.updateSeconds += took;
      run.updates += 1;
      document.body.dataset.experimentUpdates = String(Number(document.body.dataset.experimentUpdates || 0) + 1);
      if (document.body.dataset.resumed && !document.body.dataset.firstUpdateAfterResume) document.body.dataset.firstUpdateAfterResume = String(report.update);
      life.tick();
      losses.add(done, report.imitation, report.prediction);
      document.body.dataset.lastLoss = `${report.update} ${report.imitation} ${report.prediction}`;
      progress(units + done / updates, `consolidation update ${done} / ${updates} · imitation ` +
        `${report.imitation.toFixed(3)} · prediction ${report.prediction.toFixed(4)}`);
    },
    judged({ judgement, heldOutBefore, heldOutAfter, consolidationSteps, seconds, last, trials }) {
      units += 1;
      run.judgementsLeft -= 1;
      document.body.dataset.experimentTrials = String(trials);
      life.mark(judgement.accepted, `${judgement.retention.learned.join(', ')}: ${judgement.verdict}`);
      $('retention-rows').append(retentionRow(judgement.retention));
      retained.push(judgement.retention);
      judged = judgement.rows;
      document.body.dataset.retentionRows = String($('retention-rows').children.length);
      commands = judgement.rows.map((r) => r.command);
      $('experiment-rows').replaceChildren(...judgement.rows.map((r) =>
        row([r.command, String(r.copy_generations), pct(r.copy), pct(r.copy_shuffled), pct(r.one), pct(r.one_shuffled), pct(r.chance), pct(r.one_cross),
          r.one_recordings == null ? '–' : `${pct(r.one_recordings)} (${r.recordings})`])));
      $('experiment-verdict').textContent = `${judgement.verdict}. ${advice(judgement)}Environment steps during consolidation: ` +
        `${consolidationSteps}. Prediction error on held-out failed traces: ${heldOutBefore.toFixed(4)} before, ${heldOutAfter.toFixed(4)} after.`;
      $('experiment-verdict').className = judgement.accepted ? 'verdict ok' : 'verdict bad';
      document.body.dataset.consolidationSteps = String(Number(document.body.dataset.consolidationSteps || 0) + consolidationSteps);
      if (!last) return;
      progress(total, `done in ${clock(seconds.total)} (${clock(seconds.evolving)} evolving, ${clock(seconds.storing)} of it storing ` +
        `the trials; ${clock(seconds.consolidating)} consolidating and judging, ${clock(seconds.reading)} of it reading them back)`);
      status(`Talk to ONE: play, record or import one of the commands above, then press "Talk to ONE". ` +
        (judgement.accepted ? '' : 'ONE was not accepted, so you talk to the rejected candidate.'));
      setRunning(false);
      nextSeed();
      $('talk').disabled = false;
      document.body.dataset.experiment = 'done';
      document.body.dataset.experimentSeconds = String(seconds.total);
    },
    talking({ command }) {
      status(`ONE hears "${command}" at the start of each episode (held in place while it listens), then walks: see the maze.`);
      document.body.dataset.talking = command;
    },
    /** Paused: as asked, or because storing the last step failed (`message`: why, and what to do). */
    paused({ stepped, message }) {
      setPaused(true);
      if (stepped) document.body.dataset.experimentSteps = String(Number(document.body.dataset.experimentSteps || 0) + 1);
      if (message) {
        document.body.dataset.experimentStorage = 'failed';
        return status(message, true);
      }
      status(`${stepped ? 'Paused again after one step.' : 'Paused after the running step.'} Step runs one step (a generation, ` +
        'a consolidation update, a demonstration or a judgement); Resume goes on.');
    },
    /** The worker lost the GPU and runs on the CPU path now; a running experiment resumes. */
    deviceLost({ reason, resumes }) {
      document.body.dataset.deviceLost = reason;
      if (resumes) status(`The GPU device was lost (${reason}). The experiment goes on from its last saved step on the CPU path.`);
    },
    error({ message }) {
      status(message, true);
      setRunning(false);
      document.body.dataset.experiment = 'error';
    },
  };
}
