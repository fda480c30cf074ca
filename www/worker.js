// The worker owns the wasm module and the GPU device, so that the page never waits on them.
// Its messages, both ways, are listed with their fields in protocol.js.
import init, { startLab, defaultEvolveConfig, defaultConsolidateConfig, defaultExperimentConfig, checkExperimentConfig, experimentCost, settingChoices, Speech } from './pkg/onelab.js';
import { adapterLabel } from './adapter.js';
import { currentFile, currentOne, loadOne, loadPretrained, setCurrent, talk } from './current.js';
import { post, reply, text } from './post.js';
import { KINDS, following, offerCheckpoint, resumed, saveNow, sayPaused, step } from './runs.js';
import { fetchCorpus, fetchPretrained } from './site.js';
import { startHelpers } from './helpers.js';
import { exportAll, importFile, replayStored } from './traces.js';
import { clearAll, clearCheckpoint } from './store.js';

const STEP_MS = 90;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let lab = null;
let speech = null;
// Whether `speech` is the whole corpus, not its first part (enough to talk, not to train).
let whole = false;
// The run that steps (runs.js): Phase A or B by hand or the experiment of paper 3.8; and the
// last experiment's, which its panel talks to.
let running = null;
let experiment = null;
let stepping = false;
let mode = 'walk'; // walk | running | paused | done
// Phase B consolidates a ONE of the last Phase A copy's shape and seed: its settings.
let copies = null;

// The command corpus and, fetched beside it so that ONE can talk as soon as the validation
// speakers have come (the corpus's first part), the pretrained ONE; then, the whole corpus read,
// this device's speeds and any experiment a reload interrupted.
async function loadCorpus() {
  const pretrained = fetchPretrained().catch((e) => e);
  const talkable = async (part) => {
    speech = new Speech(part.manifest, part.blob);
    post('corpus-part', { catalogue: speech.catalogue() });
    loadPretrained(lab, speech, await pretrained);
  };
  try {
    const { manifest, blob } = await fetchCorpus((loaded, total) => post('corpus-progress', { loaded, total }), talkable);
    // A first part, if there was one, has loaded the pretrained ONE already.
    const talked = speech !== null;
    speech = new Speech(manifest, blob);
    whole = true;
    post('corpus', { catalogue: speech.catalogue() });
    if (!talked) loadPretrained(lab, speech, await pretrained);
    // What this device gives ONE's rollouts and consolidation: the page's duration estimates.
    post('rates', { rates: await lab.calibrate(speech) });
    await offerCheckpoint();
  } catch (e) {
    post('corpus-error', { message: `The command corpus could not be loaded: ${text(e)}` });
  }
}

/** Clear and Import, refused while an experiment or a life is running or paused: it reads its
 * stored trials back, so the store cannot change under it. (Phase A by hand may clear: making
 * room when storage is full is how it goes on.) */
const storeAtRest = (work) => (data) => {
  if (busy() && KINDS[running.kind].saves) throw new Error(`${KINDS[running.kind].what} is ${mode} and keeps its trials in this store; clear or import once it has finished`);
  return work(data);
};

// Requests (ask.js): each answered by one reply.
const requests = {
  utterance: (data) => speech.utterance(data.speaker, data.command),
  recording: (data) => speech.recording(data.samples, data.rate, data.label),
  wav: (data) => speech.wav(data.bytes, data.label),
  export: exportAll,
  'check-experiment': async (data) => checkExperimentConfig(data.config),
  'experiment-cost': async (data) => {
    if (!whole) throw new Error('the command corpus is still loading');
    return experimentCost(data.config, speech);
  },
  import: storeAtRest((data) => importFile(data.bytes)),
  'load-one': async (data) => loadOne(lab, speech, data.bytes, 'file'),
  'download-one': async () => currentFile(),
  clear: storeAtRest(clearAll),
  replay: (data) => replayStored(data.index),
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
    if (!whole) return post('experiment-error', { message: 'The command corpus has not loaded, and the experiment needs it.' });
    experiment = start('experiment', () => lab.experiment(data.config, speech), data.config) || experiment;
  },
  life(data) {
    if (!whole) return post('life-error', { message: "The command corpus has not loaded, and ONE's life needs it." });
    start('life', () => lab.life(data.config, data.firstBudget, data.lastBudget, speech), data.config);
  },
  'resume-checkpoint': () => resumeSaved('experiment'),
  'resume-life': () => resumeSaved('life'),
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
    if (mode === 'paused' && !stepping) runStep().then(() => mode === 'paused' && sayPaused(running, true));
  },
  talk(data) {
    // The experiment panel talks to its experiment's ONE; the "Talk to ONE" box to `current`.
    const listener = data.one === 'experiment' ? experiment : currentOne();
    if (data.one === 'experiment' && (!experiment || (running === experiment && mode === 'running'))) {
      return post('experiment-error', { message: 'Talking to ONE needs a finished experiment.' });
    }
    if (!listener) return post('talk-error', { message: 'There is no ONE to talk to yet.' });
    // Talking takes the maze: a phase running or paused is left alone, and says so.
    if (busy()) return post('talk-error', { message: 'A phase of the lab is running or paused: talk to ONE once it is done.' });
    if (talk(lab, listener, data)) mode = 'walk';
  },
};

onmessage = ({ data }) => {
  if (data.type === 'lose-device') return lab?.loseDevice();
  if (Object.hasOwn(requests, data.type)) return reply(data.id, () => requests[data.type](data));
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
      // Paused during the step (a step awaits the GPU or the helper workers, so Pause can
      // arrive in it): where the run stands is saved first, as between steps; paused because
      // storing failed: said with why.
      if (mode === 'paused') await (running.failed ? sayPaused(running, false) : pauseNow());
      await sleep(0);
    } else {
      await sleep(100);
    }
  }
}

/** One step of the running run, never two at once. */
async function runStep() {
  stepping = true;
  const x = running;
  try {
    const event = await step(x, mode === 'paused');
    if (x.failed) mode = 'paused';
    else if (x.run.isDone()) mode = 'done';
    if (event?.last) post('one', setCurrent(x.run, 'experiment', 0));
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
  const resumes = Boolean(kind && KINDS[kind].saves);
  lab = await startLab(false);
  experiment = null;
  const cores = 1 + await startHelpers();
  post('device-lost', { reason, resumes, cores, fallbackReason: `the GPU device was lost: ${reason}` });
  if (kind && !resumes) {
    mode = 'done';
    post(KINDS[kind].error, { message: 'The GPU device was lost mid-run; the lab now runs on the CPU path: start this phase again.' });
  }
  if (whole) post('rates', { rates: await lab.calibrate(speech) });
  if (resumes) await resumeCheckpoint();
  else if (mode !== 'done') mode = 'walk';
}

/** Pauses between two steps; where the run stands is saved first if the last step left it
 * unsaved (a consolidation saves every 10 s), so a reload while paused loses nothing. */
async function pauseNow() {
  stepping = true;
  await saveNow(running);
  stepping = false;
  sayPaused(running, false);
}

/** A `kind` panel's Resume: goes on with the run saved in this browser, or says why not there. */
function resumeSaved(kind) {
  const error = (message) => post(KINDS[kind].error, { message });
  if (busy() || !whole) return error('Wait until the running phase has finished.');
  resumeCheckpoint().catch((e) => error(`The saved ${kind} could not be resumed: ${text(e)}`));
}

/** Goes on with the experiment or life saved in this browser. */
async function resumeCheckpoint() {
  running = await resumed(lab, speech);
  if (running.kind === 'experiment') experiment = running;
  mode = 'running';
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
  // Without a GPU, the CPU path's rollouts and consolidation use every core through helper workers.
  const cores = lab.backend === 'gpu' ? 1 : 1 + await startHelpers();
  post('ready', { backend: lab.backend, adapter, cores, fallbackReason: lab.fallbackReason, scene: lab.scene(), evolveDefaults: defaultEvolveConfig(), consolidateDefaults: defaultConsolidateConfig(), experimentDefaults: defaultExperimentConfig(), settingChoices: settingChoices() });
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
