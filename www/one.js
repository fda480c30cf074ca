// The "Talk to ONE" box: the ONE the page talks to at once (the pretrained ONE the site ships),
// how it was judged, and ONE as a file: download it, or load one trained here or by the CLI
// (`onelab run --out FILE`). A refused file is named and the current ONE is kept.

const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const NAMES = { pretrained: 'the pretrained ONE', file: 'the loaded ONE', experiment: 'your experiment\'s ONE' };

/** `ask` sends a request to the worker; `heardOrSay()` gives what ONE will hear (ask.js, commands.js). */
export function onePanel(worker, ask, heardOrSay) {
  let shown = null; // the worker's view of the current ONE: source, size, config, judgement, retention
  let fileName = '';

  const status = (text, bad = false) => {
    $('one-status').textContent = text;
    $('one-status').className = bad ? 'error-line' : 'status-line';
  };

  /** Who this ONE is, and how it follows each command (validation speakers, other synthesiser). */
  function show(view) {
    shown = view;
    const { config, judgement } = view;
    const from = view.source === 'pretrained'
      ? `The pretrained ONE, shipped with the site (${(view.size / 1024).toFixed(0)} KB)`
      : view.source === 'file' ? `ONE loaded from ${fileName} (${(view.size / 1024).toFixed(0)} KB)` : 'The ONE of your experiment';
    $('one-text').textContent = `${from}: trained by the experiment of paper 3.8 on ${config.tasks.length} commands, ` +
      `${config.copy.hidden} hidden units, seed ${config.copy.seed}; ` +
      `${judgement.accepted ? 'accepted' : 'rejected (you talk to the rejected candidate)'}. ` +
      'It hears the command last played, recorded or imported below; press Talk and it plays the chosen one.';
    $('one-rows').replaceChildren(...judgement.rows.map((r) => {
      const tr = document.createElement('tr');
      for (const c of [r.command, pct(r.one), pct(r.one_cross)]) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      return tr;
    }));
    $('one-table').hidden = false;
    $('talk-one').textContent = `Talk to ${NAMES[view.source]}`;
    $('talk-one').disabled = false;
    $('download-one').disabled = false;
    $('load-one').disabled = false;
    document.body.dataset.one = view.source;
    document.body.dataset.oneRows = JSON.stringify(judgement.rows.map((r) => [r.command, r.one, r.one_cross]));
  }

  $('talk-one').addEventListener('click', async () => {
    let heard;
    try {
      heard = await heardOrSay();
    } catch (e) {
      return status(e.message, true);
    }
    const commands = shown.judgement.rows.map((r) => r.command);
    const k = commands.indexOf(heard.command);
    if (k < 0) return status(`"${heard.command}" is not one of this ONE's commands (${commands.join(', ')}).`, true);
    worker.postMessage({ type: 'talk', k, audio: Float32Array.from(heard.audio), one: 'current' });
  });

  $('download-one').addEventListener('click', async () => {
    try {
      const bytes = await ask({ type: 'download-one' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      link.download = shown.source === 'pretrained' ? 'one-pretrained.onelab' : `one-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.onelab`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      status(`Saved ${link.download} (${bytes.length} bytes): load it here later, or judge it with onelab run --one ${link.download}.`);
    } catch (e) {
      status(e.message, true);
    }
  });

  $('load-one').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const view = await ask({ type: 'load-one', bytes });
      fileName = file.name;
      show(view);
      status(`Loaded ${file.name}: press "Talk to the loaded ONE".`);
    } catch (e) {
      status(`${file.name} was not loaded, and ${shown ? NAMES[shown.source] : 'the page'} is kept: ${e.message}`, true);
      document.body.dataset.oneRefused = e.message;
    }
    event.target.value = '';
  });

  return {
    /** The worker has a new ONE to talk to. */
    one(view) {
      show(view);
    },
    missing({ message }) {
      $('one-text').textContent = `No pretrained ONE here (${message}): run the experiment below, or load a ONE file.`;
      $('load-one').disabled = false;
      document.body.dataset.one = 'missing';
    },
    talking({ command, one }) {
      if (one !== 'current') return;
      status(`ONE hears "${command}" at the start of each episode, then walks: see the maze.`);
      document.body.dataset.talkingOne = command;
    },
    error({ message }) {
      status(message, true);
    },
  };
}
