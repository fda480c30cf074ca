// ONE's life ordered by PowerPlay (paper 3.14; crate/src/lifecycle/powerplay.rs): no one lists
// the commands. The worker tries candidates, a command of the experiment's settings above and a
// generation budget for its copy, cheapest first, and keeps one only if the command was new to
// ONE and ONE, consolidated on every stored trace, follows it and every command it had. This
// panel shows each candidate as it is tried and decided, the retention matrix and ACC/BWT/FWT.
import { linkHash } from './link.js';
import { OTHER_TAB } from './tablock.js';

const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const millions = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : `${Math.round(n / 1e3)} k`);
const points = (v) => (v === null || v === undefined ? '-' : `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)} points`);

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.append(td);
  }
  return tr;
}

/** The panel; `settings()` gives the experiment form's settings (null, with the complaint shown
 * there, when they do not check): its commands are the life's task space. `lock` is the tab's
 * (tablock.js): a life runs in one tab at a time, and never beside another tab's experiment. */
export function lifePanel(worker, settings, lock) {
  const hold = lock.holder();
  let paused = false;
  let steps = 0;
  const status = (text, bad = false) => {
    $('life-status').textContent = text;
    $('life-status').className = bad ? 'error-line' : 'status-line';
  };
  const running = (on) => {
    if (on) document.body.dataset.life = 'running';
    $('life-start').disabled = on;
    $('life-pause').disabled = !on;
    $('life-step').disabled = true;
    $('life-pause').textContent = 'Pause';
    paused = false;
    if (!on) hold.release();
  };
  const refuse = () => status(OTHER_TAB, true);

  function render(state) {
    const rows = $('life-rows');
    rows.replaceChildren(...state.tried.map((t, i) => {
      const after = t.after.map(([task, s]) => `${task} ${pct(s)}`).join(', ') || '-';
      const copy = t.copy ? `${pct(t.copy[1])} after ${t.copy[0]}` : '-';
      const tr = row([i + 1, t.candidate.task, t.candidate.budget, pct(t.before), copy, after, t.params ? t.params.toLocaleString('en') : '-', millions(t.env_steps), t.accepted ? 'accepted' : `rejected: ${t.why}`]);
      tr.className = t.accepted ? 'accepted' : 'rejected';
      return tr;
    }));
    $('life-retention-head').replaceChildren(row(['after', ...state.space]));
    $('life-retention-rows').replaceChildren(...state.retention.map((r, i) => {
      const tr = row([i === 0 ? '(fresh ONE)' : state.accepted[i - 1], ...r.map(pct)]);
      r.forEach((v, j) => { tr.children[j + 1].style.background = `hsl(${Math.round(120 * v)} 60% 85%)`; });
      return tr;
    }));
    const m = state.metrics;
    const size = ` ONE has ${state.params.toLocaleString('en')} parameters (${state.hidden} hidden units${state.grow ? `; each copy grows ${state.grow}` : ''}).`;
    // Compute: every candidate's environment steps, accepted or not, over the tasks accepted.
    const steps = state.tried.reduce((sum, t) => sum + t.env_steps, 0);
    const compute = ` ${millions(steps)} environment steps${state.accepted.length ? `, ${millions(steps / state.accepted.length)} per accepted task` : ''}.`;
    $('life-metrics').textContent = (m
      ? `${state.accepted.length} of ${state.space.length} tasks accepted after ${state.tried.length} candidates: ACC ${pct(m.acc)}, BWT ${points(m.bwt)}, FWT ${points(m.fwt)}.`
      : `${state.tried.length} candidates tried, none accepted yet.`) + size + compute;
    document.body.dataset.lifeTried = String(state.tried.length);
  }

  /** The life the forms describe, `{experiment, firstBudget, lastBudget}`, or null with why
   * (the units each copy grows are the experiment's `copy.grow`). */
  function formLife() {
    const settled = settings();
    if (!settled) return status('The experiment\'s settings above do not check yet (its status line says why); the life uses them.', true);
    const firstBudget = Number($('life-first').value);
    const lastBudget = Number($('life-last').value);
    if (![firstBudget, lastBudget].every((b) => Number.isInteger(b) && b >= 1)) return status('Budgets are whole numbers of generations, at least 1.', true);
    const grow = Number($('life-grow').value);
    if (!Number.isInteger(grow) || grow < 0) return status('Growth is a whole number of hidden units per copy, 0 or more.', true);
    const experiment = { ...settled, copy: { ...settled.copy, grow } };
    const space = $('life-space').value.split(',').map((t) => t.trim()).filter(Boolean);
    if (space.length) experiment.tasks = space;
    return { experiment, firstBudget, lastBudget };
  }
  async function start({ experiment: config, firstBudget, lastBudget }) {
    if (!await hold.claim()) return refuse();
    $('life-link-offer').hidden = true;
    steps = 0;
    $('life-rows').replaceChildren();
    $('life-retention-rows').replaceChildren();
    $('life-metrics').textContent = '';
    $('life-progress').textContent = '';
    running(true);
    status(`Starting ONE's life on ${config.tasks.join(', ')}…`);
    worker.postMessage({ type: 'life', config, firstBudget, lastBudget });
  }
  $('life-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const life = formLife();
    if (life) start(life);
  });
  $('life-copy-link').addEventListener('click', async () => {
    const life = formLife();
    if (!life) return;
    history.replaceState(null, '', await linkHash(life, 'life'));
    try {
      await navigator.clipboard.writeText(location.href);
      status('The link is on the clipboard: opening it offers this life, with these settings and seed.');
    } catch {
      status(`The link (this browser did not allow the clipboard): ${location.href}`);
    }
  });
  let linked = null;
  $('life-link-run').addEventListener('click', () => start(linked));
  $('life-pause').addEventListener('click', () => {
    worker.postMessage({ type: paused ? 'resume' : 'pause' });
    if (paused) {
      paused = false;
      $('life-pause').textContent = 'Pause';
      $('life-step').disabled = true;
      delete document.body.dataset.lifePaused;
    } else {
      $('life-pause').textContent = 'Pausing…';
    }
  });
  $('life-resume').addEventListener('click', async () => {
    $('life-offer').hidden = true;
    if (!await hold.claim()) return refuse();
    status('Resuming the life…');
    worker.postMessage({ type: 'resume-life' });
  });
  $('life-discard').addEventListener('click', () => {
    $('life-offer').hidden = true;
    worker.postMessage({ type: 'discard-checkpoint' });
    status('The saved life was discarded; its trials stay stored.');
  });
  $('life-step').addEventListener('click', () => {
    $('life-step').disabled = true;
    worker.postMessage({ type: 'step' });
  });

  return {
    state({ state, text }) {
      render(state);
      if (text) status(text);
    },
    /** A share link's life (its settings already in the experiment form): offered, not run. */
    offerLink(life) {
      if (![life.firstBudget, life.lastBudget].every((b) => Number.isInteger(b) && b >= 1)) {
        return status('The life link\'s budgets are not whole numbers of generations of at least 1: nothing is offered.', true);
      }
      linked = life;
      const grow = life.experiment.copy.grow;
      [$('life-first').value, $('life-last').value, $('life-grow').value] = [life.firstBudget, life.lastBudget, grow];
      $('life-space').value = life.experiment.tasks.join(', ');
      $('life-link-text').textContent = `Run the life this link describes? Its task space is ${life.experiment.tasks.join(', ')}, ` +
        `with budgets from ${life.firstBudget} to ${life.lastBudget} generations${grow ? `, each copy growing ${grow} units` : ''} (seed ${life.experiment.copy.seed}).`;
      $('life-link-offer').hidden = false;
      document.body.dataset.lifeLink = 'offered';
    },
    /** A life a reload interrupted was found: offer to go on with it. */
    async found({ tried, accepted, tasks, trials, at }) {
      // The saved life of a run going on in another tab is not interrupted.
      if (await lock.otherTabRuns()) return refuse();
      const minutes = Math.round((Date.now() - at) / 60_000);
      $('life-offer-text').textContent = `A life on ${tasks.join(', ')} was interrupted ${minutes < 1 ? 'less than a minute' : `${minutes} min`} ago, ` +
        `after ${tried} candidates (${accepted} accepted) and ${trials} stored trials.`;
      $('life-offer').hidden = false;
      document.body.dataset.lifeOffer = 'shown';
    },
    resumed({ state }) {
      render(state);
      [$('life-first').value, $('life-last').value] = state.budgets;
      $('life-grow').value = state.grow;
      $('life-space').value = state.space.join(', ');
      running(true);
      status(`Resumed after ${state.tried.length} candidates.`);
    },
    trying({ candidate, before }) {
      status(`Trying ${candidate.task} with a budget of ${candidate.budget} generations: ONE reaches it from ${pct(before)} of start cells now.`);
    },
    progress({ text }) {
      $('life-progress').textContent = text;
    },
    over({ why, state, seconds }) {
      render(state);
      running(false);
      document.body.dataset.life = 'over';
      $('life-progress').textContent = '';
      status(`The life is over (${Math.round(seconds)} s): ${why}.`);
    },
    paused({ stepped, message }) {
      paused = true;
      $('life-pause').textContent = 'Resume';
      $('life-pause').disabled = false;
      $('life-step').disabled = false;
      document.body.dataset.lifePaused = 'true';
      if (stepped) document.body.dataset.lifeSteps = String(++steps);
      if (message) status(message, true);
    },
    error({ message }) {
      running(false);
      document.body.dataset.life = 'error';
      status(message, true);
    },
  };
}
