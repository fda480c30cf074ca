// Live plots (uPlot) shared by the panels: each fills its container's width, follows window
// resizes, and takes one point at a time.
import uPlot from './vendor/uPlot.esm.js';

const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/** The plot's width: its container's, less the panel's padding, and never under what a phone
 * leaves (a panel on a 360-pixel screen is about 320 wide inside). */
function live(el, height, options) {
  const width = () => Math.max(240, el.parentElement.clientWidth - 32);
  const data = options.series.map(() => []);
  const plot = new uPlot({ width: width(), height, ...options }, data, el);
  const resize = () => plot.setSize({ width: width(), height });
  addEventListener('resize', resize);
  return {
    data,
    plot,
    redraw: () => plot.setData(data),
    destroy() {
      removeEventListener('resize', resize);
      plot.destroy();
    },
    clear() {
      data.forEach((series) => (series.length = 0));
      plot.setData(data);
    },
  };
}

/** Consolidation's losses per update: imitation (cross-entropy, left axis) and prediction (MSE,
 * right axis). `add(update, imitation, prediction)`. */
export function lossPlot(el, height = 220) {
  const p = live(el, height, {
    scales: { x: { time: false }, prediction: {} },
    axes: [{ label: 'update', incrs: STEPS }, { label: 'cross-entropy' }, { side: 1, scale: 'prediction', label: 'MSE', grid: { show: false } }],
    series: [
      { label: 'update' },
      { label: 'imitation (cross-entropy)', stroke: '#d9480f', width: 2 },
      { label: 'prediction (MSE)', stroke: '#4c6ef5', width: 2, scale: 'prediction' },
    ],
  });
  return {
    clear: p.clear,
    plot: p.plot,
    add(update, imitation, prediction) {
      p.data[0].push(update);
      p.data[1].push(imitation);
      p.data[2].push(prediction);
      p.redraw();
    },
  };
}

/** A copy's fitness per generation (best and mean member, left axis) and its success (%, right
 * axis), as Phase A evolves it: `clear()`, `add(generation, best, mean, success)`. */
export function fitnessPlot(el, height = 240) {
  const p = live(el, height, {
    scales: { x: { time: false }, success: { range: [0, 100] } },
    axes: [{ label: 'generation', incrs: STEPS }, { label: 'fitness' }, { side: 1, scale: 'success', label: 'success %', grid: { show: false } }],
    series: [
      { label: 'generation' },
      { label: 'best', stroke: '#d9480f', width: 2 },
      { label: 'mean', stroke: '#4c6ef5', width: 2 },
      { label: 'success %', stroke: '#2b8a3e', width: 2, scale: 'success' },
    ],
  });
  return {
    clear: p.clear,
    plot: p.plot,
    add(generation, best, mean, success) {
      [generation, best, mean, 100 * success].forEach((v, s) => p.data[s].push(v));
      p.redraw();
    },
  };
}

const COLOURS = ['#d9480f', '#4c6ef5', '#2b8a3e', '#ae3ec9'];

/** Each copy's success per generation (its mean policy on validation speakers, %), a line per
 * command, generations of all copies on one axis: `reset(commands)`, `add(k, generation, success)`. */
export function copiesPlot(el, height = 200) {
  let p = null;
  const curve = {
    plot: () => p.plot,
    reset(commands) {
      p?.destroy();
      p = live(el, height, {
        scales: { x: { time: false }, y: { range: [0, 100] } },
        axes: [{ label: 'generation of each copy', incrs: STEPS }, { label: 'copy success %' }],
        series: [{ label: 'generation' }, ...commands.map((c, k) => ({ label: c, stroke: COLOURS[k % COLOURS.length], width: 2, spanGaps: true }))],
      });
    },
    add(k, generation, success) {
      const x = p.data[0];
      while (x.length <= generation) {
        x.push(x.length + 1);
        for (let s = 1; s < p.data.length; s++) p.data[s].push(null);
      }
      p.data[k + 1][generation] = 100 * success;
      p.redraw();
    },
  };
  // Drawn empty until the first experiment names its commands, as the other plots are: its
  // exports then give an empty table rather than nothing to read.
  curve.reset([]);
  return curve;
}
