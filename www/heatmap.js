// The heatmap of ONE's weight spread (paper 3.12): a cell per weight, a row per unit that owns
// weights (gates, action and prediction outputs), a column per thing it reads (inputs, hidden
// units, bias), colour the log of the weight's standard deviation over the copies' trials.
// Weights that never varied are dark; consolidation's variance rates leave them still.

const LEFT = 92;
const TOP = 16;
const HEIGHT = 360; // at most, in pixels, for the cells

/** Draws `grid` ({rows, cols, cells, row_blocks, col_blocks}, NaN where no weight) on `canvas`,
 * its cells as wide as the canvas's box allows (3 to 14 pixels) and at most as tall, so that ONE
 * of any size fits the page's width and about HEIGHT pixels. */
export function drawHeatmap(canvas, grid) {
  const room = (canvas.parentElement?.clientWidth || 560) - LEFT;
  const cw = Math.max(3, Math.min(14, Math.floor(room / grid.cols)));
  const ch = Math.max(2, Math.min(cw, Math.floor(HEIGHT / grid.rows)));
  canvas.width = LEFT + grid.cols * cw;
  canvas.height = TOP + grid.rows * ch;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const logs = grid.cells.filter((v) => v > 0).map(Math.log10);
  const lo = logs.length ? Math.min(...logs) : 0;
  const hi = logs.length ? Math.max(...logs) : 1;
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const v = grid.cells[r * grid.cols + c];
      if (Number.isNaN(v)) continue;
      const t = v > 0 && hi > lo ? (Math.log10(v) - lo) / (hi - lo) : 0;
      ctx.fillStyle = colour(v > 0 ? t : -1);
      ctx.fillRect(LEFT + c * cw, TOP + r * ch, cw, ch);
    }
  }
  ctx.fillStyle = '#5c6370';
  ctx.strokeStyle = '#ffffff';
  ctx.font = '10px system-ui, sans-serif';
  let y = TOP;
  for (const [name, n] of grid.row_blocks) {
    ctx.fillText(name, 2, y + Math.min(n * ch, 12) - 2);
    y += n * ch;
    ctx.fillRect(LEFT - 4, y - 0.5, canvas.width - LEFT + 4, 1);
  }
  // Column blocks too narrow for their name stay unnamed; the caption lists them in order.
  let x = LEFT;
  for (const [name, n] of grid.col_blocks) {
    if (ctx.measureText(name).width < n * cw - 2) ctx.fillText(name, x + 1, TOP - 4);
    x += n * cw;
    ctx.fillRect(x - 0.5, TOP - 2, 1, canvas.height - TOP + 2);
  }
  return { lo, hi };
}

/** Dark blue (t = 0) to yellow (t = 1); never varied (t < 0) near black. */
function colour(t) {
  if (t < 0) return '#111318';
  const stops = [[30, 40, 110], [40, 140, 150], [120, 200, 90], [250, 220, 60]];
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((a, j) => Math.round(a + f * (stops[i + 1][j] - a)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
