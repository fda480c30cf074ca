// Draws a maze scene on a canvas: walls as bits per cell (N 1, E 2, S 4, W 8), the goal
// region, the exits (grey), the agent's recent path and the agent.
const WALL = [[0, 0, 1, 0], [1, 0, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1]]; // N, E, S, W segments in cell units

export function drawMaze(canvas, scene, trail, agent) {
  document.body.dataset.mazeDraws = String(Number(document.body.dataset.mazeDraws || 0) + 1);
  const ctx = canvas.getContext('2d');
  const { width, height, walls } = scene.maze;
  const pad = 10;
  const cell = Math.min((canvas.width - 2 * pad) / width, (canvas.height - 2 * pad) / height);
  const css = getComputedStyle(document.documentElement);
  const colour = (name) => css.getPropertyValue(name).trim();
  const at = (x, y) => [pad + (x + 0.5) * cell, pad + (y + 0.5) * cell];

  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);

  const region = (r) => ctx.fillRect(pad + r.x0 * cell, pad + r.y0 * cell, (r.x1 - r.x0 + 1) * cell, (r.y1 - r.y0 + 1) * cell);
  ctx.fillStyle = colour('--goal');
  region(scene.task.goal);
  // Exits end an episode unrewarded (the other corners of the 3.8 experiment).
  ctx.fillStyle = colour('--exit');
  (scene.task.exits ?? []).forEach(region);

  ctx.strokeStyle = colour('--trail');
  ctx.globalAlpha = 0.35;
  ctx.lineWidth = cell * 0.22;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  trail.forEach(([x, y], i) => (i ? ctx.lineTo(...at(x, y)) : ctx.moveTo(...at(x, y))));
  ctx.stroke();
  ctx.globalAlpha = 1;

  ctx.strokeStyle = colour('--wall');
  ctx.lineWidth = Math.max(2, cell * 0.08);
  ctx.lineCap = 'square';
  ctx.beginPath();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bits = walls[y * width + x];
      WALL.forEach(([x0, y0, x1, y1], dir) => {
        if (bits & (1 << dir)) {
          ctx.moveTo(pad + (x + x0) * cell, pad + (y + y0) * cell);
          ctx.lineTo(pad + (x + x1) * cell, pad + (y + y1) * cell);
        }
      });
    }
  }
  ctx.stroke();

  const [ax, ay] = at(agent[0], agent[1]);
  ctx.fillStyle = colour('--agent');
  ctx.beginPath();
  ctx.arc(ax, ay, cell * 0.3, 0, 2 * Math.PI);
  ctx.fill();
}
