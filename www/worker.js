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
// The experiment of paper 3.8: its run (wasm, crate/src/lifecycle/life.rs) and its timings.
let experiment = null;
let stepping = false;
let mode = 'walk'; // walk | evolve | paused | consolidate | experiment | experiment-paused | done
// Phase A's generation whose storing failed: stored first on resume.
let unstored = null;
// Phase B: the copies' settings (ONE's shape and seed), the running consolidation and its state.
let settings = null;
let consolidator = null;
let consolidation = null;
let updatesLeft = 0;
let evolver = null;
let generationsLeft = 0;
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

const busy = () => mode === 'evolve' || mode === 'consolidate' || mode === 'experiment';

// Commands, once the lab has started; each does what the mode allows and says why not otherwise.
const commands = {
  evolve(data) {
    try {
      evolver = lab.evolver(data.config);
    } catch (e) {
      post('evolve-error', { message: text(e) });
      return;
    }
    generationsLeft = data.generations;
    settings = data.config;
    mode = 'evolve';
    post('evolving', { scene: evolver.scene() });
  },
  pause() {
    if (mode === 'evolve') mode = 'paused';
  },
  resume() {
    if (mode === 'paused') mode = 'evolve';
  },
  consolidate(data) {
    if (!settings) return post('consolidation-error', { message: 'Evolve a copy first: consolidation learns from its stored traces.' });
    if (mode === 'evolve' || mode === 'consolidate') return post('consolidation-error', { message: 'Wait until the running phase has finished.' });
    updatesLeft = data.updates;
    consolidation = { config: data.config, started: null };
    mode = 'consolidate';
  },
  experiment(data) {
    if (busy()) return post('experiment-error', { message: 'Wait until the running phase has finished.' });
    if (!speech) return post('experiment-error', { message: 'The command corpus has not loaded, and the experiment needs it.' });
    try {
      experiment = following(lab.experiment(data.config, speech), data.config);
    } catch (e) {
      post('experiment-error', { message: text(e) });
      return;
    }
    mode = 'experiment';
  },
  'resume-checkpoint'() {
    if (busy() || !speech) return post('experiment-error', { message: 'Wait until the running phase has finished.' });
    resumeCheckpoint().catch((e) => post('experiment-error', { message: `The saved experiment could not be resumed: ${text(e)}` }));
  },
  'discard-checkpoint'() {
    clearCheckpoint().catch((e) => post('experiment-error', { message: text(e) }));
  },
  'experiment-pause'() {
    if (mode !== 'experiment') return;
    // Takes effect after the step in flight, if any: the loop says so when it ends.
    mode = 'experiment-paused';
    if (!stepping) pauseNow();
  },
  'experiment-resume'() {
    if (mode === 'experiment-paused') mode = 'experiment';
  },
  'experiment-step'() {
    // One step while paused: a generation of the evolving copy, or one consolidation update.
    if (mode === 'experiment-paused' && !stepping) {
      runExperimentStep().then(() => mode === 'experiment-paused' && sayPaused(true));
    }
  },
  talk(data) {
    // The experiment panel talks to its experiment's ONE; the "Talk to ONE" box to `current`.
    const listener = data.one === 'experiment' ? experiment : current;
    if (data.one === 'experiment' && (mode === 'experiment' || !experiment)) return post('experiment-error', { message: 'Talking to ONE needs a finished experiment.' });
    if (!listener) return post('talk-error', { message: 'There is no ONE to talk to yet.' });
    // Talking takes the maze: a phase running or paused is left alone, and says so.
    if (busy() || mode === 'paused' || mode === 'experiment-paused') {
      return post('talk-error', { message: 'A phase of the lab is running or paused: talk to ONE once it is done.' });
    }
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
    } else if (mode === 'evolve') {
      if (!unstored) {
        const started = performance.now();
        let view;
        try {
          view = await evolver.generation();
        } catch (e) {
          const lost = await deviceLost();
          if (lost) await recoverOnCpu();
          mode = 'done';
          post('evolve-error', { message: lost ? 'The GPU device was lost mid-run; the lab now runs on the CPU path: start the evolution again.' : text(e) });
          continue;
        }
        unstored = { trials: evolver.drainTrials(), policies: evolver.drainPolicies(), view, started };
      }
      const storing = performance.now();
      try {
        await addGeneration(unstored.trials, unstored.policies);
      } catch (e) {
        mode = 'paused';
        post('evolve-paused', storageFailed(e, 'evolution'));
        continue;
      }
      const { view, started, trials } = unstored;
      unstored = null;
      const stored = { trials: trials.length, seconds: (performance.now() - storing) / 1000 };
      post('generation', { view, stored, seconds: (performance.now() - started) / 1000 });
      generationsLeft -= 1;
      if (generationsLeft <= 0) {
        mode = 'done';
        // The finished copy shows its skill from every start: the traces consolidation imitates.
        try {
          const demonstration = await evolver.demonstrate();
          await addGeneration(evolver.drainTrials(), evolver.drainPolicies());
          post('evolve-done', { demonstration });
        } catch (e) {
          post('evolve-error', { message: `The copy's demonstration was not stored: ${text(e)}` });
        }
      }
      await sleep(0);
    } else if (mode === 'experiment' && !stepping) {
      await runExperimentStep();
      if (mode === 'experiment-paused') sayPaused(false);
      await sleep(0);
    } else if (mode === 'consolidate') {
      try {
        await consolidateStep();
      } catch (e) {
        mode = 'done';
        post('consolidation-error', { message: text(e) });
      }
      await sleep(0);
    } else {
      await sleep(100);
    }
  }
}

/** Phase B, one update per call: the first call reads every stored trial and starts ONE's
 * consolidation on them; the last measures prediction on the held-out failures again. */
async function consolidateStep() {
  if (!consolidation.started) {
    const records = [];
    await trialBatches({}, 4096, (batch) => { records.push(...batch); });
    consolidator = lab.consolidator(settings, consolidation.config, records);
    consolidation.started = performance.now();
    consolidation.heldOutBefore = await consolidator.heldOut();
    const [imitated, predicted, heldOut] = consolidator.pools();
    post('consolidating', { imitated, predicted, heldOut, heldOutBefore: consolidation.heldOutBefore, updates: updatesLeft });
  }
  const report = await consolidator.step();
  updatesLeft -= 1;
  post('consolidation-update', { report, seconds: (performance.now() - consolidation.started) / 1000 });
  if (updatesLeft <= 0) {
    mode = 'done';
    post('consolidation-done', { heldOutBefore: consolidation.heldOutBefore, heldOutAfter: await consolidator.heldOut() });
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

/** One experiment step, never two at once. */
async function runExperimentStep() {
  stepping = true;
  try {
    await experimentStep();
  } catch (e) {
    if (await deviceLost()) {
      await recoverOnCpu();
      return;
    }
    mode = 'done';
    post('experiment-error', { message: text(e) });
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
 * last checkpoint (the step in flight is run again; its trials were not stored). */
async function recoverOnCpu() {
  const reason = lab.deviceLost;
  const resumes = mode.startsWith('experiment');
  lab = await startLab(false);
  experiment = null;
  if (mode === 'evolve' || mode === 'consolidate') mode = 'done';
  post('device-lost', { reason, resumes, fallbackReason: `the GPU device was lost: ${reason}` });
  if (speech) post('rates', { rates: await lab.calibrate(speech) });
  if (resumes) await resumeCheckpoint();
  else if (mode !== 'done') mode = 'walk';
}

/** Pauses between two steps; where the run stands is saved first if the last step left it
 * unsaved (a consolidation saves every 10 s), so a reload while paused loses nothing. */
async function pauseNow() {
  const x = experiment;
  if (x.unsaved) {
    stepping = true;
    try {
      await save(x);
    } catch (e) {
      x.failed = storageFailed(e, 'the experiment');
    } finally {
      stepping = false;
    }
  }
  sayPaused(false);
}

/** The worker's record of an experiment `run` under `config`, or, from a checkpoint's `saved`
 * record, going on where that left off: the seconds spent evolving and consolidating, and of
 * them storing the trials and reading them back. */
function following(run, config, saved = null) {
  const now = performance.now();
  return {
    run, config, started: now - (saved ? saved.elapsed * 1000 : 0), savedAt: now, unsaved: false, unstored: null,
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
  experiment = following(run, saved.config, saved);
  mode = 'experiment';
  const { phase, k, trials, generation, update } = saved.standing;
  post('experiment-resumed', { config: saved.config, phase, k, trials, generation, update, retention: run.retention(), elapsed: saved.elapsed, scene: run.copyScene(), curve: run.curve() });
}

// What each of the experiment's steps shows on the page (the event kinds of life.rs's `Event`).
const EVOLVING = ['copy', 'generation', 'demonstrated'];
const shows = {
  copy: (x, e) => post('experiment-copy', { k: e.k, task: e.task, scene: x.run.copyScene() }),
  generation: (x, e, took) => post('experiment-generation', { k: e.k, view: { report: e.report, evaluation: e.success, done: e.done, path: e.path }, took }),
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
};

/** The experiment, one step per call (crate/src/lifecycle/life.rs): the run steps, the page is
 * shown what happened, and the step's trials are stored with the checkpoint of where the run
 * now stands, in one transaction (during consolidation, which makes no trials, the checkpoint
 * is saved every 10 s and on pause). Storing that fails pauses the run, the step's trials kept
 * to be stored first on resume. */
async function experimentStep() {
  const x = experiment;
  if (!x.unstored) {
    const began = performance.now();
    const event = await x.run.step();
    const took = (performance.now() - began) / 1000;
    x.seconds[EVOLVING.includes(event.kind) ? 'evolving' : 'consolidating'] += took;
    if (event.kind === 'read-traces') return readTraces(x, event.tasks);
    shows[event.kind](x, event, took);
    x.unsaved = true;
    if (event.last) {
      mode = 'done';
      return clearCheckpoint();
    }
    if (event.kind === 'update' && mode !== 'experiment-paused' && performance.now() - x.savedAt < 10_000) return;
  }
  try {
    await save(x);
  } catch (e) {
    mode = 'experiment-paused';
    x.failed = storageFailed(e, 'the experiment');
  }
}

/** Says the experiment is paused: after a step the user asked for (`stepped`), or because
 * storing failed (with why). */
function sayPaused(stepped) {
  post('experiment-paused', { stepped, ...experiment.failed });
  experiment.failed = null;
}

/** Stores the trials since the last call with the checkpoint, or what waits unstored. */
async function save(x) {
  const t0 = performance.now();
  if (!x.unstored) {
    const { trials, policies } = x.run.drain();
    const { bytes, standing } = await x.run.checkpoint();
    const checkpoint = { standing, config: x.config, seconds: x.seconds, elapsed: (t0 - x.started) / 1000, saved: Date.now(), bytes };
    x.unstored = { trials, policies, checkpoint };
  }
  await addGeneration(x.unstored.trials, x.unstored.policies, x.unstored.checkpoint);
  x.unstored = null;
  x.unsaved = false;
  x.savedAt = performance.now();
  x.seconds.storing += (x.savedAt - t0) / 1000;
}

/** Consolidation asked for the stored trials of `tasks`: read back from IndexedDB, with the
 * user's own recordings of the experiment's commands (the judgement's last column). */
async function readTraces(x, tasks) {
  post('experiment-phase', { text: `reading the ${x.run.trials()} stored trials of ${tasks.length} cop${tasks.length > 1 ? 'ies' : 'y'} from IndexedDB` });
  const t0 = performance.now();
  const records = [];
  for (const task of tasks) await trialBatches({ task }, 4096, (batch) => { records.push(...batch); });
  const commands = x.run.commands();
  x.run.clearRecordings();
  for (const r of await allRecordings()) {
    if (commands.includes(r.label)) x.run.addRecording(r.label, r.audio);
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
