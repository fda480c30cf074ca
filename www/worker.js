// The worker owns the wasm module and the GPU device, so that the page never waits on them.
// Its messages, both ways, are listed with their fields in protocol.js.
import init, { startLab, defaultEvolveConfig, defaultConsolidateConfig, defaultExperimentConfig, checkExperimentConfig, experimentCost, settingChoices, Speech, buildArchive, readArchive, replayTrial } from './pkg/onelab.js';
import { adapterLabel } from './adapter.js';
import { fromWorker, message } from './protocol.js';
import { addGeneration, trialBatches, allRecordings, allTrials, clearAll, clearCheckpoint, importAll, readCheckpoint, trialAt } from './store.js';

const STEP_MS = 90;
const post = (type, data = {}, transfer = []) => postMessage(message(fromWorker, type, data), transfer);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (e) => (e && e.message) || String(e);

let lab = null;
let speech = null;
// The run that steps (`following`): Phase A or B by hand (crate/src/lifecycle/by_hand.rs) or the
// experiment of paper 3.8 (life.rs), all driven the same way; and the last experiment's, which
// its panel talks to.
let running = null;
let experiment = null;
let stepping = false;
let mode = 'walk'; // walk | running | paused | done
// Phase B consolidates a ONE of the last Phase A copy's shape and seed: its settings.
let copies = null;
// The ONE the page's "Talk to ONE" box talks to and downloads: the pretrained one at first,
// then a loaded file's or the finished experiment's, whichever came last.
let current = null;

// The command corpus, checked against its manifest's checksums.
async function loadCorpus() {
  // Fetched beside the corpus, so that ONE can talk as soon as the corpus is read.
  const pretrained = fetch('pretrained/one.onelab').catch((e) => e);
  try {
    const [manifest, blob] = await Promise.all([
      fetch('corpus/manifest.json').then((r) => (r.ok ? r.text() : Promise.reject(new Error(`manifest.json: HTTP ${r.status}`)))),
      fetch('corpus/corpus.bin').then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`corpus.bin: HTTP ${r.status}`)))),
    ]);
    speech = new Speech(manifest, new Uint8Array(blob));
    post('corpus', { catalogue: speech.catalogue() });
    await loadPretrained(await pretrained);
    // What this device gives ONE's rollouts and consolidation: the page's duration estimates.
    post('rates', { rates: await lab.calibrate(speech) });
    await offerCheckpoint();
  } catch (e) {
    post('corpus-error', { message: `The command corpus could not be loaded: ${text(e)}` });
  }
}

/** The pretrained ONE the site ships (www/pretrained/one.onelab), from its fetch's `response`. */
async function loadPretrained(response) {
  let bytes;
  try {
    if (response instanceof Error) throw response;
    if (!response.ok) return post('one-missing', { message: `pretrained/one.onelab: HTTP ${response.status}` });
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    return post('one-missing', { message: text(e) });
  }
  try {
    post('one', setCurrent(lab.loadOne(bytes, speech), 'pretrained', bytes.length));
  } catch (e) {
    post('one-missing', { message: `the pretrained ONE was refused: ${text(e)}` });
  }
}

/** Makes `run` (a finished or loaded experiment) the ONE to talk to; what the page shows of it. */
function setCurrent(run, source, size) {
  current = { run, source };
  return { source, size, ...run.judged() };
}

async function answer(id, work) {
  try {
    const value = await work();
    post('reply', { id, value }, value instanceof Uint8Array ? [value.buffer] : []);
  } catch (e) {
    post('reply', { id, message: text(e) });
  }
}

/** An export file of every stored trial and recording. */
async function exportAll() {
  const trials = await allTrials();
  const recordings = (await allRecordings()).map((r) =>
    JSON.stringify({ ...r, audio: Array.from(r.audio), frames: Array.from(r.frames) }));
  return buildArchive(trials.map((t) => t.record), recordings);
}

/** Checks a whole export file, then adds everything in it in one transaction, or nothing. */
async function importFile(bytes) {
  const archive = readArchive(bytes);
  const recordings = archive.recordings.map((json, i) => {
    let r;
    try {
      r = JSON.parse(json);
    } catch {
      throw new Error(`recording ${i + 1} in the file is not valid JSON; nothing was imported`);
    }
    return { ...r, audio: Float32Array.from(r.audio), frames: Float32Array.from(r.frames) };
  });
  await importAll(archive.trials, recordings);
  return { trials: archive.trials.length, recordings: recordings.length };
}

// Requests (ask.js): each answered by one reply.
const requests = {
  utterance: (data) => speech.utterance(data.speaker, data.command),
  recording: (data) => speech.recording(data.samples, data.rate, data.label),
  wav: (data) => speech.wav(data.bytes, data.label),
  export: exportAll,
  'check-experiment': async (data) => checkExperimentConfig(data.config),
  'experiment-cost': async (data) => experimentCost(data.config, speech),
  import: (data) => importFile(data.bytes),
  // A ONE file, checked whole; the ONE talked to changes only when it is accepted.
  'load-one': async (data) => {
    if (!speech) throw new Error('the command corpus has not loaded yet, and ONE needs it to hear');
    return setCurrent(lab.loadOne(data.bytes, speech), 'file', data.bytes.length);
  },
  'download-one': async () => {
    if (!current) throw new Error('there is no ONE to download yet');
    return current.run.oneFile();
  },
  clear: clearAll,
  replay: async (data) => {
    if (!Number.isInteger(data.index) || data.index < 0) throw new Error(`${data.index} is not a trial number (0, 1, 2, ...)`);
    const trial = await trialAt(data.index);
    if (!trial) throw new Error(`there is no stored trial ${data.index}`);
    return replayTrial(trial.record);
  },
};

// Each kind of run: its panel's error and pause messages, and its name in a storage failure.
const KINDS = {
  evolve: { error: 'evolve-error', paused: 'evolve-paused', what: 'evolution' },
  consolidate: { error: 'consolidation-error', what: 'consolidation' },
  experiment: { error: 'experiment-error', paused: 'experiment-paused', what: 'the experiment' },
};
const busy = () => mode === 'running' || mode === 'paused';

/** Starts `make()`'s run of `kind` (refused by name while another runs or waits, paused). */
function start(kind, make, config) {
  if (busy()) return post(KINDS[kind].error, { message: 'Wait until the running phase has finished.' });
  try {
    running = following(kind, make(), config);
  } catch (e) {
    return post(KINDS[kind].error, { message: text(e) });
  }
  mode = 'running';
  return running;
}

// Commands, once the lab has started; each does what the mode allows and says why not otherwise.
const commands = {
  evolve(data) {
    const x = start('evolve', () => lab.evolver(data.config, data.generations), data.config);
    if (!x) return;
    copies = data.config;
    post('evolving', { scene: x.run.scene() });
  },
  consolidate(data) {
    if (!copies) return post('consolidation-error', { message: 'Evolve a copy first: consolidation learns from its stored traces.' });
    start('consolidate', () => lab.consolidator(copies, data.config), data.config);
  },
  experiment(data) {
    if (!speech) return post('experiment-error', { message: 'The command corpus has not loaded, and the experiment needs it.' });
    experiment = start('experiment', () => lab.experiment(data.config, speech), data.config) || experiment;
  },
  'resume-checkpoint'() {
    if (busy() || !speech) return post('experiment-error', { message: 'Wait until the running phase has finished.' });
    resumeCheckpoint().catch((e) => post('experiment-error', { message: `The saved experiment could not be resumed: ${text(e)}` }));
  },
  'discard-checkpoint'() {
    clearCheckpoint().catch((e) => post('experiment-error', { message: text(e) }));
  },
  pause() {
    if (mode !== 'running') return;
    // Takes effect after the step in flight, if any: the loop says so when it ends.
    mode = 'paused';
    if (!stepping) pauseNow();
  },
  resume() {
    if (mode === 'paused') mode = 'running';
  },
  step() {
    // One step while paused: a generation of the evolving copy, or one consolidation update.
    if (mode === 'paused' && !stepping) runStep().then(() => mode === 'paused' && sayPaused(true));
  },
  talk(data) {
    // The experiment panel talks to its experiment's ONE; the "Talk to ONE" box to `current`.
    const listener = data.one === 'experiment' ? experiment : current;
    if (data.one === 'experiment' && (!experiment || (running === experiment && mode === 'running'))) {
      return post('experiment-error', { message: 'Talking to ONE needs a finished experiment.' });
    }
    if (!listener) return post('talk-error', { message: 'There is no ONE to talk to yet.' });
    // Talking takes the maze: a phase running or paused is left alone, and says so.
    if (busy()) return post('talk-error', { message: 'A phase of the lab is running or paused: talk to ONE once it is done.' });
    try {
      const scene = lab.talk(listener.run, data.k, data.audio);
      mode = 'walk';
      post('talking', { scene, command: listener.run.commands()[data.k], one: data.one });
    } catch (e) {
      post(data.one === 'experiment' ? 'experiment-error' : 'talk-error', { message: text(e) });
    }
  },
};

onmessage = ({ data }) => {
  if (data.type === 'lose-device') return lab?.loseDevice();
  if (Object.hasOwn(requests, data.type)) return answer(data.id, () => requests[data.type](data));
  if (lab && Object.hasOwn(commands, data.type)) commands[data.type](data);
};

async function loop() {
  for (;;) {
    if (mode === 'walk') {
      try {
        post('frame', { frame: await lab.step() });
      } catch (e) {
        if (!await deviceLost()) throw e;
        await recoverOnCpu();
      }
      await sleep(STEP_MS);
    } else if (mode === 'running' && !stepping) {
      await runStep();
      if (mode === 'paused') sayPaused(false);
      await sleep(0);
    } else {
      await sleep(100);
    }
  }
}

/** Why storing failed, for a pause: a full quota (`full`: the page offers export) or another
 * error; what was not stored waits in the worker, and nothing is dropped. */
function storageFailed(e, what) {
  const full = e && e.name === 'QuotaExceededError';
  return {
    full,
    message: full ? `Browser storage is full, so ${what} is paused; the last step's trials wait, unstored, and nothing is dropped. Export the traces, make room (clear them, or free other sites' data), then resume.`
      : `Storing the last step's trials failed, so ${what} is paused; they wait, unstored, for resume: ${text(e)}`,
  };
}

/** One step of the running run, never two at once. */
async function runStep() {
  stepping = true;
  const x = running;
  try {
    await step(x);
  } catch (e) {
    if (await deviceLost()) return await recoverOnCpu();
    mode = 'done';
    post(KINDS[x.kind].error, { message: text(e) });
  } finally {
    stepping = false;
  }
}

/** Whether the GPU device was lost. A GPU step can fail (a buffer that will not map) before the
 * device's lost notice arrives, so a failure on the GPU path waits up to a second for it. */
async function deviceLost() {
  if (lab.backend !== 'gpu') return false;
  for (let i = 0; i < 20 && !lab.deviceLost; i++) await sleep(50);
  return Boolean(lab.deviceLost);
}

/** The GPU device was lost (a driver reset, the GPU taken by another program, a test's
 * lose-device): the lab starts again on the CPU path, and a running experiment goes on from its
 * last checkpoint (the step in flight is run again; its trials were not stored); a phase by
 * hand, which keeps no checkpoint, ends and says so. */
async function recoverOnCpu() {
  const reason = lab.deviceLost;
  const kind = busy() ? running.kind : null;
  const resumes = kind === 'experiment';
  lab = await startLab(false);
  experiment = null;
  post('device-lost', { reason, resumes, fallbackReason: `the GPU device was lost: ${reason}` });
  if (kind && !resumes) {
    mode = 'done';
    post(KINDS[kind].error, { message: 'The GPU device was lost mid-run; the lab now runs on the CPU path: start this phase again.' });
  }
  if (speech) post('rates', { rates: await lab.calibrate(speech) });
  if (resumes) await resumeCheckpoint();
  else if (mode !== 'done') mode = 'walk';
}

/** Pauses between two steps; where the run stands is saved first if the last step left it
 * unsaved (a consolidation saves every 10 s), so a reload while paused loses nothing. */
async function pauseNow() {
  const x = running;
  if (x.unsaved) {
    stepping = true;
    try {
      await save(x);
    } catch (e) {
      x.failed = storageFailed(e, KINDS[x.kind].what);
    } finally {
      stepping = false;
    }
  }
  sayPaused(false);
}

/** The worker's record of a `run` of `kind` under `config`, or, from a checkpoint's `saved`
 * record, going on where that left off: the seconds spent evolving and consolidating, and of
 * them storing the trials and reading them back; the step whose event waits to be shown
 * (`shown`) and its trials and checkpoint waiting to be stored (`unstored`). */
function following(kind, run, config, saved = null) {
  const now = performance.now();
  return {
    kind, run, config, started: now - (saved ? saved.elapsed * 1000 : 0), savedAt: now, unsaved: false, unstored: null, shown: null,
    seconds: { evolving: 0, consolidating: 0, storing: 0, reading: 0, ...saved?.seconds },
  };
}

/** Offers the experiment a reload interrupted, if a checkpoint is stored. */
async function offerCheckpoint() {
  const saved = await readCheckpoint();
  if (saved && !saved.standing) {
    // Saved by a version of the lab before its state machine: it cannot go on; its trials stay.
    await clearCheckpoint();
    post('checkpoint-none');
    post('experiment-error', { message: 'An experiment saved by an older version of the lab cannot be resumed; its trials are kept in this browser.' });
  } else if (saved) {
    const { standing, saved: at, bytes, config } = saved;
    post('checkpoint-found', { ...standing, at, size: bytes.length, config });
  } else {
    post('checkpoint-none');
  }
}

async function resumeCheckpoint() {
  const saved = await readCheckpoint();
  if (!saved) throw new Error('no experiment is saved in this browser');
  const run = lab.resumeExperiment(saved.bytes, speech);
  experiment = running = following('experiment', run, saved.config, saved);
  mode = 'running';
  const { phase, k, trials, generation, update } = saved.standing;
  post('experiment-resumed', { config: saved.config, phase, k, trials, generation, update, retention: run.retention(), elapsed: saved.elapsed, scene: run.copyScene(), curve: run.curve() });
}

// What each run's steps show on the page (the event kinds of life.rs's `Event`).
const EVOLVING = ['copy', 'generation', 'demonstrated'];
const view = (e) => ({ report: e.report, evaluation: e.success, done: e.done, path: e.path });
const shows = {
  evolve: {
    generation: (x, e, took) => post('generation', { view: view(e), stored: x.stored, seconds: took + x.stored.seconds }),
    demonstrated: (x, e) => post('evolve-done', { demonstration: e.shown }),
  },
  consolidate: {
    consolidating: (x, e) => post('consolidating', { imitated: e.imitated, predicted: e.predicted, heldOut: e.held_out, heldOutBefore: e.held_out_before, updates: e.updates }),
    update: (x, e) => post('consolidation-update', { report: e.report, seconds: x.seconds.consolidating }),
    consolidated: (x, e) => post('consolidation-done', { heldOutBefore: e.held_out_before, heldOutAfter: e.held_out_after }),
  },
  experiment: {
    copy: (x, e) => post('experiment-copy', { k: e.k, task: e.task, scene: x.run.copyScene() }),
    generation: (x, e, took) => post('experiment-generation', { k: e.k, view: view(e), took }),
    demonstrated: (x, e) => post('experiment-demonstrated', { k: e.k, shown: e.shown, spread: x.run.weightSpread() }),
    consolidating: (x, e) => post('experiment-consolidating', { imitated: e.imitated, predicted: e.predicted, heldOut: e.held_out, updates: e.updates, learned: e.learned, done: e.done }),
    update(x, e, took) {
      post('experiment-update', { report: e.report, updates: e.updates, took });
      if (e.report.update + 1 === e.updates) post('experiment-phase', { text: 'judging ONE and the copies at every command on the validation speakers' });
    },
    judged(x, e) {
      const seconds = { ...x.seconds, total: (performance.now() - x.started) / 1000 };
      if (e.last) post('one', setCurrent(x.run, 'experiment', 0));
      post('experiment-judged', { judgement: e.judgement, heldOutBefore: e.held_out_before, heldOutAfter: e.held_out_after, consolidationSteps: e.env_steps_consolidation, seconds, last: e.last, trials: e.trials });
    },
  },
};

/** A run, one step per call (crate/src/lifecycle/life.rs, by_hand.rs): the run steps, the
 * step's trials are stored with the checkpoint of where the run now stands, in one transaction,
 * and the page is shown what happened. During consolidation, which makes no trials, the
 * experiment's checkpoint is saved every 10 s and on pause. Storing that fails pauses the run,
 * the step's trials and event kept to be stored and shown first on resume. */
async function step(x) {
  if (!x.shown) {
    const began = performance.now();
    const event = await x.run.step();
    const took = (performance.now() - began) / 1000;
    x.seconds[EVOLVING.includes(event.kind) ? 'evolving' : 'consolidating'] += took;
    if (event.kind === 'read-traces') return readTraces(x, event.tasks);
    x.shown = { event, took };
    x.unsaved = true;
  }
  const { event, took } = x.shown;
  if (event.kind !== 'update' || (x.kind === 'experiment' && (mode === 'paused' || performance.now() - x.savedAt >= 10_000))) {
    try {
      await save(x);
    } catch (e) {
      mode = 'paused';
      x.failed = storageFailed(e, KINDS[x.kind].what);
      return;
    }
  }
  x.shown = null;
  shows[x.kind][event.kind](x, event, took);
  if (x.run.isDone()) {
    mode = 'done';
    if (x.kind === 'experiment') await clearCheckpoint();
  }
}

/** Says the run is paused: after a step the user asked for (`stepped`), or because storing
 * failed (with why). Phase A's panel hears only the second. */
function sayPaused(stepped) {
  const { kind, failed } = running;
  if (kind === 'experiment' || failed) post(KINDS[kind].paused, kind === 'experiment' ? { stepped, ...failed } : failed);
  running.failed = null;
}

/** Stores the trials since the last call with the experiment's checkpoint (none once it is
 * over), or what waits unstored. */
async function save(x) {
  const t0 = performance.now();
  if (!x.unstored) {
    const { trials, policies } = x.run.drain();
    let checkpoint;
    if (x.kind === 'experiment' && !x.run.isDone()) {
      const { bytes, standing } = await x.run.checkpoint();
      checkpoint = { standing, config: x.config, seconds: x.seconds, elapsed: (t0 - x.started) / 1000, saved: Date.now(), bytes };
    }
    x.unstored = { trials, policies, checkpoint };
  }
  const { trials, policies, checkpoint } = x.unstored;
  if (trials.length || checkpoint) await addGeneration(trials, policies, checkpoint);
  x.unstored = null;
  x.unsaved = false;
  x.savedAt = performance.now();
  x.stored = { trials: trials.length, seconds: (x.savedAt - t0) / 1000 };
  x.seconds.storing += x.stored.seconds;
}

/** Consolidation asked for the stored trials of `tasks` (of every task, when none is named):
 * read back from IndexedDB; the experiment's, with the user's own recordings of its commands
 * (the judgement's last column). */
async function readTraces(x, tasks) {
  const t0 = performance.now();
  const records = [];
  const keep = (batch) => { records.push(...batch); };
  if (!tasks.length) await trialBatches({}, 4096, keep);
  for (const task of tasks) await trialBatches({ task }, 4096, keep);
  if (x.kind === 'experiment') {
    post('experiment-phase', { text: `reading the ${x.run.trials()} stored trials of ${tasks.length} cop${tasks.length > 1 ? 'ies' : 'y'} from IndexedDB` });
    const commands = x.run.commands();
    x.run.clearRecordings();
    for (const r of await allRecordings()) {
      if (commands.includes(r.label)) x.run.addRecording(r.label, r.audio);
    }
  }
  x.seconds.reading += (performance.now() - t0) / 1000;
  x.run.read(records);
}

async function main() {
  try {
    await init();
  } catch (e) {
    post('error', { message: `The simulator (WebAssembly) failed to load: ${text(e)}` });
    return;
  }
  lab = await startLab('gpu' in navigator);
  const adapter = lab.backend === 'gpu' ? (await adapterLabel()) || lab.adapter : '';
  post('ready', { backend: lab.backend, adapter, fallbackReason: lab.fallbackReason, scene: lab.scene(), evolveDefaults: defaultEvolveConfig(), consolidateDefaults: defaultConsolidateConfig(), experimentDefaults: defaultExperimentConfig(), settingChoices: settingChoices() });
  await loadCorpus();
  if (lab.backend === 'gpu') {
    try {
      post('parity', { report: await lab.parity(7, 64, 20) });
    } catch (e) {
      post('parity', { error: text(e) });
    }
  }
  await loop();
}

main().catch((e) => post('error', { message: `The simulator stopped: ${text(e)}` }));
