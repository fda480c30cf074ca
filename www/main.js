// The page: draws the maze and the agent from the worker's messages; all computing is in the worker.
import { drawMaze } from './maze.js';
import { evolvePanel, showStorage } from './evolve.js';
import { commandPanel } from './commands.js';
import { consolidatePanel } from './consolidate.js';
import { experimentPanel } from './experiment.js';
import { lifePanel } from './life.js';
import { tabLock } from './tablock.js';
import { onePanel } from './one.js';
import { asker } from './ask.js';
import { persist } from './store.js';
import { goal as goalNamed, goalCode } from './goals.js';

const $ = (id) => document.getElementById(id);
const ACTIONS = ['N', 'E', 'S', 'W', 'stay'];
const TRAIL = 24;

const canvas = $('maze');
let scene = null;
let trail = [];
let reached = 0;
let ended = 0; // episodes over, reached or not: with `reached`, how well ONE follows a command

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

// Stored trials are ONE's memory: when the first is stored, ask the browser to keep them, and
// say whether it will.
let askedToKeep = false;
function askToKeep() {
  if (askedToKeep) return;
  askedToKeep = true;
  persist().then((kept) => {
    document.body.dataset.persisted = String(kept);
    $('storage-persist').textContent = kept ? 'This browser has promised to keep the lab\'s storage (persistent storage granted).'
      : 'This browser has not promised to keep the lab\'s storage: when its disk runs low it may clear the stored ' +
        'trials, recordings and any saved experiment. Export what you want to keep (installing the page or ' +
        'bookmarking it makes some browsers keep it).';
    $('storage-persist').hidden = false;
  }, () => {});
}

function showBackend({ backend, adapter, cores, fallbackReason }) {
  const el = $('backend');
  if (backend === 'gpu') {
    el.textContent = `ONE's forward pass runs in a WebGPU compute shader on ${adapter}.`;
    el.className = 'backend gpu';
  } else {
    const on = cores > 1 ? `, its copies' episodes and its training spread over ${cores} cores` : '';
    el.textContent = `ONE runs on the CPU path, in WebAssembly${on}: everything in the lab works, more slowly than on a ` +
      `GPU. (No WebGPU here: ${fallbackReason}.)`;
    el.className = 'backend cpu';
    $('parity').textContent = '';
  }
  document.body.dataset.backend = backend;
}

function showParity({ report, error }) {
  const el = $('parity');
  if (error) {
    el.textContent = `GPU vs CPU check failed to run: ${error}`;
    el.className = 'parity bad';
    return;
  }
  const ok = report.logits < 1e-4 && report.prediction < 1e-4 && report.hidden_state < 1e-4 && report.cell_state < 1e-4;
  const worst = Math.max(report.logits, report.prediction, report.hidden_state, report.cell_state);
  el.textContent = `GPU vs CPU check in this browser (${report.agents} agents, hidden ${report.hidden}, ${report.steps} steps): ` +
    `worst relative error ${worst.toExponential(1)} ${ok ? '✓' : '✗'}`;
  el.className = ok ? 'parity ok' : 'parity bad';
  document.body.dataset.parity = ok ? 'ok' : 'bad';
  document.body.dataset.parityWorst = String(worst);
}

/** ONE's prediction head in plain words: the walls it expects around it next, the cell it
 * expects to be in (the maze's own columns and rows, counted from 1 at the north-west corner;
 * a raw output outside the maze is clamped to its edge), and whether it expects the goal. */
function expects([n, e, s, w, x, y, goal]) {
  const walls = ['north', 'east', 'south', 'west'].filter((_, i) => [n, e, s, w][i] > 0.5);
  const cell = (v, size) => Math.min(size, Math.max(1, Math.round(v * (size - 1)) + 1));
  return `${walls.length ? `a wall to the ${walls.join(' and ')}` : 'no wall around it'}; to be at column ` +
    `${cell(x, scene.maze.width)}, row ${cell(y, scene.maze.height)}; ${goal > 0.5 ? 'to reach the goal' : 'no goal yet'}`;
}

function showFrame(frame) {
  if (frame.t === 1) trail = [];
  trail.push([frame.x, frame.y]);
  if (trail.length > TRAIL) trail.shift();
  if (frame.outcome === 'Reached') reached += 1;
  if (frame.outcome !== 'Running') ended += 1;
  drawMaze(canvas, scene, trail, [frame.x, frame.y]);
  $('episode').textContent = frame.episode + 1;
  $('step').textContent = frame.outcome === 'Running' ? frame.t : `${frame.t} (${frame.outcome === 'Reached' ? 'goal reached' : 'out of steps'})`;
  $('action').textContent = ACTIONS[frame.action];
  $('reward').textContent = `[${frame.reward.map((r) => r.toFixed(2)).join(', ')}]`;
  $('reached').textContent = reached;
  if (frame.prediction) $('prediction').textContent = expects(frame.prediction);
  $('probs').replaceChildren(...frame.probs.flatMap((p, a) => {
    const name = document.createElement('span');
    name.textContent = ACTIONS[a];
    const bar = document.createElement('div');
    bar.className = a === frame.action ? 'bar chosen' : 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${(p * 100).toFixed(1)}%`;
    bar.append(fill);
    const value = document.createElement('span');
    value.textContent = p.toFixed(2);
    return [name, bar, value];
  }));
  document.body.dataset.steps = String(Number(document.body.dataset.steps || 0) + 1);
  document.body.dataset.position = `${frame.x},${frame.y}`;
  Object.assign(document.body.dataset, { reached, ended });
}

// After each generation the best member's episode is replayed cell by cell. Its first cell is
// drawn at once: generations of a small copy can come faster than a replay's step, and each
// restarts the replay, so a first frame left to the timer would never be drawn (the maze of the
// copy before would stay).
let replay = null;
function animatePath(path) {
  clearInterval(replay);
  let i = 0;
  const step = () => {
    i = Math.min(i + 1, path.length);
    drawMaze(canvas, scene, path.slice(Math.max(0, i - TRAIL), i), path[i - 1]);
    if (i === path.length) clearInterval(replay);
  };
  replay = setInterval(step, 60);
  step();
}

let worker;
try {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
} catch (e) {
  showError(`This browser cannot start the simulator's worker: ${e.message}`);
}
worker?.addEventListener('error', (e) => showError(`The simulator failed to load: ${e.message || 'the worker script could not start'}`));
/** A maze and task ("sw", or "sw|ne|nw" with exits) whose episodes are replayed rather than
 * walked live, so the walking agent's statistics are hidden; the legend names the goal and the
 * note says what is replayed. */
function showReplayScene(next, note) {
  scene = next;
  const exits = next.task.name.split('|').slice(1);
  const goal = goalCode(next.task.name);
  $('goal-label').textContent = `goal (${goalNamed(goal)?.place ?? `cell ${goal}`})${exits.length ? '; grey: exits' : ''}`;
  $('walk-stats').hidden = true;
  $('walk-note').textContent = note;
  document.body.dataset.goal = goal;
}
const showCopyScene = (next) => showReplayScene(next, 'The maze replays the episode of the best member of the latest generation of the evolving copy.');

const panel = worker && evolvePanel(worker, () => requests, {
  onScene: showCopyScene,
  onPath: animatePath,
  onReplay(view, index) {
    showReplayScene({ maze: view.maze, task: view.task, start: view.start }, `The maze replays stored trial ${index}: ${view.summary}.`);
    animatePath(view.path);
  },
});

const requests = worker && asker(worker);
const commands = worker && commandPanel(requests.ask);
const phaseB = worker && consolidatePanel(worker);
const lock = tabLock();
const experiment = worker && experimentPanel(worker, requests.ask, () => commands.lastHeard(), lock);
const life = worker && lifePanel(worker, () => experiment.settings(), lock);
const one = worker && onePanel(worker, requests.ask, () => commands.heardOrSay());

// What the page does with each message of the worker (protocol.js lists them).
const fromWorkerHandlers = {
  'life-state': (data) => life.state(data),
  'life-trying': (data) => life.trying(data),
  'life-copy': (data) => showCopyScene(data.scene),
  'life-generation'(data) {
    life.progress(data);
    animatePath(data.path);
  },
  'life-progress': (data) => life.progress(data),
  'life-over': (data) => life.over(data),
  'life-paused': (data) => life.paused(data),
  'life-error': (data) => life.error(data),
  'life-found': (data) => life.found(data),
  'life-resumed': (data) => life.resumed(data),
  ready(data) {
    scene = data.scene;
    showBackend(data);
    trail = [scene.start];
    drawMaze(canvas, scene, trail, scene.start);
    panel.setDefaults(data.evolveDefaults);
    phaseB.setDefaults(data.consolidateDefaults);
    experiment.setDefaults(data.experimentDefaults, data.settingChoices);
  },
  'corpus-progress'(data) {
    // On a slow link the corpus takes a while the first time: the panels that wait for it say how
    // far it is (the Talk to ONE box until its first part has come and ONE can talk).
    const mb = (bytes) => (bytes / 1e6).toFixed(1);
    // A host that unpacks the .gz itself sends more bytes than its Content-Length says.
    const done = data.total >= data.loaded ? `${mb(data.loaded)} of ${mb(data.total)} MB` : `${mb(data.loaded)} MB`;
    $('speech-status').textContent = `Loading the command corpus: ${done}…`;
    if (!document.body.dataset.one) $('one-text').textContent = `Loading the voices ONE hears (the command corpus): ${done}…`;
  },
  'corpus-part'(data) {
    commands.catalogue(data.catalogue, false);
  },
  corpus(data) {
    commands.catalogue(data.catalogue);
    // The experiment needs the corpus: a share link is read once it is loaded, and offered
    // (never run) once the worker says whether an interrupted run is stored.
    experiment.readLink(location.hash, (link) => life.offerLink(link));
  },
  rates(data) {
    experiment.rates(data.rates);
  },
  'checkpoint-none'() {
    experiment.offerLink();
  },
  'experiment-copy'(data) {
    experiment.copy(data);
    showCopyScene(data.scene);
  },
  'experiment-generation'(data) {
    askToKeep();
    experiment.generation(data);
    animatePath(data.view.path);
  },
  'experiment-demonstrated'(data) {
    experiment.demonstrated(data);
    showStorage();
  },
  'experiment-consolidating'(data) {
    experiment.consolidating(data);
  },
  'experiment-phase'(data) {
    experiment.phase(data);
  },
  'experiment-update'(data) {
    experiment.update(data);
  },
  'experiment-judged'(data) {
    experiment.judged(data);
    showStorage();
  },
  'checkpoint-found'(data) {
    experiment.offer(data);
  },
  'experiment-resumed'(data) {
    experiment.resumed(data);
    showStorage();
    if (data.scene) showCopyScene(data.scene);
  },
  'experiment-paused'(data) {
    experiment.paused(data);
  },
  'experiment-error'(data) {
    experiment.error(data);
  },
  'device-lost'(data) {
    showBackend({ backend: 'cpu', cores: data.cores, fallbackReason: data.fallbackReason });
    experiment.deviceLost(data);
  },
  talking(data) {
    scene = data.scene;
    trail = [];
    reached = 0;
    ended = 0;
    $('walk-stats').hidden = false;
    $('goal-label').textContent = `goal: where "${data.command}" says${(data.scene.task.exits ?? []).length ? '; grey: the other corners, exits' : ''}`;
    $('walk-note').textContent = `ONE, consolidated, hears "${data.command}" for the first steps of each episode, held in place, then takes its most likely action.`;
    if (data.one === 'experiment') experiment.talking(data);
    else one.talking(data);
  },
  one(data) {
    one.one(data);
  },
  'one-missing'(data) {
    one.missing(data);
  },
  'talk-error'(data) {
    one.error(data);
  },
  evolving(data) {
    panel.evolving(data.scene);
  },
  generation(data) {
    askToKeep();
    panel.generation(data);
  },
  'evolve-done'(data) {
    panel.done(data);
  },
  'evolve-error'(data) {
    panel.error(data.message);
  },
  consolidating(data) {
    phaseB.started(data);
  },
  'consolidation-update'(data) {
    phaseB.update(data);
  },
  'consolidation-done'(data) {
    phaseB.done(data);
  },
  'consolidation-error'(data) {
    phaseB.error(data.message);
  },
  'evolve-paused'(data) {
    panel.paused(data);
  },
  'corpus-error'(data) {
    commands.error(data.message);
  },
  reply(data) {
    requests.reply(data);
  },
  parity(data) {
    showParity(data);
  },
  frame(data) {
    showFrame(data.frame);
  },
  error(data) {
    showError(data.message);
    $('backend').textContent = 'The simulator is not running.';
  },
};

worker?.addEventListener('message', ({ data }) => {
  if (Object.hasOwn(fromWorkerHandlers, data.type)) fromWorkerHandlers[data.type](data);
});
