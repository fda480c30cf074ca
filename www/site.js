// The files the site ships beside the page, fetched by the worker: the command corpus (which
// `Speech` checks against its manifest's checksums) and the pretrained ONE.
//
// The corpus is fetched gzipped (`make web` writes corpus/*.gz from the committed files: the
// 25 MB of mu-law speech are 17 MB so, and a static host need not compress them itself) and
// unpacked here by the browser's DecompressionStream.

/** Resolves to `{ manifest, blob }`, or throws which file could not be fetched and why;
 * `progress(loaded, total)` is told how many bytes of the corpus's audio have arrived, of how
 * many (0 when the host does not say), now and then. */
export async function fetchCorpus(progress) {
  const manifest = new TextDecoder().decode(await unzipped('corpus/manifest.json.gz'));
  return { manifest, blob: await unzipped('corpus/corpus.bin.gz', progress) };
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

/** The unpacked bytes of the gzipped file `path`; `onBytes(loaded, total)` is told how many
 * bytes have arrived, of the Content-Length (0 if none), at most four times a second. */
async function unzipped(path, onBytes = () => {}) {
  const response = await fetched(path);
  const total = Number(response.headers.get('content-length')) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let [loaded, told] = [0, 0];
  for (let part = await reader.read(); !part.done; part = await reader.read()) {
    chunks.push(part.value);
    loaded += part.value.length;
    if (performance.now() - told > 250) {
      told = performance.now();
      onBytes(loaded, total);
    }
  }
  const raw = new Uint8Array(await new Blob(chunks).arrayBuffer());
  // A host that sends .gz files as gzip-encoded has had the browser unpack them already.
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  } catch {
    // The stream's own error says only "Failed to fetch".
    throw new Error(`${path}: not a whole gzip file (it ends too soon or was damaged on the way); reloading the page fetches it again`);
  }
}
