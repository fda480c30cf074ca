// Draws a maze scene on a canvas: walls as bits per cell (N 1, E 2, S 4, W 8), the goal
// region, the exits (grey), the centre and the four landmarks (small icons drawn with paths, so
// that no emoji font is needed), the agent's recent path and the agent.
import { LANDMARKS } from './goals.js';
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

  // The centre: a small cross on its cell (or between its cells on an even side).
  const [cx, cy] = at((width - 1) / 2, (height - 1) / 2);
  ctx.strokeStyle = colour('--muted');
  ctx.lineWidth = Math.max(1.5, cell * 0.04);
  ctx.beginPath();
  ctx.moveTo(cx - cell * 0.15, cy);
  ctx.lineTo(cx + cell * 0.15, cy);
  ctx.moveTo(cx, cy - cell * 0.15);
  ctx.lineTo(cx, cy + cell * 0.15);
  ctx.stroke();
  document.body.dataset.mazeSize = `${width}x${height}`;
  document.body.dataset.landmarks = (scene.maze.landmarks ?? []).join(',');
  (scene.maze.landmarks ?? []).forEach((c, i) => ICONS[LANDMARKS[i]](ctx, ...at(c % width, Math.floor(c / width)), cell * 0.28));

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

/** Each landmark's icon, centred at (x, y), about 2r across. */
const ICONS = {
  tree(ctx, x, y, r) {
    ctx.fillStyle = '#8d5524';
    ctx.fillRect(x - r * 0.15, y + r * 0.35, r * 0.3, r * 0.6);
    ctx.fillStyle = '#2f9e44';
    ctx.beginPath();
    ctx.moveTo(x, y - r);
    ctx.lineTo(x + r * 0.75, y + r * 0.45);
    ctx.lineTo(x - r * 0.75, y + r * 0.45);
    ctx.closePath();
    ctx.fill();
  },
  house(ctx, x, y, r) {
    ctx.fillStyle = '#c2410c';
    ctx.beginPath();
    ctx.moveTo(x, y - r);
    ctx.lineTo(x + r * 0.9, y - r * 0.15);
    ctx.lineTo(x - r * 0.9, y - r * 0.15);
    ctx.closePath();
    ctx.fill();
    ctx.fillStyle = '#f4d6a0';
    ctx.fillRect(x - r * 0.65, y - r * 0.15, r * 1.3, r * 1.05);
    ctx.fillStyle = '#6b3a1e';
    ctx.fillRect(x - r * 0.18, y + r * 0.3, r * 0.36, r * 0.6);
  },
  bird(ctx, x, y, r) {
    ctx.strokeStyle = '#1c7ed6';
    ctx.lineWidth = Math.max(2, r * 0.22);
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(x - r, y - r * 0.2);
    ctx.quadraticCurveTo(x - r * 0.5, y - r * 0.8, x, y + r * 0.1);
    ctx.quadraticCurveTo(x + r * 0.5, y - r * 0.8, x + r, y - r * 0.2);
    ctx.stroke();
  },
  dog(ctx, x, y, r) {
    ctx.fillStyle = '#5c3d2e';
    for (const side of [-1, 1]) {
      ctx.beginPath();
      ctx.ellipse(x + side * r * 0.62, y - r * 0.1, r * 0.25, r * 0.5, side * 0.4, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillStyle = '#c08552';
    ctx.beginPath();
    ctx.ellipse(x, y, r * 0.55, r * 0.65, 0, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#1f1f1f';
    for (const side of [-1, 1]) {
      ctx.beginPath();
      ctx.arc(x + side * r * 0.22, y - r * 0.15, r * 0.08, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.beginPath();
    ctx.arc(x, y + r * 0.3, r * 0.13, 0, 2 * Math.PI);
    ctx.fill();
  },
};
