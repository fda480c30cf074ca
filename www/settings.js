// Every experiment setting as a form field, made from the settings object itself, so that a
// setting added on the Rust side appears here with no page change: numbers as number fields
// (shown as typed: an f32's 0.009999999776 reads 0.01), switches as checkboxes, names with a
// fixed set of values (`choices`, from the Rust side: strategy, optimiser) as
// lists, other names as text; nested settings as fieldsets.
// The Rust side validates them (checkExperimentConfig, as the experiment would) while the user
// types; this module only turns fields into values and names the field it could not read.

const words = (key) => key.replace(/_/g, ' ');
const fieldId = (path) => `setting-${path.join('-')}`;

/** Fills `container` with a field per setting of `config`, except the `skip` paths ("a.b");
 * `choices` maps a path to the names it may take. */
export function settingsFields(container, config, skip, choices = {}) {
  const build = (value, path) => {
    const box = document.createElement('fieldset');
    if (path.length) {
      const legend = document.createElement('legend');
      legend.textContent = words(path[path.length - 1]);
      box.append(legend);
    }
    for (const [key, v] of Object.entries(value)) {
      const at = [...path, key];
      if (skip.includes(at.join('.'))) continue;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        box.append(build(v, at));
        continue;
      }
      const label = document.createElement('label');
      const names = choices[at.join('.')];
      const input = document.createElement(names ? 'select' : 'input');
      input.id = fieldId(at);
      input.dataset.path = at.join('.');
      if (names) {
        input.append(...names.map((n) => new Option(n, n)));
        input.dataset.kind = 'text';
      } else if (typeof v === 'boolean') {
        input.type = 'checkbox';
        input.dataset.kind = 'bool';
      } else if (typeof v === 'number') {
        input.type = 'number';
        input.step = 'any';
        input.dataset.kind = 'number';
      } else {
        input.type = 'text';
        input.dataset.kind = Array.isArray(v) ? 'list' : 'text';
      }
      label.append(words(key), input);
      box.append(label);
    }
    return box;
  };
  container.replaceChildren(...build(config, []).childNodes);
  showSettings(container, config);
}

/** Shows `config`'s values in the fields. */
export function showSettings(container, config) {
  for (const input of container.querySelectorAll('[data-path]')) {
    const v = input.dataset.path.split('.').reduce((o, k) => o[k], config);
    if (input.dataset.kind === 'bool') input.checked = v;
    else if (input.dataset.kind === 'list') input.value = v.join(',');
    else if (input.dataset.kind === 'number') input.value = String(Number(v.toPrecision(7)));
    else input.value = String(v);
  }
}

/** Writes the fields' values into `config`; returns the first unreadable field's message. */
export function readSettings(container, config) {
  for (const input of container.querySelectorAll('[data-path]')) {
    const path = input.dataset.path.split('.');
    const owner = path.slice(0, -1).reduce((o, k) => o[k], config);
    const key = path[path.length - 1];
    const kind = input.dataset.kind;
    if (kind === 'bool') owner[key] = input.checked;
    else if (kind === 'list') owner[key] = input.value.split(',').map((s) => s.trim()).filter(Boolean);
    else if (kind === 'text') owner[key] = input.value;
    else {
      const n = Number(input.value);
      if (input.value.trim() === '' || !Number.isFinite(n)) return `${settingName(input)}: a number is needed`;
      owner[key] = n;
    }
  }
  return null;
}

/** A field's setting as the user sees it: "copy › strategy › population". */
export function settingName(input) {
  return input.dataset.path.split('.').map(words).join(' › ');
}
