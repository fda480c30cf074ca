// Results as data: each table and plot of the page as JSON and CSV, and each plot as PNG, from
// buttons under it. The numbers are those computed, unrounded (the page shows them rounded).

/** A cell of CSV: quoted when it holds a comma, a quote or a line break; null as empty. */
const cell = (v) => {
  const text = v == null ? '' : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** `{columns, rows}` as CSV: a header line, then a line per row. */
export const toCsv = ({ columns, rows }) => [columns, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';

/** `{columns, rows}` as JSON: an array of objects keyed by column. */
export const toJson = ({ columns, rows }) =>
  JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))), null, 1);

/** A uPlot's series as a table: a column per series (x first), a row per point. */
export const plotTable = (u) => ({
  columns: u.series.map((s) => s.label),
  rows: u.data[0].map((_, i) => u.data.map((series) => series[i] ?? null)),
});

/** Saves `blob` as the file `name`. */
export function save(name, blob) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** The plot on white, as the page shows it (its canvas itself is transparent). */
function opaque(canvas) {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  return out;
}

/** Fills `container` with JSON and CSV buttons (and PNG for a plot) for the table `name`:
 * `table()` gives its `{columns, rows}` now; `canvas()`, for a plot, its drawn canvas. */
export function exportButtons(container, name, table, canvas = null) {
  const button = (label, onClick) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'quiet small';
    b.textContent = label;
    b.setAttribute('aria-label', `${name} as ${label}`);
    b.addEventListener('click', onClick);
    container.append(b);
  };
  button('JSON', () => save(`${name}.json`, new Blob([toJson(table())], { type: 'application/json' })));
  button('CSV', () => save(`${name}.csv`, new Blob([toCsv(table())], { type: 'text/csv' })));
  if (canvas) button('PNG', () => opaque(canvas()).toBlob((blob) => save(`${name}.png`, blob), 'image/png'));
}
