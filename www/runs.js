// The runs the worker steps: Phase A and B by hand (crate/src/lifecycle/by_hand.rs), the
// experiment of paper 3.8 (life.rs) and ONE's life ordered by PowerPlay (powerplay.rs), all
// driven the same way: step, store the step's trials
// (with the experiment's checkpoint), show the page what happened; hand over the stored traces
// a consolidation asks for.
import { post, text } from './post.js';
import { addGeneration, allRecordings, clearCheckpoint, lastTrialKey, readCheckpoint, trialBatches } from './store.js';

// Each kind of run: its panel's error and pause messages, its name in a storage failure, and
// whether it keeps a checkpoint with its trials (and so goes on after a reload).
export const KINDS = {
  evolve: { error: 'evolve-error', paused: 'evolve-paused', what: 'evolution' },
  consolidate: { error: 'consolidation-error', what: 'consolidation' },
  experiment: { error: 'experiment-error', paused: 'experiment-paused', what: 'the experiment', saves: true },
  life: { error: 'life-error', paused: 'life-paused', what: "ONE's life", saves: true },
};

/** The worker's record of a `run` of `kind` under `config`, or, from a checkpoint's `saved`
 * record, going on where that left off: the seconds spent evolving and consolidating, and of
 * them storing the trials and reading them back; the step whose event waits to be shown
 * (`shown`) and its trials and checkpoint waiting to be stored (`unstored`). An experiment or
 * a life consolidates on its own trials, as `onelab run` and `onelab life` do with a fresh
 * store, not on every earlier run's that this browser keeps: `since` is the key of the last
 * record stored before it (null until its first step asks; a checkpoint of a lab version
 * before this has none, and such a run reads every stored trial, as it did). */
export function following(kind, run, config, saved = null) {
  const now = performance.now();
  return {
    kind, run, config, started: now - (saved ? saved.elapsed * 1000 : 0), savedAt: now, unsaved: false, unstored: null, shown: null,
    seconds: { evolving: 0, consolidating: 0, storing: 0, reading: 0, ...saved?.seconds },
    since: saved ? (saved.since ?? 0) : null,
  };
}

/** Why storing failed, for a pause of a run of `kind`: a full quota (`full`: the page offers
 * export) or another error; what was not stored waits in the worker, and nothing is dropped.
 * An experiment or a life reads its stored trials back, so clearing them is no way to make
 * room for it (the page refuses to, while it runs or waits). */
export function storageFailed(e, kind) {
  const { what, saves } = KINDS[kind];
  const full = e && e.name === 'QuotaExceededError';
  const room = saves ? "free other sites' data; this run's own trials stay, as it reads them back" : "clear them, or free other sites' data";
  return {
    full,
    message: full ? `Browser storage is full, so ${what} is paused; the last step's trials wait, unstored, and nothing is dropped. Export the traces, make room (${room}), then resume.`
      : `Storing the last step's trials failed, so ${what} is paused; they wait, unstored, for resume: ${text(e)}`,
  };
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
      post('experiment-judged', { judgement: e.judgement, heldOutBefore: e.held_out_before, heldOutAfter: e.held_out_after, consolidationSteps: e.env_steps_consolidation, seconds, last: e.last, trials: e.trials });
    },
  },
  // ONE's life: its own events (born, trying, outcome, over) and its candidate's experiment's.
  life: {
    born: (x) => post('life-state', { state: x.run.state(), text: 'The fresh ONE was measured at every command.' }),
    trying: (x, e) => post('life-trying', { candidate: e.candidate, before: e.before }),
    copy: (x) => post('life-copy', { scene: x.run.copyScene() }),
    generation: (x, e) => post('life-generation', { text: `its copy, generation ${e.report.generation + 1}: ${percent(e.success)} of start cells`, path: e.path }),
    demonstrated: (x, e) => post('life-progress', { text: `its copy demonstrates the skill: ${percent(e.shown)}` }),
    consolidating: (x, e) => post('life-progress', { text: `ONE consolidates on ${e.imitated} traces to imitate and ${e.predicted} to predict` }),
    update(x, e) {
      if (e.report.update % 100 === 99 || e.report.update + 1 === e.updates) post('life-progress', { text: `ONE's consolidation: update ${e.report.update + 1} of ${e.updates}; then ONE is judged at every command` });
    },
    outcome: (x) => post('life-state', { state: x.run.state(), text: '' }),
    over: (x, e) => post('life-over', { why: e.why, state: x.run.state(), seconds: (performance.now() - x.started) / 1000 }),
  },
};
const percent = (v) => `${(100 * v).toFixed(1)}%`;

/** A run, one step per call (crate/src/lifecycle/life.rs, by_hand.rs): the run steps, the
 * step's trials are stored with the checkpoint of where the run now stands, in one transaction,
 * and the page is shown what happened; resolves to that event. During consolidation, which
 * makes no trials, the experiment's checkpoint is saved every 10 s and when `paused`. Storing
 * that fails resolves to null with why in `x.failed` (the run must pause), the step's trials
 * and event kept to be stored and shown first at the next call; a step that only read the
 * traces resolves to null too. */
export async function step(x, paused) {
  if (x.since === null && KINDS[x.kind].saves) x.since = await lastTrialKey();
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
  const saves = KINDS[x.kind].saves;
  if (event.kind !== 'update' || (saves && (paused || performance.now() - x.savedAt >= 10_000))) {
    const began = performance.now();
    if (!await saveNow(x)) return null;
    x.seconds[EVOLVING.includes(event.kind) ? 'evolving' : 'consolidating'] += (performance.now() - began) / 1000;
  }
  x.shown = null;
  shows[x.kind][event.kind](x, event, took);
  if (saves && x.run.isDone()) await clearCheckpoint();
  return event;
}

/** Stores what the run left unstored, if anything; false when that failed (why: `x.failed`). */
export async function saveNow(x) {
  if (!x.unsaved) return true;
  try {
    await save(x);
    return true;
  } catch (e) {
    x.failed = storageFailed(e, x.kind);
    return false;
  }
}

/** Says run `x` is paused: after a step the user asked for (`stepped`), or because storing
 * failed (with why). Phase A's panel hears only the second. */
export function sayPaused(x, stepped) {
  const { kind, failed } = x;
  const always = kind === 'experiment' || kind === 'life';
  if (always || failed) post(KINDS[kind].paused, always ? { stepped, ...failed } : failed);
  x.failed = null;
}

/** Stores the trials since the last call with the experiment's checkpoint (none once it is
 * over), or what waits unstored. */
async function save(x) {
  const t0 = performance.now();
  if (!x.unstored) {
    const { trials, policies } = x.run.drain();
    let checkpoint;
    if (KINDS[x.kind].saves && !x.run.isDone()) {
      const { bytes, standing } = await x.run.checkpoint();
      checkpoint = { kind: x.kind, standing, config: x.config, seconds: x.seconds, elapsed: (t0 - x.started) / 1000, saved: Date.now(), since: x.since, bytes };
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
 * read back from IndexedDB, an experiment's or life's own (stored after `x.since`); the
 * experiment's, with the user's own recordings of its commands (the judgement's last column). */
async function readTraces(x, tasks) {
  const t0 = performance.now();
  const records = [];
  const keep = (batch) => { records.push(...batch); };
  const after = x.since ?? undefined;
  if (!tasks.length) await trialBatches({ after }, 4096, keep);
  for (const task of tasks) await trialBatches({ task, after }, 4096, keep);
  if (x.kind === 'experiment') {
    post('experiment-phase', { text: `reading the ${x.run.trials()} stored trials of ${tasks.length} cop${tasks.length > 1 ? 'ies' : 'y'} from IndexedDB` });
    const commands = x.run.commands();
    x.run.clearRecordings();
    for (const r of await allRecordings()) {
      if (commands.includes(r.label)) x.run.addRecording(r.label, r.audio);
    }
  }
  // Sorting them into consolidation's pools (and hearing what they heard, where the copies'
  // frames are not at hand) is part of reading them back.
  x.run.read(records);
  const took = (performance.now() - t0) / 1000;
  x.seconds.reading += took;
  x.seconds.consolidating += took;
  return null;
}

/** Offers the experiment or life a reload interrupted, if a checkpoint is stored. A life's
 * offer is its panel's; the experiment's panel hears there is no experiment to resume. */
export async function offerCheckpoint() {
  const saved = await readCheckpoint();
  if (saved?.kind === 'life') {
    const { standing, saved: at, bytes } = saved;
    post('life-found', { ...standing, at, size: bytes.length });
    post('checkpoint-none');
  } else if (saved && !saved.standing) {
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

/** The experiment or life saved in this browser, going on from its checkpoint on `lab` (refused
 * by name if none is saved or it cannot be read); the page is told where it stands. */
export async function resumed(lab, speech) {
  const saved = await readCheckpoint();
  if (!saved) throw new Error('no experiment is saved in this browser');
  if (saved.kind === 'life') {
    const run = lab.resumeLife(saved.bytes, speech);
    post('life-resumed', { state: run.state(), config: saved.config });
    return following('life', run, saved.config, saved);
  }
  const run = lab.resumeExperiment(saved.bytes, speech);
  const { phase, k, trials, generation, update } = saved.standing;
  post('experiment-resumed', { config: saved.config, phase, k, trials, generation, update, retention: run.retention(), elapsed: saved.elapsed, scene: run.copyScene(), curve: run.curve() });
  return following('experiment', run, saved.config, saved);
}
