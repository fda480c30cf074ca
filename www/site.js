// The files the site ships beside the page, fetched by the worker: the command corpus (which
// `Speech` checks against its manifest's checksums) and the pretrained ONE.
//
// The corpus is fetched gzipped (`make web` writes corpus/*.gz from the committed files: the
// 25 MB of mu-law speech are 17 MB so, and a static host need not compress them itself) and
// unpacked here by the browser's DecompressionStream as it arrives.

/** Resolves to `{ manifest, blob }`, or throws which file could not be fetched and why.
 * `progress(loaded, total)` is told how many bytes of the corpus's audio have arrived, of how
 * many (0 when the host does not say), now and then; `early(part)` is given, as soon as the
 * audio has come as far as the last validation speaker, a corpus (`{ manifest, blob }`) of the
 * speakers whose audio has come: the first training speakers and the validation speakers, which
 * the corpus holds first, enough for ONE to talk while the rest arrives. */
export async function fetchCorpus(progress, early) {
  const manifest = new TextDecoder().decode(await unzipped('corpus/manifest.json.gz'));
  const m = JSON.parse(manifest);
  const validation = new Set(m.speakers.filter((s) => s.split === 'validation').map((s) => s.id));
  // The part's checksum needs the Web Crypto API, which a page served over plain HTTP from
  // another machine lacks: there ONE talks once the whole corpus has come (cut 0: no part).
  const cut = !globalThis.crypto?.subtle ? 0
    : m.utterances.filter((u) => validation.has(u.speaker)).reduce((end, u) => Math.max(end, u.offset + u.samples), 0);
  const blob = await unzipped('corpus/corpus.bin.gz', progress, cut, async (prefix) => early(await part(m, prefix)));
  return { manifest, blob };
}

/** The corpus of the speakers of manifest `m` whose every utterance lies in `prefix`, the
 * audio's first bytes: its own manifest (whose checksum is the prefix's) and the prefix. */
async function part(m, prefix) {
  const inside = m.utterances.filter((u) => u.offset + u.samples <= prefix.length);
  const speakers = m.speakers.filter((s) => inside.filter((u) => u.speaker === s.id).length === m.commands.length);
  const kept = new Set(speakers.map((s) => s.id));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', prefix));
  const corpus_sha256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  const manifest = { ...m, speakers, utterances: inside.filter((u) => kept.has(u.speaker)), corpus_sha256 };
  return { manifest: JSON.stringify(manifest), blob: prefix };
}

/** Resolves to the pretrained ONE's file (www/pretrained/one.onelab), or throws why not. */
export async function fetchPretrained() {
  return new Uint8Array(await (await fetched('pretrained/one.onelab')).arrayBuffer());
}

async function fetched(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

/** The unpacked bytes of the gzipped file `path`, unpacked as they arrive. `onBytes(loaded,
 * total)` is told how many bytes have arrived, of the Content-Length (0 if none), at most four
 * times a second; `onPrefix(bytes)` is given the first `cut` unpacked bytes once they have come
 * (and awaited before reading on). */
async function unzipped(path, onBytes = () => {}, cut = 0, onPrefix = async () => {}) {
  const response = await fetched(path);
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body.getReader();
  let [loaded, told] = [0, 0];
  const arrived = (chunk) => {
    loaded += chunk.length;
    if (performance.now() - told > 250) {
      told = performance.now();
      onBytes(loaded, total);
    }
    return chunk;
  };
  const first = await reader.read();
  const raw = new ReadableStream({
    start: (c) => (first.done ? c.close() : c.enqueue(arrived(first.value))),
    pull: async (c) => {
      const next = await reader.read();
      if (next.done) c.close();
      else c.enqueue(arrived(next.value));
    },
  });
  // A host that sends .gz files as gzip-encoded has had the browser unpack them already.
  const gzipped = !first.done && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const unpacked = (gzipped ? raw.pipeThrough(new DecompressionStream('gzip')) : raw).getReader();
  const chunks = [];
  let [length, given] = [0, cut === 0];
  for (;;) {
    let next;
    try {
      next = await unpacked.read();
    } catch {
      // The stream's own error says only "Failed to fetch".
      throw new Error(`${path}: not a whole gzip file (it ends too soon or was damaged on the way); reloading the page fetches it again`);
    }
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
    if (!given && length >= cut) {
      given = true;
      await onPrefix(joined(chunks, cut));
    }
  }
  return joined(chunks, length);
}

/** The first `n` bytes of `chunks`, in one array. */
function joined(chunks, n) {
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= n) break;
    bytes.set(chunk.subarray(0, n - at), at);
    at += Math.min(chunk.length, n - at);
  }
  return bytes;
}
