// The command panel: pick a command and a speaker, hear it (WebAudio), see its log-mel
// spectrogram; record your own utterance or import a WAV file, labelled by command, checked and
// turned into features in the worker's wasm, and stored in IndexedDB as your own speaker.
import { addRecording, deleteRecording, recordingList } from './store.js';

const $ = (id) => document.getElementById(id);
const MAX_RECORD_MS = 3500;

/** `ask` sends a request to the worker (ask.js). */
export function commandPanel(ask) {
  let audioContext = null;
  // The last utterance played, recorded or imported, and its command: what "talk to ONE" says.
  let last = null;
  const context = () => (audioContext ??= new AudioContext());

  const status = (text, bad = false) => {
    $('speech-status').textContent = text;
    $('speech-status').className = bad ? 'error-line' : 'status-line';
  };
  /** The list of your recordings: command, length, when, where from; play or delete each. */
  const refreshCount = async () => {
    const list = await recordingList();
    $('recording-count').textContent = String(list.length);
    document.body.dataset.recordings = String(list.length);
    $('recording-rows').replaceChildren(...list.map((r) => {
      const tr = document.createElement('tr');
      const cells = [r.label, `${(r.audio.length / 16000).toFixed(2)} s`, new Date(r.date).toLocaleString(), r.source];
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      const actions = document.createElement('td');
      const button = (text, onClick) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = text;
        b.setAttribute('aria-label', `${text} your "${r.label}" of ${cells[2]}`);
        b.addEventListener('click', onClick);
        actions.append(b);
      };
      button('Play', () => {
        play(r.audio);
        draw({ frames: r.frames, bands: r.bands });
        last = { audio: r.audio, command: r.label };
        status(`Your "${r.label}" (${cells[1]}): what "Talk to ONE" now says.`);
      });
      button('Delete', async () => {
        await deleteRecording(r.key);
        status(`Your "${r.label}" of ${cells[2]} was deleted.`);
        await refreshCount();
      });
      tr.append(actions);
      return tr;
    }));
  };

  // The spectrogram's margins: band labels on the left, seconds below.
  const LEFT = 58;
  const BOTTOM = 22;
  /** Draws `heard`'s log-mel frames (10 ms apart) with a time axis in seconds and the bands'
   * order, each utterance scaled to its own loudest and quietest values. */
  function draw(heard) {
    const canvas = $('spectrogram');
    const ctx = canvas.getContext('2d');
    const frames = heard.frames.length / heard.bands;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!frames) return;
    let lo = Infinity;
    let hi = -Infinity;
    heard.frames.forEach((v) => { lo = Math.min(lo, v); hi = Math.max(hi, v); });
    const width = canvas.width - LEFT;
    const height = canvas.height - BOTTOM;
    const w = width / frames;
    const h = height / heard.bands;
    for (let f = 0; f < frames; f++) {
      for (let b = 0; b < heard.bands; b++) {
        const level = (heard.frames[f * heard.bands + b] - lo) / (hi - lo || 1);
        ctx.fillStyle = `hsl(${240 - 200 * level}, 80%, ${20 + 55 * level}%)`;
        ctx.fillRect(LEFT + f * w, height - (b + 1) * h, Math.ceil(w), Math.ceil(h));
      }
    }
    ctx.fillStyle = '#5c6370';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText('high', 4, 12);
    ctx.fillText('mel band', 4, height / 2 + 4);
    ctx.fillText('low', 4, height - 2);
    const seconds = frames / 100;
    const step = seconds > 2 ? 0.5 : seconds > 0.8 ? 0.2 : 0.1;
    for (let t = 0; t <= seconds + 1e-9; t += step) {
      const x = LEFT + (t / seconds) * width;
      ctx.fillRect(x, height, 1, 4);
      ctx.fillText(`${t.toFixed(1)} s`, Math.min(x - 8, canvas.width - 28), height + 16);
    }
    document.body.dataset.spectrogramFrames = String(frames);
  }

  function play(audio) {
    const ctx = context();
    const buffer = ctx.createBuffer(1, audio.length, 16000);
    buffer.copyToChannel(Float32Array.from(audio), 0);
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    source.start();
  }

  async function store(heard, label, source) {
    last = { audio: heard.audio, command: label };
    await addRecording({ label, source, audio: Float32Array.from(heard.audio), frames: Float32Array.from(heard.frames), bands: heard.bands, date: Date.now() });
    draw(heard);
    await refreshCount();
    status(`Stored your "${label}" (${(heard.audio.length / 16000).toFixed(2)} s spoken) as your own speaker.`);
  }

  /** Plays the chosen command by the chosen speaker: from now on what "Talk to ONE" says. */
  async function say() {
    const heard = await ask({ type: 'utterance', speaker: $('speaker').value, command: $('command').value });
    draw(heard);
    play(heard.audio);
    last = { audio: heard.audio, command: $('command').value };
    status(`"${$('command').value}" by ${$('speaker').value}: ${(heard.audio.length / 16000).toFixed(2)} s.`);
    return last;
  }
  $('play').addEventListener('click', () => say().catch((e) => status(e.message, true)));

  let recorder = null;
  $('record').addEventListener('click', async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    const label = $('command').value;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      const why = e.name === 'NotAllowedError' ? 'Microphone permission was denied: allow it in the site settings to record.'
        : e.name === 'NotFoundError' || e.name === 'OverconstrainedError' ? 'No microphone was found.'
        : `The microphone could not be opened: ${e.message}`;
      status(why, true);
      return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (event) => chunks.push(event.data);
    recorder.onstop = async () => {
      stream.getTracks().forEach((track) => track.stop());
      recorder = null;
      $('record').textContent = 'Record';
      try {
        const decoded = await context().decodeAudioData(await new Blob(chunks).arrayBuffer());
        const samples = decoded.getChannelData(0);
        const heard = await ask({ type: 'recording', samples, rate: decoded.sampleRate, label });
        await store(heard, label, 'microphone');
      } catch (e) {
        status(e.message, true);
      }
    };
    recorder.start();
    $('record').textContent = 'Stop';
    status(`Recording "${label}"… (stops by itself after ${MAX_RECORD_MS / 1000} s)`);
    setTimeout(() => recorder?.state === 'recording' && recorder.stop(), MAX_RECORD_MS);
  });

  $('import-wav').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const label = $('command').value;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const heard = await ask({ type: 'wav', bytes, label }, [bytes.buffer]);
      await store(heard, label, file.name);
    } catch (e) {
      status(`${file.name}: ${e.message}`, true);
    }
    event.target.value = '';
  });

  return {
    /** Fills the command and speaker lists (a choice already made is kept). `whole`: the whole
     * corpus, not its first part, which lets ONE talk but not Play, Record or Import yet. */
    catalogue({ commands, speakers }, whole = true) {
      const [command, speaker] = [$('command').value, $('speaker').value];
      $('command').replaceChildren(...commands.map((c) => new Option(c, c)));
      const group = (split, title) => {
        const g = document.createElement('optgroup');
        g.label = title;
        g.append(...speakers.filter((s) => s.split === split).map((s) => new Option(s.id, s.id)));
        return g;
      };
      $('speaker').replaceChildren(group('train', 'training speakers (espeak-ng, MBROLA, Pico)'), group('validation', 'validation speakers (espeak-ng)'),
        group('cross', 'other synthesiser (festival, never trained on)'));
      if (commands.includes(command)) $('command').value = command;
      // A voice ONE never trained on is the honest first thing to hear.
      $('speaker').value = speakers.some((s) => s.id === speaker) ? speaker : speakers.find((s) => s.split === 'validation')?.id ?? $('speaker').value;
      if (!whole) return;
      for (const id of ['play', 'record', 'import-wav']) $(id).disabled = false;
      const ctx = $('spectrogram').getContext('2d');
      ctx.fillStyle = '#868e96';
      ctx.font = '14px system-ui, sans-serif';
      ctx.fillText('Press Play or Record: the log-mel spectrogram appears here (time →, 16 mel bands ↑).', 12, 64);
      status(`${commands.length} commands by ${speakers.length} synthetic speakers.`);
      refreshCount();
    },
    refreshCount,
    lastHeard: () => last,
    /** What "Talk to ONE" says: the last utterance heard, else the chosen one, played now. */
    heardOrSay: async () => last ?? say(),
    error(message) {
      status(message, true);
    },
  };
}
